// Visibility hints in Debian's Chromium: three people publish camera and
// microphone; a fourth, on a small window, sees one page of tiles at a
// time (web/js/grid.js). The relay must send that page only the videos of
// the tiles it shows (the others' bytes stop: hints.js reports them
// hidden, relay/hint.c skips them), everyone's audio all along; a tile
// brought into view by turning the page shows frames within a second;
// "Audio only" stops all video to the page and undoing it brings it back.
import { chromium } from 'playwright-core';

import { CHROMIUM_ARGS, Daemon, runTests, sleep, until } from './lib.mjs';

// Per received stream (by subscribe m-line mid): kind, bytes, frames or
// packets, whether its tile is on the current page, and what the page
// last told the server.
const STATE_SCRIPT = `(async () => {
  const s = window.hearthSession;
  const out = {};
  if (!s?.subscriber?.pc) return out;
  for (const r of (await s.subscriber.pc.getStats()).values()) {
    if (r.type !== 'inbound-rtp' || r.mid === undefined) continue;
    const e = s.hints.entries.get(r.mid);
    out[r.mid] = { kind: r.kind, bytes: r.bytesReceived || 0, frames: r.framesDecoded || 0, packets: r.packetsReceived || 0,
      onPage: e ? !e.el.closest('.tile').hidden : null, told: s.hints.shown(r.mid) };
  }
  // A video hidden before its first packet has no inbound-rtp yet.
  for (const [mid, e] of s.hints.entries)
    if (!(mid in out)) out[mid] = { kind: 'video', bytes: 0, frames: 0, packets: 0, onPage: !e.el.closest('.tile').hidden, told: s.hints.shown(mid) };
  return out;
})()`;

const PUBLISHERS = ['Ana', 'Ben', 'Cleo'];

// A relay counter, summed over the workers.
async function relayCounter(d, name) {
  const text = await (await fetch(`${d.base}/metrics`)).text();
  let sum = 0;
  for (const m of text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\d+)$`, 'gm'))) sum += Number(m[1]);
  return sum;
}

function videos(state) {
  return Object.entries(state).filter(([, v]) => v.kind === 'video');
}

// Two looks `ms` apart: which streams grew.
async function growth(page, ms) {
  const a = await page.evaluate(STATE_SCRIPT);
  await sleep(ms);
  const b = await page.evaluate(STATE_SCRIPT);
  const out = {};
  for (const [mid, v] of Object.entries(b))
    out[mid] = { ...v, grew: v.bytes > (a[mid]?.bytes ?? 0), framesGrew: v.frames > (a[mid]?.frames ?? 0) };
  return out;
}

// Until every video reported shown gets frames and every hidden one has
// settled (the hint reached the relay): then the page receives video for
// exactly its shown tiles, and audio from everyone.
async function expectOnlyShown(page, label, { anyShown = true } = {}) {
  let last;
  await until(`${label}: only shown videos flowing`, async () => {
    const g = await growth(page, 1500);
    last = g;
    const v = videos(g);
    const audio = Object.values(g).filter((x) => x.kind === 'audio');
    if (v.length !== PUBLISHERS.length || audio.length !== PUBLISHERS.length) return null;
    if (!audio.every((a) => a.grew)) return null;
    if (anyShown && !v.some(([, x]) => x.told)) return null;
    return v.every(([, x]) => (x.told ? x.grew && x.framesGrew : !x.grew)) ? g : null;
  }, 30000).catch((err) => {
    throw new Error(`${err.message}; last: ${JSON.stringify(last)}`);
  });
  return last;
}

// Clicks the button `selector` (which shows the video of mid) in the page
// and times there, from the click: the hint going out, the first bytes
// and the first frame decoded (ms).
async function timeToShow(page, mid, selector) {
  return page.evaluate(async ({ mid, selector }) => {
    const s = window.hearthSession;
    const stats = async () => {
      for (const r of (await s.subscriber.pc.getStats()).values()) if (r.type === 'inbound-rtp' && r.mid === mid) return r;
      return {};
    };
    const start = { bytesReceived: 0, framesDecoded: 0, ...(await stats()) };
    const t = {};
    const send = s.hints.send;
    const t0 = performance.now();
    s.hints.send = (streams) => {
      if (t.told === undefined && streams.some((x) => x.mid === mid && x.visible)) t.told = performance.now() - t0;
      return send(streams);
    };
    document.querySelector(selector).click();
    while (performance.now() - t0 < 5000) {
      const r = await stats();
      const ms = performance.now() - t0;
      if (t.bytes === undefined && (r.bytesReceived ?? 0) > start.bytesReceived) t.bytes = ms;
      if ((r.framesDecoded ?? 0) > start.framesDecoded) {
        t.frames = ms;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    s.hints.send = send;
    return Object.fromEntries(Object.entries(t).map(([k, v]) => [k, Math.round(v)]));
  }, { mid, selector });
}

runTests({
  async 'hidden tiles receive no video; a page turned shows it at once; audio only'() {
    const d = await new Daemon().start();
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
    try {
      const { people } = await d.session('group', [...PUBLISHERS.map((n) => [n, 'peer']), ['Watcher', 'peer']], { waiting_room: false });
      const pages = [];
      for (const who of people) {
        const watcher = who.name === 'Watcher';
        // The watcher's window fits one row of three tiles: itself and
        // two others on the first page, the third on the second.
        const context = await browser.newContext({ viewport: watcher ? { width: 900, height: 420 } : { width: 640, height: 480 } });
        const page = await context.newPage();
        page.on('pageerror', (err) => console.log(`  ${who.name}: page error: ${err}`));
        await page.goto(who.url);
        await page.getByRole('button', { name: 'Join session' }).click();
        await page.getByRole('heading', { name: 'E2E group session' }).waitFor();
        pages.push(page);
      }
      const w = pages[3];

      // First page: self and two others shown, the third hidden.
      let g = await expectOnlyShown(w, 'first page');
      let shown = videos(g).filter(([, x]) => x.told).map(([mid]) => mid);
      let hidden = videos(g).filter(([, x]) => !x.told).map(([mid]) => mid);
      console.log(`  first page: shown ${shown}, hidden ${hidden}: ${JSON.stringify(g)}`);
      if (shown.length !== 2 || hidden.length !== 1) throw new Error(`expected 2 videos shown and 1 hidden: ${JSON.stringify(g)}`);
      for (const [mid, x] of videos(g)) if (x.onPage !== x.told) throw new Error(`mid ${mid}: on the page ${x.onPage}, told ${x.told}`);
      if (!(await w.locator('#pager').isVisible())) throw new Error('no pager with 4 tiles on a 3-tile window');
      const skipped = await relayCounter(d, 'hearth_hidden_skipped_total');
      if (!(skipped > 0)) throw new Error(`hearth_hidden_skipped_total is ${skipped}`);

      // The next page: the hidden one shows frames within a second.
      const t = await timeToShow(w, hidden[0], '#page-next');
      console.log(`  a tile brought into view: hint sent after ${t.told} ms, first bytes ${t.bytes} ms, first frame ${t.frames} ms`);
      if (!(t.frames <= 1000)) throw new Error(`a tile brought into view took ${t.frames} ms to show frames`);
      g = await expectOnlyShown(w, 'second page');
      const now = videos(g).filter(([, x]) => x.told).map(([mid]) => mid);
      if (now.length !== 1 || now[0] !== hidden[0]) throw new Error(`second page: shown ${now}: ${JSON.stringify(g)}`);

      // Audio only: no video at all, everyone's audio; and back.
      await w.getByRole('button', { name: 'Audio only' }).click();
      g = await expectOnlyShown(w, 'audio only', { anyShown: false });
      if (videos(g).some(([, x]) => x.told || x.grew)) throw new Error(`video during audio only: ${JSON.stringify(g)}`);
      if ((await w.getByRole('button', { name: 'Show video' }).getAttribute('data-active')) !== 'true') throw new Error('audio only not shown as on');
      const back = await timeToShow(w, hidden[0], '#toggle-audio-only');
      console.log(`  leaving audio only: hint sent after ${back.told} ms, first bytes ${back.bytes} ms, first frame ${back.frames} ms`);
      if (!(back.frames <= 1000)) throw new Error(`video took ${back.frames} ms to come back`);
      await w.getByRole('button', { name: 'Previous page' }).click();
      g = await expectOnlyShown(w, 'first page again');
      if (videos(g).filter(([, x]) => x.told).length !== 2) throw new Error(`first page again: ${JSON.stringify(g)}`);

      // Stop my video: a publisher whose camera is off sends nothing.
      const ana = pages[0];
      await ana.getByRole('button', { name: 'Turn camera off' }).click();
      await sleep(1500);
      const sent = async () => ana.evaluate(async () => {
        let bytes = 0;
        for (const r of (await window.hearthSession.publisher.pc.getStats()).values())
          if (r.type === 'outbound-rtp' && r.kind === 'video') bytes += r.bytesSent || 0;
        return bytes;
      });
      const s0 = await sent();
      await sleep(2000);
      const s1 = await sent();
      console.log(`  camera off: ${s1 - s0} video bytes sent in 2 s`);
      if (s1 !== s0) throw new Error(`camera off still sends video: ${s1 - s0} bytes in 2 s`);
      await ana.getByRole('button', { name: 'Turn camera on' }).click();
      await until('camera back', async () => (await sent()) > s1, 5000, 100);
      console.log(`  relay: hidden_skipped ${await relayCounter(d, 'hearth_hidden_skipped_total')}`);
    } finally {
      await browser.close();
      await d.stop();
    }
  },
});
