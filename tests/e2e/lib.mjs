// What the end-to-end tests share: a real hearthd on loopback with its own
// state, the admin API over its unix socket, Debian's browsers, and checks
// on what a page shows and receives.

import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const HEARTHD = process.env.HEARTHD || 'build/daemon/hearthd';
export { CHROMIUM_ARGS } from './browsers.mjs';

// The family the tests use: a host who arrives first, two who wait.
export const FAMILY = [
  ['Dr. Reyes', 'host'],
  ['Dana', 'family'],
  ['Sam', 'family'],
];

export const SHOTS = process.env.HEARTH_SCREENSHOTS || path.join(tmpdir(), 'hearth-screenshots');


export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function until(what, fn, timeoutMs = 15000, everyMs = 200) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    try {
      last = await fn();
      if (last) return last;
    } catch (err) {
      last = err;
    }
    await sleep(everyMs);
  }
  throw new Error(`timed out waiting for ${what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
}

// HEARTH_E2E_LOG_LEVEL (e.g. debug) as a [log] section, unless the test's
// own config has one.
export function logSection(config) {
  const level = process.env.HEARTH_E2E_LOG_LEVEL;
  return level && !config.includes('[log]') ? `\n[log]\nlevel = ${level}\n` : '';
}

export class Daemon {
  // tls: serve HTTPS with a fresh self-signed certificate for 127.0.0.1.
  // listen: server.listen_address (the page's address is the first bound).
  constructor({ config = '', argsBefore = [], tls = false, listen = '127.0.0.1' } = {}) {
    this.dir = mkdtempSync(path.join(tmpdir(), 'hearth-e2e-'));
    this.socket = path.join(this.dir, 'admin.sock');
    this.configPath = path.join(this.dir, 'hearthd.conf');
    this.scheme = tls ? 'https' : 'http';
    if (tls) {
      const cert = path.join(this.dir, 'cert.pem');
      const key = path.join(this.dir, 'key.pem');
      execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
        '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert],
      { stdio: 'ignore' });
      this.tlsConfig = `tls_certificate = ${cert}\ntls_private_key = ${key}\n`;
    }
    writeFileSync(
      this.configPath,
      `[server]\nlisten_address = ${listen}\nlisten_port = 0\n` + (this.tlsConfig || '') +
        `[storage]\nstate_directory = ${path.join(this.dir, 'state')}\nadmin_socket = ${this.socket}\n` +
        '[media]\nworkers = 2\nport_min = 0\nport_max = 0\n' +
        config +
        logSection(config),
    );
    this.argsBefore = argsBefore;
    this.log = [];
  }

  start() {
    const cmd = [...this.argsBefore, HEARTHD, '--config', this.configPath];
    this.proc = spawn(cmd[0], cmd.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
    this.exited = new Promise((resolve) => this.proc.on('exit', (code, signal) => resolve({ code, signal })));
    let buffer = '';
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`hearthd did not start:\n${this.log.join('\n')}`)), 15000);
      this.proc.stderr.on('data', (chunk) => {
        buffer += chunk;
        let nl;
        while ((nl = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, nl);
          buffer = buffer.slice(nl + 1);
          this.log.push(line);
          if (process.env.HEARTH_E2E_VERBOSE) console.error(`hearthd: ${line}`);
          const m = /\(HTTP (\S+) port (\d+)\)/.exec(line);
          if (m) {
            clearTimeout(timer);
            this.port = Number(m[2]);
            const host = m[1].split(',')[0];
            this.base = `${this.scheme}://${host.includes(':') ? `[${host}]` : host}:${this.port}`;
            resolve(this);
          }
        }
      });
      this.proc.on('exit', () => reject(new Error(`hearthd exited:\n${this.log.join('\n')}`)));
    });
  }

  admin(method, apiPath, body) {
    const data = body === undefined ? '' : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const headers = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) };
      const req = http.request(
        { socketPath: this.socket, path: `/api/v1${apiPath}`, method, headers },
        (res) => {
          let text = '';
          res.on('data', (c) => (text += c));
          res.on('end', () => resolve({ status: res.statusCode, body: text ? JSON.parse(text) : null }));
        },
      );
      req.on('error', reject);
      req.end(data);
    });
  }

  async must(method, apiPath, body, status = 201) {
    const r = await this.admin(method, apiPath, body);
    if (r.status !== status) throw new Error(`${method} ${apiPath}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  }

  // A session open now with these people ([name, role, options]); returns
  // {session, people: [{name, entry, url, token}]}.
  async session(kind, people, fields = {}) {
    const now = Math.floor(Date.now() / 1000);
    const iso = (t) => new Date(t * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
    const session = await this.must('POST', '/sessions', {
      kind,
      title: `E2E ${kind} session`,
      schedule: { type: 'once', start: iso(now - 60), end: iso(now + 3600) },
      ...fields,
    });
    const out = [];
    for (const [name, role, options = {}] of people) {
      const entry = await this.must('POST', `/sessions/${session.id}/roster`, { display_name: name, role, ...options });
      const invite = await this.must('POST', `/sessions/${session.id}/roster/${entry.id}/invite`, {});
      out.push({ name, entry, invite: invite.invite, token: invite.token, url: `${this.base}/join/${invite.token}` });
    }
    return { session, people: out };
  }

  async metric(name) {
    const text = await (await fetch(`${this.base}/metrics`)).text();
    const m = new RegExp(`^${name} (\\d+)`, 'm').exec(text);
    return m ? Number(m[1]) : 0;
  }

  async stop() {
    if (this.proc.exitCode === null) this.proc.kill('SIGTERM');
    const { code, signal } = await this.exited;
    if (!process.env.HEARTH_E2E_KEEP) rmSync(this.dir, { recursive: true, force: true });
    if (code !== 0) throw new Error(`hearthd exited with ${code ?? signal}:\n${this.log.slice(-30).join('\n')}`);
  }
}

export function screenshotPath(name) {
  mkdirSync(SHOTS, { recursive: true });
  return path.join(SHOTS, `${name}.png`);
}

// Run inside a page: what arrives per remote participant and kind (video
// frames decoded, audio packets received), from each receiver's getStats,
// in the order of the subscribe connection's m-lines.
export const INBOUND_SCRIPT = `(async () => {
  const s = window.hearthSession;
  if (!s || !s.subscriber || !s.subscriber.pc) return {};
  const out = {};
  for (const tr of s.subscriber.pc.getTransceivers()) {
    const info = s.streams.find((x) => x.track === tr.receiver.track);
    if (!info) continue;
    for (const r of (await tr.receiver.getStats()).values()) {
      if (r.type !== 'inbound-rtp') continue;
      const p = s.participants.get(info.participantId);
      const name = p ? p.display_name : info.participantId;
      // A second video of one person (a screen) is "<name>/video2".
      let key = name + '/' + r.kind;
      if (key in out) key += '2';
      out[key] = r.kind === 'video' ? r.framesDecoded || 0 : r.packetsReceived || 0;
    }
  }
  return out;
})()`;

export async function inboundVideo(page) {
  return page.evaluate(INBOUND_SCRIPT);
}

// The SRTP cipher each of the page's connections negotiated.
export const CIPHER_SCRIPT = `(async () => {
  const s = window.hearthSession;
  const out = [];
  for (const pc of [s.publisher.pc, s.subscriber.pc]) {
    if (!pc) continue;
    for (const r of (await pc.getStats()).values()) if (r.srtpCipher) out.push(r.srtpCipher);
  }
  return out;
})()`;

export async function srtpCiphers(page) {
  return page.evaluate(CIPHER_SCRIPT);
}

// Waits until every named remote stream of the page grows.
// What a page's media connections look like, for a failure's message.
const MEDIA_STATE_SCRIPT = `(() => {
  const s = window.hearthSession;
  if (!s) return 'no session';
  const pc = (p) => p && { connection: p.connectionState, ice: p.iceConnectionState, signaling: p.signalingState,
    transceivers: p.getTransceivers().map((t) => t.mid + ':' + t.currentDirection) };
  return JSON.stringify({ publish: pc(s.publisher.pc), subscribe: pc(s.subscriber.pc),
    streams: s.streams.map((x) => x.participantId + '/' + x.kind), participants: [...s.participants.keys()],
    notice: document.querySelector('#session-notice').textContent, received: s.signal.trace });
})()`;

// The receiving side of each remote video, for a failure's message.
const VIDEO_DETAIL_SCRIPT = `(async () => {
  const pc = window.hearthSession?.subscriber?.pc;
  if (!pc) return 'no subscriber connection';
  const out = [];
  for (const r of (await pc.getStats()).values())
    if (r.type === 'inbound-rtp' && r.kind === 'video')
      out.push({ ssrc: r.ssrc, mid: r.mid, packets: r.packetsReceived, lost: r.packetsLost, frames: r.framesReceived, decoded: r.framesDecoded,
        dropped: r.framesDropped, keyframes: r.keyFramesDecoded, nack: r.nackCount, pli: r.pliCount, rtx: r.retransmittedPacketsReceived,
        discarded: r.packetsDiscarded, decoder: r.decoderImplementation });
  return JSON.stringify(out);
})()`;

export async function expectFlowing(page, keys, label, timeoutMs = 20000) {
  let last = {};
  const first = await until(`${label}: ${keys.join(', ')} arriving`, async () => {
    const v = await inboundVideo(page);
    last = v;
    return keys.every((k) => v[k] > 0) ? v : null;
  }, timeoutMs).catch(async (err) => {
    throw new Error(`${err.message}; received ${JSON.stringify(last)}; ${await page.evaluate(MEDIA_STATE_SCRIPT)}`);
  });
  await sleep(1500);
  const second = await inboundVideo(page);
  for (const k of keys)
    if (!(second[k] > first[k]))
      throw new Error(`${label}: ${k} stopped at ${first[k]} -> ${second[k]}; video received ${await page.evaluate(VIDEO_DETAIL_SCRIPT)}; 1 s later ${await sleep(1000).then(() => page.evaluate(VIDEO_DETAIL_SCRIPT))}`);
  return second;
}

// A test file: named steps, a summary line, exit status.
export async function runTests(tests) {
  let passed = 0;
  let failed = 0;
  const only = process.argv[2];
  for (const [name, fn] of Object.entries(tests)) {
    if (only && name !== only) continue;
    const t0 = Date.now();
    try {
      await fn();
      passed++;
      console.log(`ok - ${name} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    } catch (err) {
      failed++;
      console.log(`not ok - ${name}\n${String(err.stack || err).replace(/^/gm, '    ')}`);
    }
  }
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}
