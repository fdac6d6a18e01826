// Loss repair on both hops in Debian's Chromium: a host and one family
// member on loopback where 3 % of the UDP datagrams are dropped at random
// (iptables statistic on INPUT, inside the test's own network namespace,
// so both the publisher's and the subscriber's hop lose packets). The
// relay must NACK the publishers (they retransmit), answer the
// subscribers' NACKs with RTX, and video must keep being decoded.
import { execFileSync } from 'node:child_process';

import { chromium } from 'playwright-core';

import { CHROMIUM_ARGS, Daemon, FAMILY, expectFlowing, runTests, sleep } from './lib.mjs';

const LOSS = 0.03;

const STATS_SCRIPT = `(async () => {
  const s = window.hearthSession;
  const out = { nackCount: 0, retransmittedPacketsSent: 0, retransmittedPacketsReceived: 0, framesDecoded: 0 };
  for (const pc of [s.publisher.pc, s.subscriber.pc]) {
    if (!pc) continue;
    for (const r of (await pc.getStats()).values()) {
      if (r.type === 'inbound-rtp' && r.kind === 'video') {
        out.nackCount += r.nackCount || 0;
        out.retransmittedPacketsReceived += r.retransmittedPacketsReceived || 0;
        out.framesDecoded += r.framesDecoded || 0;
      }
      if (r.type === 'outbound-rtp' && r.kind === 'video') out.retransmittedPacketsSent += r.retransmittedPacketsSent || 0;
    }
  }
  return out;
})()`;

async function metrics(d) {
  const text = await (await fetch(`${d.base}/metrics`)).text();
  const sum = {};
  for (const m of text.matchAll(/^hearth_(\w+)_total\{[^}]*\} (\d+)$/gm)) sum[m[1]] = (sum[m[1]] || 0) + Number(m[2]);
  return sum;
}

function iptables(...args) {
  execFileSync('iptables-legacy', args, { stdio: 'inherit' });
}

runTests({
  async 'NACK/RTX on both hops under 3 % random loss'() {
    const d = await new Daemon().start();
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
    try {
      const { people } = await d.session('family', FAMILY.slice(0, 2));
      const [host, dana] = people;
      const pages = [];
      for (const who of [host, dana]) {
        const context = await browser.newContext({ viewport: { width: 900, height: 600 } });
        const page = await context.newPage();
        await page.goto(who.url);
        await page.getByRole('button', { name: 'Join session' }).click();
        pages.push(page);
      }
      await pages[0].getByRole('button', { name: `Admit ${dana.name}` }).click();
      await expectFlowing(pages[0], [`${dana.name}/video`], 'host', 40000);
      await expectFlowing(pages[1], [`${host.name}/video`], dana.name, 40000);

      iptables('-A', 'INPUT', '-i', 'lo', '-p', 'udp', '-m', 'statistic', '--mode', 'random', '--probability', String(LOSS), '-j', 'DROP');
      await sleep(20000);
      const stats = [];
      for (const p of pages) stats.push(await p.evaluate(STATS_SCRIPT));
      const m = await metrics(d);
      console.log(`  page stats: ${JSON.stringify(stats)}`);
      console.log(`  relay: ${JSON.stringify(m)}`);
      iptables('-F', 'INPUT');
      for (const [name, v] of [['nacks_received', m.nacks_received], ['rtx_sent', m.rtx_sent], ['nacks_sent', m.nacks_sent], ['packets_recovered', m.packets_recovered]])
        if (!(v > 0)) throw new Error(`relay ${name} is ${v}`);
      for (const s of stats) {
        if (!(s.nackCount > 0)) throw new Error(`a subscriber sent no NACK: ${JSON.stringify(s)}`);
        if (!(s.retransmittedPacketsSent > 0)) throw new Error(`a publisher retransmitted nothing: ${JSON.stringify(s)}`);
        if (!(s.retransmittedPacketsReceived > 0)) throw new Error(`a subscriber received no RTX: ${JSON.stringify(s)}`);
      }
    } finally {
      await browser.close();
      await d.stop();
    }
  },
});
