// IPv6 only, in Debian's Chromium: hearthd listens (HTTP/WebSocket) on ::1
// and binds its media workers on a ULA alone, so the only ICE candidate
// the pages get is IPv6. A host and a family member join (the host admits
// her), each receives and decodes the other's video and audio, and the
// selected candidate pair of each page's connections is the relay's ULA.
//
// Why a ULA and not ::1: Chromium gathers no ::1 candidate even with
// --allow-loopback-in-peer-connection (127.0.0.1 only), so the test gives
// its namespace (tests/e2e/offline: loopback alone) an IPv6 address on a
// veth pair, which Chromium does gather. Chromium's 127.0.0.1 candidate
// pairs with nothing: the relay offers no IPv4.
import { execFileSync } from 'node:child_process';

import { chromium } from 'playwright-core';

import { CHROMIUM_ARGS, Daemon, expectFlowing, runTests } from './lib.mjs';

async function openPage(browser, url) {
  const context = await browser.newContext({ viewport: { width: 1100, height: 760 } });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (err) => errors.push(String(err)));
  page.errors = errors;
  await page.goto(url);
  return page;
}

// The remote (relay) address of the selected candidate pair of each of the
// page's two connections.
const SELECTED_SCRIPT = `(async () => {
  const s = window.hearthSession;
  const out = [];
  for (const pc of [s.publisher.pc, s.subscriber.pc]) {
    const stats = await pc.getStats();
    for (const t of stats.values()) {
      if (t.type !== 'transport' || !t.selectedCandidatePairId) continue;
      const pair = stats.get(t.selectedCandidatePairId);
      const remote = stats.get(pair.remoteCandidateId);
      out.push(remote.address + ' ' + remote.protocol);
    }
  }
  return out;
})()`;

runTests({
  async 'IPv6 only: a call over a ULA, the page on ::1'() {
    const ula = 'fd00:4865:6172::1';
    const ip = (...args) => execFileSync('ip', args, { stdio: 'ignore' });
    ip('link', 'add', 'h6a', 'type', 'veth', 'peer', 'name', 'h6b');
    ip('addr', 'add', `${ula}/64`, 'dev', 'h6a', 'nodad');
    ip('link', 'set', 'h6a', 'up');
    ip('link', 'set', 'h6b', 'up');
    const d = await new Daemon({ listen: '::1', config: `bind_address = ${ula}\n` }).start();
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
    try {
      if (!d.base.startsWith('http://[::1]:')) throw new Error(`the page is not on ::1: ${d.base}`);
      const { people } = await d.session('family', [['Dr. Reyes', 'host'], ['Dana', 'family']]);
      const [host, dana] = people;
      const h = await openPage(browser, host.url);
      await h.getByRole('button', { name: 'Join session' }).click();
      await h.getByRole('heading', { name: 'E2E family session' }).waitFor();
      const dn = await openPage(browser, dana.url);
      await dn.getByRole('button', { name: 'Join session' }).click();
      await dn.getByText('Your clinician will let you in shortly').waitFor();
      await h.getByRole('button', { name: 'Admit Dana' }).click();
      await dn.getByRole('heading', { name: 'E2E family session' }).waitFor();
      const got = {
        host: await expectFlowing(h, ['Dana/video', 'Dana/audio'], 'host', 40000),
        Dana: await expectFlowing(dn, ['Dr. Reyes/video', 'Dr. Reyes/audio'], 'Dana', 40000),
      };
      console.log(`  decoded: ${JSON.stringify(got)}`);
      for (const [who, page] of [['host', h], ['Dana', dn]]) {
        const selected = await page.evaluate(SELECTED_SCRIPT);
        if (selected.length !== 2 || selected.some((s) => s !== `${ula} udp`))
          throw new Error(`${who}'s selected pairs: ${JSON.stringify(selected)}`);
        if (page.errors.length) throw new Error(`${who}'s page errors: ${page.errors}`);
      }
    } finally {
      await browser.close();
      await d.stop();
    }
  },
});
