// A restart of hearthd mid-call in Debian's Chromium (issue 18: "measure
// media interruption across a restart: goal ≤ 5 s, no re-admission").
// A host and Dana, whom the host admitted from the waiting room, are in a
// call; hearthd gets SIGTERM (as `systemctl restart` sends it), tells the
// pages it restarts and exits; a new hearthd starts on the same state
// directory and port. Nothing is done for the pages. Dana's page must say
// "Reconnecting…" (never "disconnected for too long"), take its seat back
// without the waiting room or an invite use, and decode the host's video
// again; the freeze it sees (from the last frame decoded before the
// restart to the first after) is measured and held to 5 s.
import { chromium } from 'playwright-core';

import { readFileSync, writeFileSync } from 'node:fs';

import { CHROMIUM_ARGS, Daemon, expectFlowing, inboundVideo, runTests, screenshotPath, sleep, until } from './lib.mjs';

const FREEZE_LIMIT_MS = 5000;
const RECONNECTING = 'Reconnecting…';

// Records, in the page, what it shows: its state (session, waiting, an
// error screen), its connection badge, and the messages it gets.
const WATCH_SCRIPT = `(() => {
  const log = (window.hearthRestartLog = []);
  const note = (what) => log.push({ t: Date.now(), what });
  const badge = document.querySelector('#connection');
  new MutationObserver(() => note('badge ' + badge.textContent)).observe(badge, { childList: true, characterData: true, subtree: true });
  new MutationObserver(() => note('state ' + document.body.dataset.state)).observe(document.body, { attributes: true, attributeFilter: ['data-state'] });
  const s = window.hearthSession;
  for (const type of ['server.restarting', 'reconnecting', 'resumed', 'lost', 'closed'])
    s.signal.on(type, (m) => note('signal ' + type + (m && m.renegotiate ? ' renegotiate' : '')));
})()`;

async function openPage(browser, url) {
  const context = await browser.newContext({ viewport: { width: 1100, height: 760 } });
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (err) => page.errors.push(String(err)));
  await page.goto(url);
  return page;
}

runTests({
  async 'family call: hearthd restarted, the pages resume and the video comes back'() {
    const d = await new Daemon().start();
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
    let h;
    let c;
    let t0 = 0;
    const dump = async () => {
      for (const [name, page] of [['Dana', c], ['host', h]]) {
        const events = (await page?.evaluate(() => window.hearthRestartLog).catch(() => null)) ?? [];
        console.log(`  ${name}'s page:`);
        for (const e of events) console.log(`    +${((e.t - t0) / 1000).toFixed(2)} s  ${e.what}`);
      }
    };
    try {
      const { session, people } = await d.session('family', [
        ['Dr. Reyes', 'host'],
        ['Dana', 'family', { auto_admit: false }],
      ]);
      const [host, dana] = people;
      [h, c] = [await openPage(browser, host.url), await openPage(browser, dana.url)];
      for (const p of [h, c]) await p.getByRole('button', { name: 'Join session' }).click();
      await h.getByRole('button', { name: 'Admit Dana' }).click();
      await Promise.all([h, c].map((p) => p.getByRole('heading', { name: 'E2E family session' }).waitFor({ timeout: 30000 })));
      await Promise.all([
        expectFlowing(h, ['Dana/video', 'Dana/audio'], 'host', 40000),
        expectFlowing(c, ['Dr. Reyes/video', 'Dr. Reyes/audio'], 'Dana', 40000),
      ]);
      const invites = async () => (await d.must('GET', `/sessions/${session.id}/invites`, undefined, 200)).items.map((i) => i.uses);
      const joins = async () =>
        (await d.must('GET', `/audit?session=${session.id}&limit=200`, undefined, 200)).items.filter((e) => e.kind === 'join').length;
      const usesBefore = await invites();
      const joinsBefore = await joins();
      await Promise.all([h, c].map((p) => p.evaluate(WATCH_SCRIPT)));

      // Dana's view of the host's video, sampled every 100 ms from before
      // the restart until it is back: the last frame decoded before the
      // freeze and the first after (a count that falls is a new receiver).
      const key = 'Dr. Reyes/video';
      let count = (await inboundVideo(c))[key] ?? 0;
      let lastAt = Date.now();
      let frozeAt = 0;
      let backAt = 0;
      const badges = new Set();
      const sample = async () => {
        const n = (await inboundVideo(c).catch(() => ({})))[key] ?? 0;
        const now = Date.now();
        badges.add(await c.evaluate(() => document.querySelector('#connection')?.textContent).catch(() => null));
        if (n > count || (n > 0 && n < count)) {
          if (frozeAt && !backAt && now - lastAt > 500) backAt = now;
          lastAt = now;
        } else if (!frozeAt && t0 && now - lastAt > 500) frozeAt = lastAt;
        count = n;
      };
      await sample();

      // The restart: the same port for the next process, as systemd keeps it.
      writeFileSync(d.configPath, readFileSync(d.configPath, 'utf8').replace('listen_port = 0', `listen_port = ${d.port}`));
      const port = d.port;
      t0 = Date.now();
      d.proc.kill('SIGTERM');
      const sampling = (async () => {
        while (!backAt && Date.now() - t0 < 30000) {
          await sample();
          await sleep(100);
        }
      })();
      const exit = await d.exited;
      const exitedMs = Date.now() - t0;
      if (exit.code !== 0) throw new Error(`hearthd exited with ${exit.code ?? exit.signal}:\n${d.log.slice(-30).join('\n')}`);
      await d.start();
      const startedMs = Date.now() - t0;
      if (d.port !== port) throw new Error(`the new hearthd listens on ${d.port}, not ${port}`);
      await sampling;
      const freeze = backAt && frozeAt ? backAt - frozeAt : null;
      console.log(`  SIGTERM to exit ${(exitedMs / 1000).toFixed(2)} s, to the new process serving ${(startedMs / 1000).toFixed(2)} s`);
      console.log(`  Dana's page: the host's video froze ${freeze === null ? 'and never came back (30 s)' : `for ${(freeze / 1000).toFixed(2)} s`} (back ${backAt ? ((backAt - t0) / 1000).toFixed(2) : '-'} s after SIGTERM); badges seen: ${JSON.stringify([...badges])}`);

      const failures = [];
      if (freeze === null || freeze > FREEZE_LIMIT_MS) failures.push(`the video was not back within ${FREEZE_LIMIT_MS / 1000} s`);
      // Both directions flow again, and the badge says so.
      await Promise.all([
        expectFlowing(h, ['Dana/video', 'Dana/audio'], 'host after the restart', 15000),
        expectFlowing(c, ['Dr. Reyes/video', 'Dr. Reyes/audio'], 'Dana after the restart', 15000),
      ]);
      const connected = await until('Dana\'s page to say "Connected"', async () =>
        (await c.evaluate(() => document.querySelector('#connection').textContent)) === 'Connected', 10000).catch(() => false);
      if (!connected) failures.push('Dana\'s page does not say "Connected" after the restart');
      if (!badges.has(RECONNECTING)) failures.push(`Dana's page never said "${RECONNECTING}": ${JSON.stringify([...badges])}`);
      // No error screen, no waiting room, no second admission, no invite use.
      for (const [name, page] of [['Dana', c], ['host', h]]) {
        const events = (await page.evaluate(() => window.hearthRestartLog)).map((e) => e.what);
        const states = events.filter((e) => e.startsWith('state '));
        if (states.length) failures.push(`${name}'s page left the session screen: ${states.join(', ')}`);
        if (!events.includes('signal resumed renegotiate')) failures.push(`${name}'s page did not resume and renegotiate: ${events.join(', ')}`);
        if (await page.getByText('You were disconnected for too long').count()) failures.push(`${name}'s page says it was disconnected for too long`);
      }
      if (await h.getByRole('button', { name: 'Admit Dana' }).count()) failures.push('Dana is in the waiting room again');
      const usesAfter = await invites();
      const joinsAfter = await joins();
      if (JSON.stringify(usesAfter) !== JSON.stringify(usesBefore)) failures.push(`invite uses ${usesBefore} -> ${usesAfter}`);
      if (joinsAfter !== joinsBefore) failures.push(`audit joins ${joinsBefore} -> ${joinsAfter}`);
      await c.screenshot({ path: screenshotPath('chromium-restart-client') });
      const errors = [h, c].flatMap((p) => p.errors);
      if (errors.length) failures.push(`page errors: ${errors.join('; ')}`);
      if (failures.length) throw new Error(failures.join('\n'));
      if (process.env.HEARTH_E2E_VERBOSE) await dump();
    } catch (err) {
      await dump();
      console.log(`  hearthd's log (last 40 lines):\n${d.log.slice(-40).map((l) => `    ${l}`).join('\n')}`);
      throw err;
    } finally {
      await browser.close();
      await d.stop();
    }
  },
});
