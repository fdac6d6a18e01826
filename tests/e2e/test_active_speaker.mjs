// The active speaker in Debian's Chromium: a family of three (the host
// admits the other two), each page's fake microphone beeping. Two turn
// their microphones off with the page's button; the others' pages must
// outline and enlarge the one left speaking within 3 s (the relay reads
// the RFC 6464 audio level of every packet, live/ decides, the page shows
// it). Then the speaker mutes and another unmutes: the highlight moves
// within 3 s. Between changes the highlight must hold still (no flapping),
// and a screen reader finds "speaking" in the tile's label.
import { chromium } from 'playwright-core';

import { CHROMIUM_ARGS, Daemon, FAMILY, expectFlowing, runTests, screenshotPath, sleep, until } from './lib.mjs';

const LIMIT_MS = 3000;

async function openPage(browser, url) {
  const context = await browser.newContext({ viewport: { width: 1100, height: 760 } });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (err) => errors.push(String(err)));
  page.errors = errors;
  await page.goto(url);
  return page;
}

// Starts recording, in the page, every change of the outlined tile.
async function watchSpeaker(page) {
  await page.evaluate(() => {
    window.speakerLog = [];
    const grid = document.querySelector('#grid');
    let last = null;
    const note = () => {
      const t = grid.querySelector('.tile.speaking');
      const name = t ? t.querySelector('.name').textContent : null;
      if (name !== last) window.speakerLog.push({ at: Date.now(), name });
      last = name;
    };
    note();
    new MutationObserver(note).observe(grid, { subtree: true, attributes: true, attributeFilter: ['class'], childList: true });
  });
}

// What the page shows of the speaker: the outlined tile's name, its label
// for screen readers, whether it is enlarged and how wide it is against
// the other tiles.
async function shown(page) {
  return page.evaluate(() => {
    const grid = document.querySelector('#grid');
    const t = grid.querySelector('.tile.speaking');
    if (!t) return { name: null };
    const others = [...grid.querySelectorAll('.tile:not(.speaking)')].map((o) => o.getBoundingClientRect().width);
    return {
      name: t.querySelector('.name').textContent,
      label: t.getAttribute('aria-label'),
      enlarged: grid.dataset.speaker === 'enlarged',
      width: t.getBoundingClientRect().width,
      widest_other: Math.max(0, ...others),
      outline: getComputedStyle(t).outlineWidth,
    };
  });
}

async function toggleMic(page, on) {
  const name = on ? 'Unmute microphone' : 'Mute microphone';
  await page.getByRole('button', { name }).click();
}

// Waits until every page shows `name` as the speaker; returns the ms each took.
async function expectSpeaker(pages, name, since, label) {
  const took = {};
  await Promise.all(Object.entries(pages).map(async ([who, page]) => {
    await until(`${label}: ${who} shows ${name} speaking`, async () => (await shown(page)).name === name, LIMIT_MS + 7000, 100);
    took[who] = Date.now() - since;
  }));
  for (const [who, ms] of Object.entries(took))
    if (ms > LIMIT_MS) throw new Error(`${label}: ${who} showed ${name} speaking after ${ms} ms (limit ${LIMIT_MS})`);
  return took;
}

runTests({
  async 'active speaker: announced, outlined, enlarged, moves with who talks'() {
    const d = await new Daemon().start();
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
    try {
      const { people } = await d.session('family', FAMILY);
      const [host, dana, sam] = people;
      const h = await openPage(browser, host.url);
      await h.getByRole('button', { name: 'Join session' }).click();
      await h.getByRole('heading', { name: 'E2E family session' }).waitFor();
      const dn = await openPage(browser, dana.url);
      const sm = await openPage(browser, sam.url);
      for (const p of [dn, sm]) await p.getByRole('button', { name: 'Join session' }).click();
      for (const p of [dn, sm]) await p.getByText('Your clinician will let you in shortly').waitFor();
      await h.getByRole('button', { name: 'Admit Dana' }).click();
      await h.getByRole('button', { name: 'Admit Sam' }).click();
      for (const p of [dn, sm]) await p.getByRole('heading', { name: 'E2E family session' }).waitFor();
      await expectFlowing(h, ['Dana/audio', 'Sam/audio'], 'host', 40000);
      await expectFlowing(dn, ['Dr. Reyes/audio', 'Sam/audio'], 'Dana', 40000);
      await expectFlowing(sm, ['Dr. Reyes/audio', 'Dana/audio'], 'Sam', 40000);

      // Dana and Sam turn their microphones off: the host is the one heard.
      let t0 = Date.now();
      await toggleMic(dn, false);
      await toggleMic(sm, false);
      const first = await expectSpeaker({ Dana: dn, Sam: sm }, 'Dr. Reyes', t0, 'host speaking');
      // The host's own page outlines its own view (not enlarged).
      await until('host sees itself speaking', async () => (await shown(h)).name === 'Dr. Reyes (you)', LIMIT_MS, 100);
      const s = await shown(sm);
      if (!/speaking/.test(s.label)) throw new Error(`the speaker's tile label says nothing: ${s.label}`);
      if (!s.enlarged || !(s.width > 1.5 * s.widest_other)) throw new Error(`the speaker is not enlarged: ${JSON.stringify(s)}`);
      if (s.outline !== '4px') throw new Error(`no outline: ${s.outline}`);
      console.log(`  host speaking shown after ${JSON.stringify(first)} ms; on Sam's page ${Math.round(s.width)} px wide, the others ${Math.round(s.widest_other)} px`);
      await sm.screenshot({ path: screenshotPath('chromium-active-speaker') });

      // It holds: 6 s of the same speaker, the highlight does not move.
      for (const p of [dn, sm]) await watchSpeaker(p);
      await sleep(6000);
      for (const [who, p] of [['Dana', dn], ['Sam', sm]]) {
        const log = await p.evaluate(() => window.speakerLog);
        if (log.length !== 1 || log[0].name !== 'Dr. Reyes') throw new Error(`${who}'s highlight moved while the host spoke: ${JSON.stringify(log)}`);
      }

      // The host mutes, Dana unmutes: Dana becomes the speaker everywhere.
      t0 = Date.now();
      await toggleMic(h, false);
      await toggleMic(dn, true);
      const second = await expectSpeaker({ host: h, Sam: sm }, 'Dana', t0, 'Dana speaking');
      await until('Dana sees herself speaking', async () => (await shown(dn)).name === 'Dana (you)', LIMIT_MS, 100);
      console.log(`  Dana speaking shown after ${JSON.stringify(second)} ms`);

      // And back to Sam, by the host's mute (locked) of Dana's microphone.
      t0 = Date.now();
      await toggleMic(sm, true);
      await h.getByRole('button', { name: "Mute and lock Dana's microphone" }).click();
      const third = await expectSpeaker({ host: h, Dana: dn }, 'Sam', t0, 'Sam speaking');
      console.log(`  Sam speaking shown after ${JSON.stringify(third)} ms`);
      // At most one visible change a second on Sam's page (it saw two speakers
      // in a few seconds: each change is a second apart at least).
      const log = await sm.evaluate(() => window.speakerLog);
      for (let i = 1; i < log.length; i++)
        if (log[i].at - log[i - 1].at < 900) throw new Error(`two changes within a second on Sam's page: ${JSON.stringify(log)}`);

      const errors = [h, dn, sm].flatMap((p) => p.errors);
      if (errors.length) throw new Error(`page errors: ${errors.join('; ')}`);
    } finally {
      await browser.close();
      await d.stop();
    }
  },
});
