// Audio-only fallback (issue 16): a family member (Dana, Debian's
// Chromium) whose downlink drops to 150 kbit/s cannot receive even the
// lowest encoding of the host's camera next to the sound. The relay
// (relay/budget.c) stops her video and keeps her audio: her page says
// "Video paused to keep your sound", her audio is concealed at most
// CONCEALED_MAX % over WINDOW_S; once her downlink is back at 2 Mbit/s,
// video frames come again within RESUME_S and the notice goes.
//
//   this namespace                router namespace              client namespace
//   hearthd, the host             forwards; tbf on af-r1        Dana's Chromium
//   af-relay 10.95.0.1/24 ---- af-r0 10.95.0.2 | af-r1 10.95.1.1 ---- af-client 10.95.1.2/24

import { inboundVideo, runTests, sleep, until } from './lib.mjs';
import { NO_TRANSPORT_CC, NetDaemon, RoutedNet, hostAndDana } from './netns.mjs';

const SLOW_KBIT = 150;
const FAST_KBIT = 2000;
const NOTICE_WITHIN_S = 30;
const WINDOW_S = 20;
const CONCEALED_MAX = 2;
// The issue's 10 s. Before (2026-12-07, 10 runs, load average 7-13 on 2
// cores): 0.6-7.6 s in 6, 11.1-16.4 s in 3, over 30 s in 1, and video came
// on and off again during the 150 kbit/s phase in 9: a 30 ms probe cluster
// passed the shaper's 10 KB bucket whole and read ~330 kbit/s, the video
// came on, overused and went off, and each failed try lengthened the wait
// before the next. Now (relay/README.md, "Trials": while video is paused
// the relay probes with 800 ms trials that fail at the first overuse, every
// 2-3 s, stopped at the first overuse while its packets queue): 10 runs
// at load 3-12: 2.2-6.2 s (median 3.8); no video during the 150 kbit/s
// phase; audio concealed 0-0.58 %.
const RESUME_S = 10;
// While the link is slow the relay tries the path now and then (a trial
// of padding, not the video); the page keeps the notice until video has
// flowed for 5 s.
// HEARTH_E2E_REMB=1 (by hand): Dana's browser answers without
// transport-cc and her REMB is the estimate (relay/README.md, "REMB
// subscribers"): what that costs at 150 kbit/s, with no trial to judge.
const REMB = Boolean(process.env.HEARTH_E2E_REMB);

// Dana's audio from the host: samples received and concealed so far.
const AUDIO_SCRIPT = `(async () => {
  const pc = window.hearthSession?.subscriber?.pc;
  for (const r of (await pc.getStats()).values())
    if (r.type === 'inbound-rtp' && r.kind === 'audio')
      return { samples: r.totalSamplesReceived ?? 0, concealed: r.concealedSamples ?? 0, silent: r.silentConcealedSamples ?? 0 };
  return null;
})()`;

runTests({
  async 'a downlink too slow for video keeps the sound, says so, and video comes back'() {
    const net = new RoutedNet({ name: 'fallback', prefix: 'af', subnet: '10.95' });
    const browsers = [];
    let d = null;
    try {
      net.create();
      const debug = process.env.HEARTH_E2E_VERBOSE ? '[log]\nlevel = debug\n' : '';
      d = await new NetDaemon(net.addr.relay, debug).start();
      const { host, danaPage } = await hostAndDana(net, d, browsers, undefined, REMB ? NO_TRANSPORT_CC : null, !REMB);

      net.rate(net.dev.r1, SLOW_KBIT);
      const t0 = Date.now();
      const notice = danaPage.locator('#bandwidth-notice');
      await notice.waitFor({ state: 'visible', timeout: NOTICE_WITHIN_S * 1000 }).catch(() => {
        throw new Error(`no audio-only notice within ${NOTICE_WITHIN_S} s of the downlink at ${SLOW_KBIT} kbit/s`);
      });
      console.log(`  notice after ${((Date.now() - t0) / 1000).toFixed(1)} s: ${await notice.textContent()}`);
      await sleep(2000); // what was queued before drains
      const a0 = await danaPage.evaluate(AUDIO_SCRIPT);
      const v0 = (await inboundVideo(danaPage))[`${host.name}/video`] ?? 0;
      await sleep(WINDOW_S * 1000);
      const a1 = await danaPage.evaluate(AUDIO_SCRIPT);
      const v1 = (await inboundVideo(danaPage))[`${host.name}/video`] ?? 0;
      const samples = a1.samples - a0.samples;
      const concealed = (100 * (a1.concealed - a0.concealed - (a1.silent - a0.silent))) / Math.max(1, samples);
      console.log(`  at ${SLOW_KBIT} kbit/s for ${WINDOW_S} s: audio concealed ${concealed.toFixed(2)} % of ${samples} samples; video frames ${v0} -> ${v1}`);
      if (!(samples > 0)) throw new Error('no audio received while the video was paused');
      if (concealed > CONCEALED_MAX) throw new Error(`audio concealed ${concealed.toFixed(2)} % (limit ${CONCEALED_MAX} %)`);
      if (!(await notice.isVisible())) throw new Error('the notice went while the downlink was still slow');

      net.rate(net.dev.r1, FAST_KBIT);
      const t1 = Date.now();
      await until(`video again within ${RESUME_S} s`, async () => {
        const v = (await inboundVideo(danaPage))[`${host.name}/video`] ?? 0;
        return v > v1 + 10 ? v : null;
      }, RESUME_S * 1000, 250);
      console.log(`  video back ${((Date.now() - t1) / 1000).toFixed(1)} s after the downlink went to ${FAST_KBIT} kbit/s`);
      await notice.waitFor({ state: 'hidden', timeout: 20000 });
    } catch (err) {
      if (d && !process.env.HEARTH_E2E_VERBOSE) console.log(`  hearthd's log (last 20 lines):\n${d.log.slice(-20).map((l) => `    ${l}`).join('\n')}`);
      throw err;
    } finally {
      for (const b of browsers) await b.close().catch(() => {});
      if (d) await d.stop();
      net.destroy();
    }
  },
});
