#!/bin/sh
# Re-captures every SDP in tests/data/sdp/ (see README.md). A tool, not a
# test: it needs Debian's chromium and firefox-esr, python3-gi with
# GStreamer's webrtcbin, and playwright-core + puppeteer-core from npm in a
# scratch folder (never in the tree). Nothing leaves the machine: fake
# devices, no ICE servers, loopback candidates, Firefox kept offline.
# Usage: run.sh [SCRATCH_DIR]   (default /tmp/sdpcap)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
data=$(dirname "$here")
root=$(cd "$data/../../.." && pwd)
scratch=${1:-/tmp/sdpcap}
port=${SDPCAP_PORT:-8765}
mkdir -p "$scratch"

# Hearth's side, from the tree's sdp/*.c.
cc -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wvla -Wno-missing-field-initializers -I"$root" \
	"$here/sdptool.c" "$root"/sdp/*.c "$root"/core/parse.c $(pkg-config --cflags --libs gstreamer-sdp-1.0 glib-2.0) \
	-o "$scratch/sdptool"
sdptool=$scratch/sdptool
"$sdptool" subscribe-offer "$data/hearth-subscribe-offer.sdp"

# GStreamer webrtcbin (Debian's python3, not a virtualenv's).
py=/usr/bin/python3
"$py" "$here/webrtcbin.py" offer "$data/webrtcbin-publish-offer.sdp"
"$py" "$here/webrtcbin.py" recvonly "$data/webrtcbin-recvonly-offer.sdp"
"$py" "$here/webrtcbin.py" answer "$data/hearth-subscribe-offer.sdp" \
	"$data/webrtcbin-subscribe-answer.sdp"
"$sdptool" answer "$data/webrtcbin-publish-offer.sdp" "$scratch/webrtcbin-hearth-answer.sdp"

# Browsers: the npm drivers live in the scratch folder, next to node_modules.
cd "$scratch"
[ -d node_modules/playwright-core ] && [ -d node_modules/puppeteer-core ] ||
	npm install --no-save --no-audit --no-fund playwright-core puppeteer-core
cp "$here/capture.html" "$here/common.mjs" "$here/chromium.mjs" "$here/firefox.mjs" \
	"$root/tests/e2e/browsers.mjs" .
"$py" -m http.server "$port" --bind 127.0.0.1 >/dev/null 2>&1 &
server=$!
trap 'kill $server' EXIT
sleep 1
url=http://127.0.0.1:$port/capture.html
for browser in chromium firefox; do
	node "$browser.mjs" publish "$url" "$data/$browser-publish-offer.sdp" \
		"$scratch/$browser-hearth-answer.sdp" "$sdptool"
	node "$browser.mjs" publish-datachannel "$url" \
		"$data/$browser-publish-datachannel-offer.sdp" \
		"$scratch/$browser-hearth-datachannel-answer.sdp" "$sdptool"
	node "$browser.mjs" answer "$url" "$data/hearth-subscribe-offer.sdp" \
		"$data/$browser-subscribe-answer.sdp"
done
for who in webrtcbin chromium firefox; do
	"$sdptool" check-answer 3 "$data/$who-subscribe-answer.sdp"
done
