// ICE-TCP (issue 17): a family member whose network drops UDP joins over
// the WebSocket and gets media over the relay's passive ICE-TCP candidate
// (media.tcp_port). Inside the test's own network namespace
// (tests/e2e/offline) a router and the family member's namespace
// (tests/e2e/netns.mjs); the router drops every UDP packet both ways from
// the start, TCP passes. Dana joins and must decode the host's video and
// audio within 10 s of pressing "Join", the host must receive hers, and
// the candidate pair her browser selected must be TCP for both of her
// connections, while the host's (UDP works for it) stays UDP.
//
//   Chromium: hearthd and the host on this side, Dana's Chromium in the
//   client namespace (netns.mjs's hostAndDana layout).
//   Firefox ESR: driven over WebDriver BiDi on its own loopback, so it
//   stays on this side and hearthd with the host's Chromium go to the far
//   namespace (as test_firefox_loss.mjs).
import { readFileSync, writeFileSync } from 'node:fs';

import { chromium } from 'playwright-core';
import puppeteer from 'puppeteer-core';

import { FIREFOX_ENV, FIREFOX_PREFS } from './browsers.mjs';
import { CHROMIUM_ARGS, expectFlowing, inboundVideo, runTests, until } from './lib.mjs';
import { NetDaemon, RoutedNet, openPage } from './netns.mjs';

const TCP_PORT = 3478; // the namespace is the test's own
const JOIN_WITHIN_MS = 10000;

// The selected candidate pair of each of the page's connections: the
// local and remote candidates' protocol (and type).
const PAIRS_SCRIPT = `(async () => {
  const s = window.hearthSession;
  const out = {};
  for (const [which, conn] of [['publish', s.publisher], ['subscribe', s.subscriber]]) {
    const pc = conn && conn.pc;
    if (!pc) continue;
    const st = await pc.getStats();
    let pair = null;
    for (const r of st.values())
      if (r.type === 'transport' && r.selectedCandidatePairId) pair = st.get(r.selectedCandidatePairId);
    if (!pair)
      for (const r of st.values())
        if (r.type === 'candidate-pair' && (r.selected || (r.nominated && r.state === 'succeeded'))) pair = r;
    const l = pair && st.get(pair.localCandidateId), rc = pair && st.get(pair.remoteCandidateId);
    out[which] = pair ? { local: l && (l.protocol + '/' + l.candidateType + (l.tcpType ? '/' + l.tcpType : '')),
      remote: rc && (rc.protocol + ':' + rc.port) } : null;
  }
  return out;
})()`;

function withTcpPort(d) {
  const text = readFileSync(d.configPath, 'utf8');
  writeFileSync(d.configPath, text.replace('[media]\n', `[media]\ntcp_port = ${TCP_PORT}\n`));
  return d;
}

// /metrics answers loopback clients: its own listener there (the
// Chromium case, where hearthd runs in this namespace).
const METRICS = 'http://127.0.0.1:9464/metrics';

async function metricsTcp() {
  const text = await (await fetch(METRICS)).text();
  const sum = (re) => [...text.matchAll(re)].reduce((a, m) => a + Number(m[1]), 0);
  return { connections: sum(/^hearth_tcp_connections\{[^}]*\} (\d+)$/gm), accepted: sum(/^hearth_tcp_accepted_total\{[^}]*\} (\d+)$/gm) };
}

// Dana's page must say TCP for both connections, the host's UDP.
async function checkPairs(danaPage, hostPage) {
  const dana = await danaPage.evaluate(PAIRS_SCRIPT);
  const host = await hostPage.evaluate(PAIRS_SCRIPT);
  console.log(`  Dana's selected pairs: ${JSON.stringify(dana)}; the host's: ${JSON.stringify(host)}`);
  for (const which of ['publish', 'subscribe']) {
    if (!dana[which]?.local?.startsWith('tcp') || !dana[which]?.remote?.startsWith(`tcp:${TCP_PORT}`))
      throw new Error(`Dana's ${which} connection is not on ICE-TCP: ${JSON.stringify(dana[which])}`);
    if (!host[which]?.local?.startsWith('udp'))
      throw new Error(`the host's ${which} connection is not on UDP: ${JSON.stringify(host[which])}`);
  }
}

// From Dana's "Join" to her first decoded frame and audio packet of the
// host's: resolves with the milliseconds.
async function timeToMedia(page, t0) {
  await until('Dana decodes the host', async () => {
    const v = await inboundVideo(page);
    return v['Dr. Reyes/video'] > 0 && v['Dr. Reyes/audio'] > 0 ? v : null;
  }, 40000, 100);
  return Date.now() - t0;
}

runTests({
  async 'Chromium with UDP dropped joins over ICE-TCP'() {
    const net = new RoutedNet({ name: 'icetcp', prefix: 'it', subnet: '10.93' });
    let d;
    const browsers = [];
    try {
      net.create();
      net.udpOff();
      d = await withTcpPort(new NetDaemon(net.addr.relay, '[metrics]\nlisten_address = 127.0.0.1\nlisten_port = 9464\n')).start();
      const { people } = await d.session('family', [['Dr. Reyes', 'host', { auto_admit: true }], ['Dana', 'family', { auto_admit: true }]]);
      const [host, dana] = people;
      const args = [...CHROMIUM_ARGS, `--unsafely-treat-insecure-origin-as-secure=${d.base}`];
      const [local, remote] = await Promise.all([
        chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args }),
        chromium.launch({ executablePath: net.chromium, headless: true, args }),
      ]);
      browsers.push(local, remote);
      const h = await openPage(local, host.url);
      await h.getByRole('button', { name: 'Join session' }).click();
      await h.getByRole('heading', { name: 'E2E family session' }).waitFor({ timeout: 45000 });
      const c = await openPage(remote, dana.url);
      const t0 = Date.now();
      await c.getByRole('button', { name: 'Join session' }).click();
      const ms = await timeToMedia(c, t0);
      console.log(`  Dana decodes the host's video and audio ${(ms / 1000).toFixed(1)} s after "Join"`);
      await expectFlowing(c, ['Dr. Reyes/video', 'Dr. Reyes/audio'], 'Dana', 20000);
      await expectFlowing(h, ['Dana/video', 'Dana/audio'], 'host', 20000);
      await checkPairs(c, h);
      const m = await metricsTcp();
      console.log(`  relay: ${m.connections} TCP connections held, ${m.accepted} accepted; router: ${net.counters().split('\n').filter((l) => /DROP/.test(l)).join('; ')}`);
      if (m.connections < 2) throw new Error(`the relay holds ${m.connections} TCP connections`);
      if (ms > JOIN_WITHIN_MS) throw new Error(`media after ${ms} ms (limit ${JOIN_WITHIN_MS})`);
    } finally {
      for (const b of browsers) await b.close().catch(() => {});
      if (d) await d.stop();
      net.destroy();
    }
  },

  async 'Firefox ESR with UDP dropped joins over ICE-TCP'() {
    const net = new RoutedNet({ name: 'fxtcp', prefix: 'ft', subnet: '10.92' });
    let d, host, firefox;
    try {
      net.create();
      net.udpOff();
      d = withTcpPort(new NetDaemon(net.addr.client));
      d.argsBefore = ['ip', 'netns', 'exec', net.client];
      await d.start();
      const { people } = await d.session('family', [['Dr. Reyes', 'host', { auto_admit: true }], ['Dana', 'family', { auto_admit: true }]]);
      const [hostLink, danaLink] = people;
      const args = [...CHROMIUM_ARGS, `--unsafely-treat-insecure-origin-as-secure=${d.base}`];
      host = await chromium.launch({ executablePath: net.chromium, headless: true, args });
      firefox = await puppeteer.launch({
        browser: 'firefox',
        protocol: 'webDriverBiDi',
        executablePath: '/usr/bin/firefox-esr',
        headless: true,
        extraPrefsFirefox: { ...FIREFOX_PREFS, 'dom.securecontext.allowlist': net.addr.client,
          'media.devices.insecure.enabled': true, 'media.getusermedia.insecure.enabled': true },
        env: { ...process.env, ...FIREFOX_ENV },
      });
      const h = await openPage(host, hostLink.url);
      await h.getByRole('button', { name: 'Join session' }).click();
      await h.getByRole('heading', { name: 'E2E family session' }).waitFor({ timeout: 45000 });
      const context = await firefox.createBrowserContext();
      const dn = await context.newPage();
      await dn.setViewport({ width: 1000, height: 700 });
      await dn.goto(danaLink.url);
      await dn.waitForSelector('#join-button', { timeout: 30000 });
      const t0 = Date.now();
      await dn.click('#join-button');
      const ms = await timeToMedia(dn, t0);
      console.log(`  Dana (Firefox) decodes the host's video and audio ${(ms / 1000).toFixed(1)} s after "Join"`);
      await expectFlowing(h, ['Dana/video', 'Dana/audio'], 'host', 20000);
      await checkPairs(dn, h);
      if (ms > JOIN_WITHIN_MS) throw new Error(`media after ${ms} ms (limit ${JOIN_WITHIN_MS})`);
    } finally {
      await firefox?.close().catch(() => {});
      await host?.close().catch(() => {});
      if (d) await d.stop();
      net.destroy();
    }
  },
});
