// Several nodes in Debian's Chromium (issue 19): two hearthd on one
// PostgreSQL database (tests/pg/with-postgres, run inside the test's
// network namespace), on 127.0.0.2 and 127.0.0.3. The host's page opens
// its link at node a, which homes the session; Dana's page opens hers at
// node b, which answers her join `wrong_node` with node a's URL: the page
// opens its WebSocket there (b's CSP names a's origin) without anyone
// doing anything, and the two see and hear each other through node a.
import { chromium } from 'playwright-core';

import { readFileSync, writeFileSync } from 'node:fs';

import { CHROMIUM_ARGS, Daemon, expectFlowing, runTests } from './lib.mjs';

const URL = process.env.HEARTH_TEST_DATABASE_URL;
const PASSWORD_FILE = process.env.HEARTH_TEST_DATABASE_PASSWORD_FILE;

function node(name, address) {
  const d = new Daemon({ listen: address, config: `[cluster]\nnode_id = ${name}\nlease_seconds = 5\n` });
  // Into the [storage] section Daemon wrote (a section appears once).
  const text = readFileSync(d.configPath, 'utf8').replace(
    '[storage]\n',
    `[storage]\ndatabase_url = ${URL}\ndatabase_password_file = ${PASSWORD_FILE}\n`,
  );
  writeFileSync(d.configPath, text);
  return d;
}

async function openPage(browser, url) {
  const context = await browser.newContext({ viewport: { width: 1100, height: 760 } });
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (err) => page.errors.push(String(err)));
  // A WebSocket to another node that the page's CSP refused says so here.
  page.on('console', (msg) => {
    if (msg.type() === 'error' && /Content Security Policy/.test(msg.text())) page.errors.push(msg.text());
  });
  await page.goto(url);
  return page;
}

runTests({
  async 'a join at a node that is not the home follows wrong_node, media flows'() {
    if (!URL) throw new Error('run under tests/pg/with-postgres');
    // Their media workers both bind 127.0.0.1, on ports of their own.
    const a = node('node-a', '127.0.0.2');
    const b = node('node-b', '127.0.0.3');
    await a.start();
    await b.start();
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
    try {
      const { people } = await a.session('family', [
        ['Dr. Reyes', 'host'],
        ['Dana', 'family', { auto_admit: true }],
      ]);
      const [host, dana] = people;
      const h = await openPage(browser, host.url);
      await h.getByRole('button', { name: 'Join session' }).click();
      await h.getByRole('heading', { name: 'E2E family session' }).waitFor({ timeout: 30000 });
      // Dana's link at node b (a load balancer could have sent her there).
      const c = await openPage(browser, `${b.base}/join/${dana.token}`);
      await c.getByRole('button', { name: 'Join session' }).click();
      await c.getByRole('heading', { name: 'E2E family session' }).waitFor({ timeout: 30000 });
      await Promise.all([
        expectFlowing(h, ['Dana/video', 'Dana/audio'], 'host', 40000),
        expectFlowing(c, ['Dr. Reyes/video', 'Dr. Reyes/audio'], 'Dana', 40000),
      ]);
      const url = await c.evaluate(() => window.hearthSession.signal.url);
      if (url !== `ws://127.0.0.2:${a.port}/ws`) throw new Error(`Dana's page is on ${url}, not node a`);
      const errors = [h, c].flatMap((p) => p.errors);
      if (errors.length) throw new Error(`page errors: ${errors.join('; ')}`);
    } catch (err) {
      for (const [name, d] of [['a', a], ['b', b]])
        console.log(`  node ${name}'s log (last 20 lines):\n${d.log.slice(-20).map((l) => `    ${l}`).join('\n')}`);
      throw err;
    } finally {
      await browser.close();
      await a.stop();
      await b.stop();
    }
  },
});
