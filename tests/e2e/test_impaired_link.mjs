// Loss repair on a poor home link, in Debian's Chromium (issue 15): a
// family call where one member (Dana) is behind random loss and delay
// each way, measured for 60 s by the impaired-link benchmark
// (bench/impair/run.mjs: router namespace, iptables statistic loss,
// nfq_delay delay, getStats every second), then held to the limits:
// - video to and from Dana frozen at most FROZEN_MAX % of the window
//   (Chromium's freeze counters, or seconds with no new frame, whichever
//   is larger),
// - her audio, both ways, concealed at most 1 %,
// - NACKs sent by her subscriber connection and retransmissions by her
//   publisher (the repair really ran on both hops).
// down600 (issue 16): her downlink alone is poor, 600 kbit/s with 1 %
// loss: what she receives frozen at most 3 %, her audio concealed at most
// 1 %, her own video reaching the others (within the same limits), and the
// two on clean links receiving each other's full 640x480 without a freeze
// (the relay sends her lower layers, never them). No uplink repair to
// check there: her uplink loses nothing. Her sound was concealed
// 0.5-1.1 % there (2026-12-07, five runs) while a step up over her link
// was tried every ~20 s (probes through her shaper's bucket raised her
// estimate to ~1.2 Mbit/s), 0.3-0.4 s of it at each step; a step up past
// what her link carried now waits for a trial (relay/README.md, "step
// trial"): 0.0-0.7 % over the session's windows. One of her videos froze
// 4.3-4.8 s in 1-3 windows of ~12 (nothing of that track reached her for
// ~3 s while its lower encoding flowed to the others): the estimate's cut
// after an overuse switched it off for the budget's window; a video goes
// off now only when her link did not carry what it was sent
// (relay/budget.c, relay_budget_hold_off).
// Usage (inside tests/e2e/offline): node test_impaired_link.mjs loss2|loss5|down600
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { runTests } from './lib.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const RUN = path.resolve(HERE, '../../bench/impair/run.mjs');
const IMPAIRED = 'Dana';
// The issues' limits per condition: 2 % loss + 40 ms, 5 % loss + 80 ms
// (issue 15), a 600 kbit/s downlink with 1 % loss (issue 16).
const LIMITS = {
  loss2: { frozenMax: 2, concealedMax: 1, uplinkRepair: true },
  loss5: { frozenMax: 5, concealedMax: 1, uplinkRepair: true },
  down600: { frozenMax: 3, concealedMax: 1, uplinkRepair: false, controlSize: '640x480' },
};

function measure(preset) {
  const out = mkdtempSync(path.join(tmpdir(), 'hearth-impaired-'));
  try {
    execFileSync(process.execPath, [RUN, '--preset', preset, '--out', out], { stdio: 'inherit' });
    return JSON.parse(readFileSync(path.join(out, `impair-${preset}.json`), 'utf8'));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

// The members other than her are on clean links: their video to each
// other freezing means the machine starved the browsers (a busy CI host),
// and then the window says nothing about the link. Such a window is
// measured again, once; the limits apply to a window whose control held.
const CONTROL_FROZEN_MAX = 1;
const ATTEMPTS = 2;

function controlStreams(r) {
  return r.streams.filter((s) => s.kind === 'video' && s.receiver !== IMPAIRED && s.sender !== IMPAIRED);
}

// down600's control must not freeze at all (the issue's "no freeze"): a
// window where it did is void too, and the one measured again must hold.
function controlProblem(r, frozenMax) {
  const control = controlStreams(r);
  const worst = control.reduce((a, s) => (s.frozenPct > (a?.frozenPct ?? -1) ? s : a), null);
  if (!control.length) return 'no control streams measured';
  const froze = control.find((s) => s.freezeCount > 0);
  if (frozenMax === 0 && froze)
    return `${froze.sender} → ${froze.receiver} (both on clean links) froze ${froze.freezeCount} times (CPU: ${r.machine.cpu?.busyPct?.toFixed(0)} % busy)`;
  if (!(worst.frozenPct <= frozenMax))
    return `${worst.sender} → ${worst.receiver} (both on clean links) froze ${worst.frozenPct?.toFixed(1)} % (CPU: ${r.machine.cpu?.busyPct?.toFixed(0)} % busy)`;
  return null;
}

function check(preset) {
  const { frozenMax, concealedMax, uplinkRepair, controlSize } = LIMITS[preset];
  let r;
  for (let attempt = 1; ; attempt++) {
    r = measure(preset);
    const starved = controlProblem(r, controlSize ? 0 : CONTROL_FROZEN_MAX);
    if (!starved) break;
    if (attempt === ATTEMPTS) throw new Error(`the machine could not carry the call in ${ATTEMPTS} windows: ${starved}`);
    console.log(`  window ${attempt} void, measured again: ${starved}`);
  }
  const problems = [];
  const hers = r.streams.filter((s) => s.receiver === IMPAIRED || s.sender === IMPAIRED);
  for (const s of hers) {
    const what = `${s.sender} → ${s.receiver} ${s.kind}`;
    if (s.kind === 'video' && !(s.frozenPct <= frozenMax))
      problems.push(`${what}: frozen ${s.frozenPct?.toFixed(1)} % (limit ${frozenMax} %)`);
    if (s.kind === 'audio' && !(s.concealedPct <= concealedMax))
      problems.push(`${what}: concealed ${s.concealedPct?.toFixed(1)} % (limit ${concealedMax} %)`);
  }
  const nacks = hers.filter((s) => s.kind === 'video' && s.receiver === IMPAIRED).reduce((n, s) => n + (s.nackCount || 0), 0);
  if (!(nacks > 0)) problems.push(`${IMPAIRED} sent no NACK`);
  const resent = r.senders[IMPAIRED]?.video?.retransmittedPacketsSent;
  if (uplinkRepair && !(resent > 0)) problems.push(`${IMPAIRED}'s publisher retransmitted nothing`);
  for (const s of controlSize ? controlStreams(r) : []) {
    if (s.frameSize !== controlSize)
      problems.push(`${s.sender} → ${s.receiver} (clean links) received at ${s.frameSize}, not ${controlSize}`);
  }
  for (const s of hers.filter((x) => x.kind === 'video' && x.sender === IMPAIRED))
    if (!(s.framesDecodedPerSecond > 10))
      problems.push(`${IMPAIRED}'s video reached ${s.receiver} at ${s.framesDecodedPerSecond?.toFixed(1)} frames/s`);
  const rtx = hers.filter((s) => s.kind === 'video' && s.receiver === IMPAIRED).reduce((n, s) => n + (s.retransmittedPacketsReceived || 0), 0);
  if (!(rtx > 0)) problems.push(`${IMPAIRED} received no retransmission`);
  console.log(`  ${preset}: ${hers.length} streams to and from ${IMPAIRED}; machine load ${r.machine.loadBefore.join(' ')} before, ${r.machine.loadAfter.join(' ')} after`);
  if (problems.length) throw new Error(problems.join('; '));
}

const preset = process.argv[2];
if (!LIMITS[preset]) {
  console.error(`usage: node test_impaired_link.mjs ${Object.keys(LIMITS).join('|')}`);
  process.exit(64);
}
process.argv.length = 2; // runTests reads argv[2] as a test name
runTests({ [`${preset}: video and audio to and from the impaired member within limits`]: () => check(preset) });
