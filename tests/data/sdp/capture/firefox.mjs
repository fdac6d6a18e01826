// Captures SDP from Debian's Firefox ESR, driven by puppeteer-core over
// WebDriver BiDi, kept off the network (see shared notes on browsers: prefs,
// and MOZ_REMOTE_SETTINGS_DEVTOOLS=1 so the remote-settings pref is honoured).
//   node firefox.mjs publish|answer URL ...    (see common.mjs)
import {FIREFOX_ENV, FIREFOX_PREFS} from './browsers.mjs';
import {capture} from './common.mjs';
import puppeteer from 'puppeteer-core';

const closed = 'http://127.0.0.1:9/'; // a closed loopback port
const prefs = {
  'media.navigator.streams.fake': true,
  'media.navigator.permission.disabled': true,
  'permissions.default.camera': 1,
  'permissions.default.microphone': 1,
  'media.autoplay.default': 0,
  'media.peerconnection.ice.loopback': true,
  'media.peerconnection.ice.obfuscate_host_addresses': false,
  'app.update.enabled': false,
  'app.update.auto': false,
  'app.normandy.enabled': false,
  'app.normandy.api_url': closed,
  'app.shield.optoutstudies.enabled': false,
  'datareporting.healthreport.uploadEnabled': false,
  'datareporting.policy.dataSubmissionEnabled': false,
  'toolkit.telemetry.enabled': false,
  'toolkit.telemetry.unified': false,
  'toolkit.telemetry.server': closed,
  'browser.safebrowsing.malware.enabled': false,
  'browser.safebrowsing.phishing.enabled': false,
  'browser.safebrowsing.downloads.enabled': false,
  'browser.safebrowsing.provider.mozilla.updateURL': closed,
  'browser.safebrowsing.provider.google4.updateURL': closed,
  'network.captive-portal-service.enabled': false,
  'network.connectivity-service.enabled': false,
  'captivedetect.canonicalURL': closed,
  'services.settings.server': closed,
  'extensions.update.enabled': false,
  'extensions.getAddons.cache.enabled': false,
  'browser.newtabpage.enabled': false,
  'browser.startup.page': 0,
  'network.dns.disablePrefetch': true,
  'network.prefetch-next': false,
};
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
