// Captures SDP from Debian's Chromium, driven by playwright-core.
//   node chromium.mjs publish|answer URL ...   (see common.mjs)
// URL is capture.html served from http://127.0.0.1 (a secure context).
import {CHROMIUM_ARGS} from './browsers.mjs';
import {capture} from './common.mjs';
import {chromium} from 'playwright-core';

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  headless: false, // --headless=new below, exactly as given
  args: ['--headless=new', ...CHROMIUM_ARGS],
});
try {
  await capture(browser, process.argv.slice(2));
} finally {
  await browser.close();
}
