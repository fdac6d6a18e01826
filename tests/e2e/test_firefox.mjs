// The family join in Debian's Firefox ESR, driven by puppeteer-core over
// WebDriver BiDi: a host and two family members, each in their own browser
// context, join with their links; the host admits the two from the waiting
// room; every page receives the two others' video; SRTP is AES-128-GCM.
// Firefox is kept off the network (../../../shared/notes/browsers.md).
import puppeteer from 'puppeteer-core';

import { FIREFOX_ENV, FIREFOX_PREFS } from './browsers.mjs';
import { CIPHER_SCRIPT, Daemon, FAMILY, expectFlowing, runTests, screenshotPath } from './lib.mjs';

function headingShown(page, text, timeout = 20000) {
  return page.waitForFunction(
    (t) => [...document.querySelectorAll('h1')].some((h) => !h.closest('[hidden]') && h.textContent.includes(t)),
    { timeout, polling: 200 },
    text,
  );
}

async function open(browser, url) {
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  await page.setViewport({ width: 1000, height: 700 });
  await page.goto(url);
  return page;
}

runTests({
  async 'family session in Firefox ESR: waiting room, admission, video, GCM'() {
    const d = await new Daemon().start();
    const browser = await puppeteer.launch({
      browser: 'firefox',
      protocol: 'webDriverBiDi',
      executablePath: '/usr/bin/firefox-esr',
      headless: true,
      extraPrefsFirefox: FIREFOX_PREFS,
      env: { ...process.env, ...FIREFOX_ENV },
    });
    try {
      const { people } = await d.session('family', FAMILY);
      const [host, dana, sam] = people;
      const pages = [];
      for (const person of people) pages.push(await open(browser, person.url));
      const [h, dn, sm] = pages;
      for (const p of pages) await headingShown(p, 'Join E2E family session');
      if (h.url().includes(host.token)) throw new Error(`token left in the address: ${h.url()}`);

      await h.click('#join-button');
      await headingShown(h, 'E2E family session');
      await h.waitForSelector('#host-panel:not([hidden])'); // open for hosts
      for (const p of [dn, sm]) {
        await p.click('#join-button');
        await headingShown(p, 'Your clinician will let you in shortly');
      }
      for (const who of [dana, sam]) {
        const button = await h.waitForSelector(`button[aria-label="Admit ${who.name}"]`, { timeout: 10000 });
        await button.click();
      }
      for (const p of [dn, sm]) await headingShown(p, 'E2E family session');

      // Firefox's pages are tabs of one window: a tab in the background is
      // hidden (document.visibilityState), so the page asks for no video
      // (docs/protocol.md, "Visibility hints"). Each page is looked at in
      // front.
      const inFront = async (page, keys, label) => {
        await page.bringToFront();
        return expectFlowing(page, keys, label, 30000);
      };
      const flows = {
        host: await inFront(h, ['Dana/video', 'Sam/video', 'Dana/audio', 'Sam/audio'], 'host'),
        dana: await inFront(dn, ['Dr. Reyes/video', 'Sam/video'], 'Dana'),
        sam: await inFront(sm, ['Dr. Reyes/video', 'Dana/video'], 'Sam'),
      };
      console.log(`  received (video frames decoded / audio packets): ${JSON.stringify(flows)}`);
      for (const p of pages) {
        const ciphers = await p.evaluate(CIPHER_SCRIPT);
        console.log(`  srtpCipher: ${ciphers.join(', ')}`);
        if (!ciphers.length || ciphers.some((c) => !c.endsWith('AEAD_AES_128_GCM'))) throw new Error(`srtpCipher: ${ciphers}`);
      }
      await h.screenshot({ path: screenshotPath('firefox-grid-host-panel') });
    } finally {
      await browser.close();
      await d.stop();
    }
  },
});
