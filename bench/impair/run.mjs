// The impaired-link benchmark (issue 15): a 3-person family call in
// Debian's Chromium where one family member sits behind an impaired link,
// and what each direction looks like to the people in it, from getStats.
// Prints figures, passes nothing and fails nothing; writes
// bench/results/impair-<condition>.json and .md. Run through bench/impair/run
// (it enters a namespace with only loopback first). bench/README.md.
//
// Topology, all inside the namespace this runs in (private addresses only
// there, no default route anywhere, removed on every way out):
//
//   this namespace (relay)        router namespace            client namespace
//   hearthd, host, Sam            forwards, impairs           Dana's Chromium
//   hi-relay 10.98.0.1/24 ---- hi-r0 10.98.0.2 | hi-r1 10.98.1.1 ---- hi-client 10.98.1.2/24
//
// The impairments are on the router's FORWARD chain, per direction ("down"
// = toward Dana, in on hi-r0; "up" = from Dana, in on hi-r1), so that a
// drop is silent to both ends as on a real path: random loss (iptables
// statistic), then a fixed delay (NFQUEUE, one nfq_delay per direction),
// a rate (tbf on the router's egress), and a UDP outage (a DROP rule both
// ways for N seconds). They hold from before the join to the end.
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { CHROMIUM_ARGS, sleep, until } from '../../tests/e2e/lib.mjs';
import { cpuBetween, cpuSnapshot, describeCpu } from './cpu.mjs';
import { NetDaemon, RoutedNet, openPage, run } from '../../tests/e2e/netns.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');
// playwright-core is installed with the browser tests (tests/e2e, npm ci).
const { chromium } = createRequire(path.join(ROOT, 'tests/e2e/package.json'))('playwright-core');


const PRESETS = {
  loss2: { loss: 2, delay: 40, duration: 60, about: '2 % random loss and 40 ms delay each way' },
  loss5: { loss: 5, delay: 80, duration: 60, about: '5 % random loss and 80 ms delay each way' },
  outage45: { outage: 45, outageAt: 20, duration: 120, about: 'a 45 s UDP outage both ways, 20 s into the call' },
  clean: { duration: 60, about: 'no impairment (the topology alone)' },
  down600: { rateDown: 600, lossDown: 1, duration: 60, about: 'a 600 kbit/s downlink with 1 % random loss toward the impaired member' },
};

const HELP = `usage: bench/impair/run [--preset NAME] [OPTIONS]
  --preset loss2|loss5|outage45|clean|down600   a condition (options after it override)
  --duration S        the measured window, seconds (default 60)
  --warmup S          after media flows everywhere, before the window (default 5)
  --loss P            random loss, percent, each way (--loss-down, --loss-up)
  --delay MS          delay each way (--delay-down, --delay-up)
  --rate KBIT         rate each way, tbf (--rate-down, --rate-up)
  --loss-udp-only     lose only UDP (default: every packet, TCP too)
  --outage S          block UDP both ways for S seconds ...
  --outage-at S       ... from S seconds into the window (default 20)
  --name NAME         the condition's name in the results' file names
  --out DIR           where results go (default bench/results)
  --samples FILE      also write every page's raw getStats sample, each second
  --log FILE          hearthd at debug level, its log written to FILE (the
                      relay's estimates and layer choices each second)
  --nfq-nice N        run nfq_delay at niceness N instead of SCHED_FIFO 10 (its
                      timing is the delay; a busy machine makes it late)
"down" is toward the impaired member (Dana), "up" from her.
HEARTHD (default build/daemon/hearthd) and NFQ_DELAY (build/bench/impair/nfq_delay)
name the programs.`;

function parseArgs(argv) {
  const o = { duration: 60, warmup: 5, outageAt: 20, out: path.join(ROOT, 'bench/results'), nfqNice: null, lossUdpOnly: false };
  const num = (name, v) => {
    const n = Number(v);
    if (v === undefined || !Number.isFinite(n) || n < 0) throw new Error(`${name}: a number >= 0, not ${v}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = () => argv[++i];
    switch (a) {
      case '--help': case '-h': console.log(HELP); process.exit(0); break;
      case '--log': o.log = v(); break;
      case '--preset': {
        const name = v();
        const p = PRESETS[name];
        if (!p) throw new Error(`unknown preset ${name} (${Object.keys(PRESETS).join(', ')})`);
        Object.assign(o, p, { preset: name });
        break;
      }
      case '--duration': o.duration = num(a, v()); break;
      case '--warmup': o.warmup = num(a, v()); break;
      case '--loss': o.loss = num(a, v()); break;
      case '--loss-down': o.lossDown = num(a, v()); break;
      case '--loss-up': o.lossUp = num(a, v()); break;
      case '--delay': o.delay = num(a, v()); break;
      case '--delay-down': o.delayDown = num(a, v()); break;
      case '--delay-up': o.delayUp = num(a, v()); break;
      case '--rate': o.rate = num(a, v()); break;
      case '--rate-down': o.rateDown = num(a, v()); break;
      case '--rate-up': o.rateUp = num(a, v()); break;
      case '--loss-udp-only': o.lossUdpOnly = true; break;
      case '--outage': o.outage = num(a, v()); break;
      case '--outage-at': o.outageAt = num(a, v()); break;
      case '--name': o.name = v(); break;
      case '--out': o.out = path.resolve(v()); break;
      case '--samples': o.samples = path.resolve(v()); break;
      case '--nfq-nice': o.nfqNice = Number(v()); break;
      default: throw new Error(`unknown option ${a}\n${HELP}`);
    }
  }
  const dir = (x, d) => ({ loss: x[`loss${d}`] ?? x.loss ?? 0, delay: x[`delay${d}`] ?? x.delay ?? 0, rate: x[`rate${d}`] ?? x.rate ?? 0 });
  o.down = dir(o, 'Down');
  o.up = dir(o, 'Up');
  for (const d of [o.down, o.up]) if (d.loss > 100) throw new Error('loss is a percentage');
  o.outage ??= 0;
  if (o.outage && o.outageAt + o.outage >= o.duration) throw new Error('the outage must end inside the window (--duration)');
  if (!o.name) {
    const part = (d) => [d.loss && `l${d.loss}`, d.delay && `d${d.delay}`, d.rate && `r${d.rate}`].filter(Boolean).join('') || '0';
    o.name = o.preset ?? (`down-${part(o.down)}-up-${part(o.up)}` + (o.outage ? `-outage${o.outage}` : ''));
  }
  if (!/^[A-Za-z0-9._-]+$/.test(o.name)) throw new Error(`--name: letters, digits, . _ - only`);
  return o;
}

class ImpairedNet extends RoutedNet {
  constructor(opts) {
    super({ name: 'impair', prefix: 'hi', subnet: '10.98' });
    this.opts = opts;
  }

  // Loss, then delay, per direction; rate on the router's egress.
  impair() {
    const { down, up, warmup, duration, nfqNice, lossUdpOnly } = this.opts;
    return super.impair({ down, up, seconds: warmup + duration + 600, nfqNice, lossUdpOnly });
  }
}

// One sample of a page: what it receives per remote person and kind
// (receiver stats, summed over receivers of the same person and kind, e.g.
// an old and a new one after a re-subscribe), what it sends (the publish
// connection's outbound video and audio, and what the relay reports back
// about them), and the connection badge.
const SAMPLE_SCRIPT = `(async () => {
  const s = window.hearthSession;
  const out = { t: Date.now(), connection: document.querySelector('#connection')?.textContent ?? null, inbound: {}, outbound: {} };
  if (!s) return out;
  out.pcs = { publish: s.publisher?.pc?.connectionState ?? null, subscribe: s.subscriber?.pc?.connectionState ?? null };
  const IN = ['framesDecoded', 'keyFramesDecoded', 'framesReceived', 'framesDropped', 'freezeCount', 'totalFreezesDuration', 'pauseCount',
    'totalPausesDuration', 'nackCount', 'pliCount', 'firCount', 'packetsLost', 'packetsReceived', 'bytesReceived',
    'retransmittedPacketsReceived', 'concealedSamples', 'silentConcealedSamples', 'totalSamplesReceived', 'concealmentEvents',
    'insertedSamplesForDeceleration', 'removedSamplesForAcceleration', 'jitterBufferDelay', 'jitterBufferEmittedCount'];
  const add = (o, r, fields) => { for (const f of fields) if (typeof r[f] === 'number') o[f] = (o[f] ?? 0) + r[f]; };
  const pc = s.subscriber && s.subscriber.pc;
  if (pc) {
    for (const tr of pc.getTransceivers()) {
      const info = s.streams.find((x) => x.track === tr.receiver.track);
      if (!info) continue;
      for (const r of (await tr.receiver.getStats()).values()) {
        if (r.type !== 'inbound-rtp') continue;
        const p = s.participants.get(info.participantId);
        const key = (p ? p.display_name : info.participantId) + '/' + r.kind;
        const o = (out.inbound[key] ??= { receivers: 0 });
        o.receivers++;
        add(o, r, IN);
        if (r.frameWidth) o.frameSize = r.frameWidth + 'x' + r.frameHeight;
        if (typeof r.jitter === 'number') o.jitter = r.jitter;
      }
    }
  }
  const ppc = s.publisher && s.publisher.pc;
  if (ppc) {
    const stats = await ppc.getStats();
    for (const r of stats.values()) {
      if (r.type === 'outbound-rtp') {
        const o = (out.outbound[r.kind] ??= { senders: 0 });
        o.senders++;
        add(o, r, ['targetBitrate', 'bytesSent', 'packetsSent', 'retransmittedPacketsSent', 'retransmittedBytesSent',
          'nackCount', 'pliCount', 'firCount', 'framesEncoded', 'framesSent', 'hugeFramesSent']);
        if (r.qualityLimitationReason) o.qualityLimitationReason = r.qualityLimitationReason;
        if (r.frameWidth) o.frameSize = r.frameWidth + 'x' + r.frameHeight;
        if (r.qualityLimitationDurations) for (const [k, v] of Object.entries(r.qualityLimitationDurations)) (o.qld ??= {})[k] = v;
      } else if (r.type === 'remote-inbound-rtp') {
        const o = (out.outbound[r.kind] ??= { senders: 0 });
        if (typeof r.roundTripTime === 'number') o.roundTripTime = r.roundTripTime;
        if (typeof r.fractionLost === 'number') o.fractionLost = r.fractionLost;
        if (typeof r.packetsLost === 'number') o.remotePacketsLost = r.packetsLost;
      }
    }
  }
  return out;
})()`;

// What the page shows about its connection (the badge) and the state of
// its two peer connections, as one label.
const BADGE_SCRIPT = `(() => {
  const s = window.hearthSession;
  return (document.querySelector('#connection')?.textContent ?? '?') + ' [publish ' + (s?.publisher?.pc?.connectionState ?? 'none') +
    ', subscribe ' + (s?.subscriber?.pc?.connectionState ?? 'none') + ']';
})()`;

// Only the counts that show media arriving, for the outage's fast poll.
const COUNTS_SCRIPT = `(async () => {
  const s = window.hearthSession;
  const out = {};
  const pc = s && s.subscriber && s.subscriber.pc;
  if (!pc) return out;
  for (const tr of pc.getTransceivers()) {
    const info = s.streams.find((x) => x.track === tr.receiver.track);
    if (!info) continue;
    for (const r of (await tr.receiver.getStats()).values()) {
      if (r.type !== 'inbound-rtp') continue;
      const p = s.participants.get(info.participantId);
      const key = (p ? p.display_name : info.participantId) + '/' + r.kind;
      out[key] = (out[key] ?? 0) + (r.kind === 'video' ? r.framesDecoded || 0 : r.packetsReceived || 0);
    }
  }
  return out;
})()`;

// A cumulative counter's growth between two samples; a fall means a new
// receiver or sender replaced the old one (its count starts again).
const grow = (a, b) => (b === undefined ? 0 : a === undefined || b < a ? b : b - a);

const IMPAIRED = 'Dana';
const PEOPLE = [['Dr. Reyes', 'host'], ['Sam', 'family'], [IMPAIRED, 'family']];

// Which direction a stream (sender -> receiver) belongs to.
function directionOf(sender, receiver) {
  if (receiver === IMPAIRED) return 'to the impaired member';
  if (sender === IMPAIRED) return 'from the impaired member';
  return 'between the others (control)';
}
const DIRECTIONS = ['to the impaired member', 'from the impaired member', 'between the others (control)'];

const SLOW_FPS = 10;

// Per stream: from the window's samples of its receiving page.
function streamFigures(samples, receiver, key, windowMs) {
  const kind = key.split('/').pop();
  const series = samples.map((s) => ({ t: s.t, ...(s.pages[receiver]?.inbound[key] ?? {}) }));
  const total = (f) => {
    let sum = 0;
    for (let i = 1; i < series.length; i++) sum += grow(series[i - 1][f], series[i][f]);
    return sum;
  };
  const fig = { receiver, sender: key.slice(0, -kind.length - 1), kind };
  if (kind === 'video') {
    // Seconds with no new decoded frame: sample intervals without growth.
    let stalledMs = 0;
    let trailingMs = 0;
    // Chromium's freeze threshold grows with the average frame interval
    // (max(3 x mean, mean + 150 ms)): a video limping at 1-5 frames/s is
    // hardly "frozen" by its counters. Also: seconds under half the fake
    // camera's 20 frames/s.
    let slowMs = 0;
    const perSecond = [];
    for (let i = 1; i < series.length; i++) {
      const n = grow(series[i - 1].framesDecoded, series[i].framesDecoded);
      const dt = series[i].t - series[i - 1].t;
      perSecond.push(n);
      if (dt > 0 && (n * 1000) / dt < SLOW_FPS) slowMs += dt;
      if (n === 0) {
        stalledMs += dt;
        trailingMs += dt;
      } else {
        trailingMs = 0;
      }
    }
    const freezeMs = total('totalFreezesDuration') * 1000;
    // The freeze counters count a freeze when it ends: one still going at
    // the window's end is the trailing stall.
    const frozenMs = Math.max(freezeMs + trailingMs, stalledMs);
    Object.assign(fig, {
      frozenPct: (100 * Math.min(frozenMs, windowMs)) / windowMs,
      freezeCount: total('freezeCount'),
      keyFrames: total('keyFramesDecoded'),
      freezeSeconds: freezeMs / 1000,
      stalledSeconds: stalledMs / 1000,
      slowPct: (100 * Math.min(slowMs, windowMs)) / windowMs,
      pauseSeconds: total('totalPausesDuration'),
      framesDecodedPerSecond: total('framesDecoded') / (windowMs / 1000),
      framesDropped: total('framesDropped'),
      nackCount: total('nackCount'),
      pliCount: total('pliCount'),
      firCount: total('firCount'),
      packetsLost: total('packetsLost'),
      packetsReceived: total('packetsReceived'),
      retransmittedPacketsReceived: total('retransmittedPacketsReceived'),
      kbitPerSecond: (total('bytesReceived') * 8) / windowMs,
      frameSize: series.at(-1).frameSize ?? null,
      framesPerSecondSeries: perSecond,
    });
  } else {
    const concealed = total('concealedSamples');
    const samplesReceived = total('totalSamplesReceived');
    Object.assign(fig, {
      concealedPct: samplesReceived ? (100 * concealed) / samplesReceived : null,
      silentConcealedPct: samplesReceived ? (100 * total('silentConcealedSamples')) / samplesReceived : null,
      concealmentEvents: total('concealmentEvents'),
      nackCount: total('nackCount'),
      packetsLost: total('packetsLost'),
      packetsReceived: total('packetsReceived'),
      jitterBufferMs: total('jitterBufferEmittedCount') ? (1000 * total('jitterBufferDelay')) / total('jitterBufferEmittedCount') : null,
    });
  }
  return fig;
}

// Per sender: its publish connection's video (and audio) over the window.
function senderFigures(samples, sender, windowMs) {
  const out = {};
  for (const kind of ['video', 'audio']) {
    const series = samples.map((s) => s.pages[sender]?.outbound[kind]).filter(Boolean);
    if (series.length < 2) continue;
    const total = (f) => {
      let sum = 0;
      for (let i = 1; i < series.length; i++) sum += grow(series[i - 1][f], series[i][f]);
      return sum;
    };
    const targets = series.map((x) => x.targetBitrate).filter((x) => typeof x === 'number');
    const rtts = series.map((x) => x.roundTripTime).filter((x) => typeof x === 'number');
    const lost = series.map((x) => x.fractionLost).filter((x) => typeof x === 'number');
    const reasons = {};
    for (const x of series) if (x.qualityLimitationReason) reasons[x.qualityLimitationReason] = (reasons[x.qualityLimitationReason] ?? 0) + 1;
    const mean = (a) => (a.length ? a.reduce((p, q) => p + q, 0) / a.length : null);
    out[kind] = {
      targetKbitMean: targets.length ? mean(targets) / 1000 : null,
      targetKbitMin: targets.length ? Math.min(...targets) / 1000 : null,
      targetKbitMax: targets.length ? Math.max(...targets) / 1000 : null,
      sentKbitPerSecond: (total('bytesSent') * 8) / windowMs,
      retransmittedPacketsSent: total('retransmittedPacketsSent'),
      nackReceived: total('nackCount'),
      pliReceived: total('pliCount'),
      framesEncodedPerSecond: kind === 'video' ? total('framesEncoded') / (windowMs / 1000) : undefined,
      qualityLimitation: Object.entries(reasons).sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${Math.round((100 * n) / series.length)} %`).join(', ') || null,
      frameSize: series.at(-1).frameSize ?? null,
      rttMsMean: rtts.length ? 1000 * mean(rtts) : null,
      targetKbitSeries: series.map((x) => (typeof x.targetBitrate === 'number' ? Math.round(x.targetBitrate / 1000) : null)),
      relayReportedLossPctMean: lost.length ? 100 * mean(lost) : null,
    };
  }
  return out;
}

const f1 = (x) => (x === null || x === undefined ? '–' : typeof x === 'number' ? x.toFixed(1) : String(x));
const f0 = (x) => (x === null || x === undefined ? '–' : typeof x === 'number' ? x.toFixed(0) : String(x));

function markdown(result) {
  const o = result.options;
  const lines = [];
  lines.push(`# Impaired link: ${result.condition}`, '');
  lines.push(`${result.about}. Written by \`bench/impair/run\` (a benchmark: figures, no limits).`, '');
  lines.push(`- When: ${result.date}; commit ${result.commit}; ${result.chromium}`);
  lines.push(`- Command: \`${result.command}\``);
  lines.push(`- Down (toward ${IMPAIRED}): loss ${o.down.loss} %, delay ${o.down.delay} ms, rate ${o.down.rate ? `${o.down.rate} kbit/s` : 'unlimited'}; ` +
    `up (from ${IMPAIRED}): loss ${o.up.loss} %, delay ${o.up.delay} ms, rate ${o.up.rate ? `${o.up.rate} kbit/s` : 'unlimited'}` +
    `${o.lossUdpOnly ? ' (UDP only lost)' : ''}${o.outage ? `; UDP blocked both ways ${o.outageAt}–${o.outageAt + o.outage} s into the window` : ''}`);
  lines.push(`- Window: ${f1(result.windowSeconds)} s after media flowed everywhere and a ${o.warmup} s warm-up; one sample per second`);
  lines.push(`- Machine: ${result.machine.cpus} CPUs (${result.machine.cpuModel}); load average ${result.machine.loadBefore.join(' ')} before, ${result.machine.loadAfter.join(' ')} after`);
  if (result.machine.cpu) lines.push(`- CPU during the window: ${describeCpu(result.machine.cpu, result.machine.cpus)}`);
  lines.push(`- Delay program: ${result.nfqDelay.length ? result.nfqDelay.join('; ') : 'none'}`, '');
  lines.push('## Video received', '');
  lines.push(`| direction | sender → receiver | frozen % | freezes (s) | stalled s | frames/s | < ${SLOW_FPS} frames/s % | NACK sent | PLI sent | lost | rtx recv | kbit/s | size |`);
  lines.push('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|');
  for (const d of DIRECTIONS)
    for (const s of result.streams.filter((x) => x.direction === d && x.kind === 'video'))
      lines.push(`| ${d} | ${s.sender} → ${s.receiver} | **${f1(s.frozenPct)}** | ${s.freezeCount} (${f1(s.freezeSeconds)}) | ${f0(s.stalledSeconds)} | ${f1(s.framesDecodedPerSecond)} | ${f0(s.slowPct)} | ${s.nackCount} | ${s.pliCount} | ${s.packetsLost} | ${s.retransmittedPacketsReceived} | ${f0(s.kbitPerSecond)} | ${s.frameSize ?? '–'} |`);
  lines.push('', '## Audio received', '');
  lines.push('| direction | sender → receiver | concealed % | of it silent % | events | NACK sent | lost | jitter buffer ms |');
  lines.push('|---|---|---:|---:|---:|---:|---:|---:|');
  for (const d of DIRECTIONS)
    for (const s of result.streams.filter((x) => x.direction === d && x.kind === 'audio'))
      lines.push(`| ${d} | ${s.sender} → ${s.receiver} | **${f1(s.concealedPct)}** | ${f1(s.silentConcealedPct)} | ${s.concealmentEvents} | ${s.nackCount} | ${s.packetsLost} | ${f0(s.jitterBufferMs)} |`);
  lines.push('', '## Video sent (publish connections)', '');
  lines.push('| sender | target kbit/s mean (min–max) | sent kbit/s | retransmitted | NACK recv | PLI recv | frames/s encoded | limited by | RTT ms | relay-reported loss % |');
  lines.push('|---|---:|---:|---:|---:|---:|---:|---|---:|---:|');
  for (const [name, s] of Object.entries(result.senders)) {
    const v = s.video;
    if (!v) continue;
    lines.push(`| ${name} | ${f0(v.targetKbitMean)} (${f0(v.targetKbitMin)}–${f0(v.targetKbitMax)}) | ${f0(v.sentKbitPerSecond)} | ${v.retransmittedPacketsSent} | ${v.nackReceived} | ${v.pliReceived} | ${f1(v.framesEncodedPerSecond)} | ${v.qualityLimitation ?? '–'} | ${f0(v.rttMsMean)} | ${f1(v.relayReportedLossPctMean)} |`);
  }
  if (result.outage) {
    const out = result.outage;
    lines.push('', '## Outage', '');
    lines.push(`UDP blocked ${f1(out.blockedSeconds)} s. Media back on every page: **${out.allResumedSeconds === null ? `not within ${f0(out.watchedSeconds)} s` : `${f1(out.allResumedSeconds)} s`}** after UDP came back.`, '');
    lines.push('| receiver | stream | stalled during the outage | back after (s) |');
    lines.push('|---|---|---|---:|');
    for (const s of out.streams) lines.push(`| ${s.receiver} | ${s.key} | ${s.stalled ? 'yes' : 'no'} | ${s.resumedSeconds === null ? 'never' : f1(s.resumedSeconds)} |`);
    lines.push('', 'What each page showed (its connection badge, and its peer connections\' states) from the outage to the end:', '');
    for (const [p, b] of Object.entries(out.badges)) lines.push(`- ${p}: ${b.join(' → ')}`);
  }
  lines.push('', '## How the figures are made', '');
  lines.push('- frozen % = max(Chromium\'s totalFreezesDuration growth + a stall still going at the end, the sum of one-second sample intervals with no new decoded frame) / window.');
  lines.push(`- < ${SLOW_FPS} frames/s % = one-second intervals with fewer than ${SLOW_FPS} new decoded frames (the fake camera sends 20): Chromium's freeze threshold grows with the mean frame interval, so a video limping at 1–5 frames/s is under-counted as frozen.`);
  lines.push('- NACK/PLI sent are the receiver\'s own counts; "rtx recv" is retransmittedPacketsReceived; "retransmitted", "NACK recv", "PLI recv" are the sender\'s.');
  lines.push('- audio concealed % = concealedSamples / totalSamplesReceived growth over the window.');
  lines.push('- A counter that falls between samples (a new receiver or sender after a restart) counts from zero again.');
  return lines.join('\n') + '\n';
}

function printSummary(result) {
  console.log(`\n${result.condition}: ${result.about}`);
  for (const d of DIRECTIONS) {
    console.log(`  ${d}:`);
    for (const s of result.streams.filter((x) => x.direction === d)) {
      if (s.kind === 'video')
        console.log(`    ${s.sender} -> ${s.receiver} video: frozen ${f1(s.frozenPct)} % (freezes ${s.freezeCount}, ${f1(s.freezeSeconds)} s; stalled ${f0(s.stalledSeconds)} s), ${f1(s.framesDecodedPerSecond)} frames/s (under ${SLOW_FPS} ${f0(s.slowPct)} % of the time), NACK ${s.nackCount}, PLI ${s.pliCount}, lost ${s.packetsLost}, rtx received ${s.retransmittedPacketsReceived}, keyframes ${s.keyFrames}`);
      else
        console.log(`    ${s.sender} -> ${s.receiver} audio: concealed ${f1(s.concealedPct)} %, NACK ${s.nackCount}, lost ${s.packetsLost}`);
    }
  }
  console.log(`  CPU during the window: ${describeCpu(result.machine.cpu, result.machine.cpus)}`);
  console.log('  senders (video):');
  for (const [name, s] of Object.entries(result.senders))
    if (s.video)
      console.log(`    ${name}: target ${f0(s.video.targetKbitMean)} kbit/s (${f0(s.video.targetKbitMin)}-${f0(s.video.targetKbitMax)}), sent ${f0(s.video.sentKbitPerSecond)} kbit/s, retransmitted ${s.video.retransmittedPacketsSent}, NACK received ${s.video.nackReceived}, PLI received ${s.video.pliReceived}, limited by ${s.video.qualityLimitation}`);
  if (result.outage) {
    const o = result.outage;
    console.log(`  outage: media back on every page ${o.allResumedSeconds === null ? `not within ${f0(o.watchedSeconds)} s` : `${f1(o.allResumedSeconds)} s`} after UDP came back`);
    for (const s of o.streams) console.log(`    ${s.receiver} receives ${s.key}: ${s.stalled ? 'stalled' : 'did not stall'}, back ${s.resumedSeconds === null ? 'never' : `after ${f1(s.resumedSeconds)} s`}`);
  }
}


function describe() {
  let commit = 'unknown';
  let chromiumVersion = 'chromium ?';
  try {
    commit = run('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD']).trim() + (run('git', ['-C', ROOT, 'status', '--porcelain', '--untracked-files=no', '--', '.', ':!bench/results']).trim() ? ' (modified)' : '');
  } catch {}
  try {
    chromiumVersion = run('/usr/bin/chromium', ['--version']).trim();
  } catch {}
  return { commit, chromiumVersion };
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const way = (d) => [d.loss && `${d.loss} % loss`, d.delay && `${d.delay} ms delay`, d.rate && `${d.rate} kbit/s`].filter(Boolean).join(', ') || 'unimpaired';
  const about = opts.preset && opts.name === opts.preset ? PRESETS[opts.preset].about
    : `toward the impaired member ${way(opts.down)}; from her ${way(opts.up)}${opts.outage ? `; UDP blocked both ways ${opts.outage} s, ${opts.outageAt} s into the call` : ''}`;
  const { commit, chromiumVersion } = describe();
  const loadBefore = loadavg().map((x) => x.toFixed(2));
  const net = new ImpairedNet(opts);
  let d;
  const browsers = [];
  let result;
  const log = (m) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${m}`);
  try {
    net.create();
    await net.impair();
    log(`namespaces up; down ${JSON.stringify(opts.down)}, up ${JSON.stringify(opts.up)}${opts.outage ? `, outage ${opts.outage} s at ${opts.outageAt} s` : ''}`);
    d = new NetDaemon(net.addr.relay, opts.log ? '[log]\nlevel = debug\n' : '');
    // On a signal (process.exit skips the finally below): the daemon goes too.
    const daemon = d;
    process.on('exit', () => {
      if (daemon.proc && daemon.proc.exitCode === null) daemon.proc.kill('SIGTERM');
      if (!process.env.HEARTH_E2E_KEEP) rmSync(daemon.dir, { recursive: true, force: true });
    });
    await d.start();
    const { people } = await d.session('family', PEOPLE.map(([n, r]) => [n, r, { auto_admit: true }]));
    const args = [...CHROMIUM_ARGS, `--unsafely-treat-insecure-origin-as-secure=${d.base}`];
    const [local, remote] = await Promise.all([
      chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args }),
      chromium.launch({ executablePath: net.chromium, headless: true, args }),
    ]);
    browsers.push(local, remote);
    const pages = {};
    await Promise.all(people.map(async (p) => {
      pages[p.name] = await openPage(p.name === IMPAIRED ? remote : local, p.url);
    }));
    for (const p of Object.values(pages)) await p.getByRole('button', { name: 'Join session' }).click();
    await Promise.all(Object.values(pages).map((p) => p.getByRole('heading', { name: 'E2E family session' }).waitFor({ timeout: 60000 })));
    log('everyone joined');
    const names = PEOPLE.map(([n]) => n);
    // Every stream has arrived (not that it keeps flowing: on a bad link
    // today's video stalls for seconds at a time, which is what is measured).
    const keysOf = (n) => names.filter((m) => m !== n).flatMap((m) => [`${m}/video`, `${m}/audio`]);
    await Promise.all(names.map((n) => until(`${n}: every stream arriving`, async () => {
      const c = await pages[n].evaluate(COUNTS_SCRIPT);
      return keysOf(n).every((k) => c[k] > 0);
    }, 90000, 500)));
    log(`media arrived everywhere; warm-up ${opts.warmup} s`);
    await sleep(opts.warmup * 1000);

    // The window: a sample of every page each second.
    const samples = [];
    const sampleAll = async () => {
      const s = { t: Date.now(), pages: {} };
      await Promise.all(names.map(async (n) => {
        s.pages[n] = await pages[n].evaluate(SAMPLE_SCRIPT).catch((err) => ({ error: String(err), inbound: {}, outbound: {} }));
      }));
      return s;
    };
    const cpuStart = cpuSnapshot();
    const t0 = Date.now();
    const outage = opts.outage ? { startMs: null, endMs: null } : null;
    let outageWatch = null;
    if (outage) {
      // Fast poll of what arrives, from when UDP comes back.
      outageWatch = (async () => {
        await sleep(Math.max(0, t0 + opts.outageAt * 1000 - Date.now()));
        const before = Object.fromEntries(await Promise.all(names.map(async (n) => [n, await pages[n].evaluate(COUNTS_SCRIPT)])));
        net.udpOff();
        outage.startMs = Date.now();
        log(`UDP blocked for ${opts.outage} s`);
        // During the outage: which streams stopped, what each page says.
        const stalled = new Set();
        const badges = Object.fromEntries(await Promise.all(names.map(async (n) => [n, [`${await pages[n].evaluate(BADGE_SCRIPT)} (+0 s into it)`]])));
        let last = before;
        while (Date.now() < outage.startMs + opts.outage * 1000) {
          await sleep(1000);
          const now = Object.fromEntries(await Promise.all(names.map(async (n) => [n, await pages[n].evaluate(COUNTS_SCRIPT)])));
          for (const n of names) {
            for (const [k, v] of Object.entries(now[n])) if (!(grow(last[n][k], v) > 0)) stalled.add(`${n}|${k}`);
            const badge = await pages[n].evaluate(BADGE_SCRIPT);
            if (badges[n].at(-1)?.split(' (+')[0] !== badge) badges[n].push(`${badge} (+${((Date.now() - outage.startMs) / 1000).toFixed(0)} s into it)`);
          }
          last = now;
        }
        net.udpOn();
        outage.endMs = Date.now();
        log('UDP back');
        const watchUntil = t0 + opts.duration * 1000;
        const resumed = {};
        let base = Object.fromEntries(await Promise.all(names.map(async (n) => [n, await pages[n].evaluate(COUNTS_SCRIPT)])));
        while (Date.now() < watchUntil) {
          const now = Object.fromEntries(await Promise.all(names.map(async (n) => [n, await pages[n].evaluate(COUNTS_SCRIPT)])));
          const t = Date.now();
          for (const n of names)
            for (const k of keysOf(n)) {
              const id = `${n}|${k}`;
              if (!(id in resumed) && grow(base[n][k], now[n][k]) > 0) resumed[id] = t - outage.endMs;
            }
          base = now;
          for (const n of names) {
            const badge = await pages[n].evaluate(BADGE_SCRIPT);
            if (badges[n].at(-1)?.split(' (+')[0] !== badge) badges[n].push(`${badge} (+${((t - outage.endMs) / 1000).toFixed(0)} s after it)`);
          }
          if (names.every((n) => keysOf(n).every((k) => `${n}|${k}` in resumed)) && Date.now() > outage.endMs + 2000) break;
          await sleep(200);
        }
        const streams = names.flatMap((n) => keysOf(n).map((k) => ({
          receiver: n, key: k, stalled: stalled.has(`${n}|${k}`),
          resumedSeconds: `${n}|${k}` in resumed ? resumed[`${n}|${k}`] / 1000 : null,
        })));
        const all = streams.every((s) => s.resumedSeconds !== null) ? Math.max(...streams.map((s) => s.resumedSeconds)) : null;
        Object.assign(outage, { streams, badges, allResumedSeconds: all, blockedSeconds: (outage.endMs - outage.startMs) / 1000, watchedSeconds: (watchUntil - outage.endMs) / 1000 });
        log(`media back on every page: ${all === null ? 'no' : `${all.toFixed(1)} s`} after UDP came back`);
      })();
    }
    samples.push(await sampleAll());
    for (let i = 1; i <= opts.duration; i++) {
      await sleep(Math.max(0, t0 + i * 1000 - Date.now()));
      samples.push(await sampleAll());
      if (i % 10 === 0) log(`${i} s of ${opts.duration}`);
    }
    const cpu = cpuBetween(cpuStart, cpuSnapshot());
    if (outageWatch) await outageWatch;
    const windowMs = samples.at(-1).t - samples[0].t;

    const streams = [];
    for (const receiver of names)
      for (const sender of names.filter((m) => m !== receiver))
        for (const kind of ['video', 'audio'])
          streams.push({ direction: directionOf(sender, receiver), ...streamFigures(samples, receiver, `${sender}/${kind}`, windowMs) });
    const senders = Object.fromEntries(names.map((n) => [n, senderFigures(samples, n, windowMs)]));
    const pageErrors = Object.fromEntries(names.map((n) => [n, pages[n].errors]).filter(([, e]) => e.length));
    const counters = net.counters();
    await Promise.all(browsers.map((b) => b.close()));
    browsers.length = 0;
    const nfqDelay = await net.stopDelays();
    result = {
      condition: opts.name,
      about,
      date: new Date().toISOString(),
      commit,
      chromium: chromiumVersion,
      command: `bench/impair/run ${process.argv.slice(2).join(' ')}`,
      options: opts,
      machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? '?', loadBefore, loadAfter: loadavg().map((x) => x.toFixed(2)), cpu },
      windowSeconds: windowMs / 1000,
      streams,
      senders,
      outage: outage && { ...outage, startMs: undefined, endMs: undefined, atSeconds: (outage.startMs - t0) / 1000 },
      nfqDelay,
      routerCounters: counters,
      pageErrors,
    };
    if (opts.samples) writeFileSync(opts.samples, JSON.stringify(samples) + '\n');
  } catch (err) {
    if (d) console.log(`hearthd's log (last 40 lines):\n${d.log.slice(-40).map((l) => `  ${l}`).join('\n')}`);
    throw err;
  } finally {
    await Promise.all(browsers.map((b) => b.close().catch(() => {})));
    if (d) await d.stop().catch((err) => console.log(String(err)));
    if (d && opts.log) writeFileSync(opts.log, d.log.join('\n') + '\n');
    await net.stopDelays().catch(() => {});
    net.destroy();
  }
  mkdirSync(opts.out, { recursive: true });
  const base = path.join(opts.out, `impair-${result.condition}`);
  writeFileSync(`${base}.json`, JSON.stringify(result, null, 1) + '\n');
  writeFileSync(`${base}.md`, markdown(result));
  printSummary(result);
  console.log(`\nwritten: ${path.relative(process.cwd(), base)}.json, .md`);
}

main().catch((err) => {
  console.error(String(err.stack || err));
  process.exit(1);
});
