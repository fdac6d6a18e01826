// How Debian's browsers are started for tests, with fake camera and
// microphone and loopback ICE, kept off the network
// (../../../shared/notes/browsers.md). Plain data, no imports: the SDP
// capture tools (tests/data/sdp/capture/) copy this file and use it too.

export const CHROMIUM_ARGS = [
  '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream',
  '--allow-loopback-in-peer-connection',
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

// Firefox ESR needs MOZ_REMOTE_SETTINGS_DEVTOOLS=1 in its environment too,
// or it ignores services.settings.server.
export const FIREFOX_ENV = { MOZ_REMOTE_SETTINGS_DEVTOOLS: '1' };

const CLOSED = 'http://127.0.0.1:9/'; // a closed loopback port: every "phone home" fails at once
export const FIREFOX_PREFS = {
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
  'app.normandy.api_url': CLOSED,
  'app.shield.optoutstudies.enabled': false,
  'datareporting.healthreport.uploadEnabled': false,
  'datareporting.policy.dataSubmissionEnabled': false,
  'toolkit.telemetry.enabled': false,
  'toolkit.telemetry.unified': false,
  'toolkit.telemetry.server': CLOSED,
  'browser.safebrowsing.malware.enabled': false,
  'browser.safebrowsing.phishing.enabled': false,
  'browser.safebrowsing.downloads.enabled': false,
  'browser.safebrowsing.provider.mozilla.updateURL': CLOSED,
  'browser.safebrowsing.provider.google4.updateURL': CLOSED,
  'network.captive-portal-service.enabled': false,
  'network.connectivity-service.enabled': false,
  'captivedetect.canonicalURL': CLOSED,
  'services.settings.server': CLOSED,
  'extensions.update.enabled': false,
  'extensions.getAddons.cache.enabled': false,
  'browser.newtabpage.enabled': false,
  'browser.startup.page': 0,
  'network.dns.disablePrefetch': true,
  'network.prefetch-next': false,
};
