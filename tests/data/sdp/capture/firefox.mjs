// Captures SDP from Debian's Firefox ESR, driven by puppeteer-core over
// WebDriver BiDi, kept off the network (see shared notes on browsers: prefs,
// and MOZ_REMOTE_SETTINGS_DEVTOOLS=1 so the remote-settings pref is honoured).
//   node firefox.mjs publish|answer URL ...    (see common.mjs)
import {FIREFOX_ENV, FIREFOX_PREFS} from './browsers.mjs';
import {capture} from './common.mjs';
import puppeteer from 'puppeteer-core';

Object.assign(process.env, FIREFOX_ENV);
const browser = await puppeteer.launch({
  browser: 'firefox',
  protocol: 'webDriverBiDi',
  executablePath: '/usr/bin/firefox-esr',
  headless: true,
  extraPrefsFirefox: FIREFOX_PREFS,
});
try {
  await capture(browser, process.argv.slice(2));
} finally {
  await browser.close();
}
