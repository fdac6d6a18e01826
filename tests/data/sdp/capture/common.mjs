// What chromium.mjs and firefox.mjs do once the browser is up.
//   publish URL OFFER_OUT ANSWER_OUT SDPTOOL
//       capture a publish offer, answer it with Hearth's sdptool, and check
//       that the browser accepts that answer (setRemoteDescription)
//   publish-datachannel URL OFFER_OUT ANSWER_OUT SDPTOOL
//       the same with a data channel after the media (answered with port 0)
//   answer URL OFFER ANSWER_OUT
//       the browser's answer to a server (subscribe) offer
import {execFileSync} from 'node:child_process';
import {readFileSync, writeFileSync} from 'node:fs';

export async function capture(browser, argv) {
  const [mode, url, ...files] = argv;
  const version = await browser.version();
  const page = await browser.newPage();
  await page.goto(url);
  if (mode === 'publish' || mode === 'publish-datachannel') {
    const [offerOut, answerOut, sdptool] = files;
    const dataChannel = mode === 'publish-datachannel';
    writeFileSync(offerOut, await page.evaluate((dc) => window.captureOffer(dc), dataChannel));
    console.log(`wrote ${offerOut} (${version})`);
    execFileSync(sdptool, ['answer', offerOut, answerOut], {stdio: 'inherit'});
    const verdict = await page.evaluate((a) => window.acceptAnswer(a),
                                        readFileSync(answerOut, 'utf8'));
    console.log(`${version} on Hearth's answer: ${verdict}`);
    if (verdict !== 'accepted')
      process.exitCode = 1;
  } else if (mode === 'answer') {
    const [offer, answerOut] = files;
    const sdp = await page.evaluate((o) => window.captureAnswer(o), readFileSync(offer, 'utf8'));
    writeFileSync(answerOut, sdp);
    console.log(`wrote ${answerOut} (${version})`);
  } else {
    throw new Error(`unknown mode ${mode}`);
  }
}
