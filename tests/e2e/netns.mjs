// Network namespaces for the browser tests and the impaired-link benchmark
// (bench/impair/run.mjs): a router and a family member's namespace inside
// the namespace the caller runs in (tests/e2e/offline: nothing but lo),
// private addresses only there, no default route anywhere, removed on
// every way out.
//
//   this namespace (relay)          router namespace             client namespace
//   hearthd, the other browsers     forwards (impairs)           one Chromium
//   <p>-relay S.0.1/24 ---- <p>-r0 S.0.2 | <p>-r1 S.1.1 ---- <p>-client S.1.2/24
//
// Impairments go on the router (its FORWARD chain, its egress qdiscs), so
// that a drop is silent to both ends as on a real path: never in the
// browser's own namespace, where sendto() would fail.
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { chromium } from 'playwright-core';

import { CHROMIUM_ARGS, Daemon, expectFlowing, inboundVideo, logSection, sleep, until } from './lib.mjs';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');

// iptables-legacy where there is one (this kernel's nf_tables may lack
// what the statistic match needs), else iptables.
export const IPTABLES = ['/usr/sbin/iptables-legacy', '/sbin/iptables-legacy'].find(existsSync) ?? 'iptables';

export function run(cmd, args) {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}
export const ip = (...args) => run('ip', args);

export class RoutedNet {
  // name: in the namespaces' names; prefix: of the links (a few letters);
  // subnet: the first two octets of the addresses ('10.97').
  constructor({ name, prefix, subnet }) {
    this.router = `hearth-${name}-router-${process.pid}`;
    this.client = `hearth-${name}-client-${process.pid}`;
    this.addr = { relay: `${subnet}.0.1`, routerRelay: `${subnet}.0.2`, routerClient: `${subnet}.1.1`, client: `${subnet}.1.2` };
    // r0 faces the relay (its egress: the uplink), r1 the client (the downlink).
    this.dev = { relay: `${prefix}-relay`, r0: `${prefix}-r0`, r1: `${prefix}-r1`, client: `${prefix}-client` };
    this.dir = mkdtempSync(path.join(tmpdir(), `hearth-${name}-`));
    this.chromium = path.join(this.dir, 'chromium-in-ns');
    this.delays = [];
  }

  inRouter(cmd, ...args) {
    return run('ip', ['netns', 'exec', this.router, cmd, ...args]);
  }

  iptables(...args) {
    return this.inRouter(IPTABLES, ...args);
  }

  create() {
    const links = ip('-o', 'link', 'show').trim().split('\n').map((l) => l.split(':')[1].trim().split('@')[0]);
    if (links.length !== 1 || links[0] !== 'lo')
      throw new Error(`refusing to change this network namespace (links: ${links.join(', ')}): run through tests/e2e/offline`);
    this.cleanup = () => this.destroy();
    process.on('exit', this.cleanup);
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.once(sig, () => process.exit(130));
    ip('netns', 'add', this.router);
    ip('netns', 'add', this.client);
    ipv4Only([null, this.router, this.client]);
    const { addr, dev } = this;
    ip('link', 'add', dev.relay, 'type', 'veth', 'peer', 'name', dev.r0, 'netns', this.router);
    ip('-n', this.router, 'link', 'add', dev.r1, 'type', 'veth', 'peer', 'name', dev.client, 'netns', this.client);
    ip('addr', 'add', `${addr.relay}/24`, 'dev', dev.relay);
    ip('link', 'set', dev.relay, 'up');
    ip('route', 'add', `${addr.client}/32`, 'via', addr.routerRelay);
    for (const [ns, d, a] of [[this.router, dev.r0, addr.routerRelay], [this.router, dev.r1, addr.routerClient], [this.client, dev.client, addr.client]]) {
      ip('-n', ns, 'link', 'set', 'lo', 'up');
      ip('-n', ns, 'addr', 'add', `${a}/24`, 'dev', d);
      ip('-n', ns, 'link', 'set', d, 'up');
    }
    ip('-n', this.client, 'route', 'add', `${addr.relay}/32`, 'via', addr.routerClient);
    this.inRouter('sysctl', '-q', '-w', 'net.ipv4.ip_forward=1');
    writeFileSync(this.chromium, `#!/bin/sh\nexec ip netns exec ${this.client} /usr/bin/chromium "$@"\n`);
    chmodSync(this.chromium, 0o755);
  }

  // Loss (iptables statistic, random), then a fixed delay (nfq_delay on
  // an NFQUEUE, SCHED_FIFO unless nfqNice is a number), per direction,
  // and a rate (tbf) on the router's egress: down = toward the client,
  // up = from it, each { loss: %, delay: ms, rate: kbit/s } (0: none).
  // seconds bounds the delay programs' lives. Resolves once they listen.
  impair({ down, up, seconds = 3600, nfqNice = null, lossUdpOnly = false }) {
    const nfq = process.env.NFQ_DELAY || path.join(ROOT, process.env.HEARTH_BUILD || 'build', 'bench/impair/nfq_delay');
    const { r0, r1 } = this.dev;
    for (const [name, d, inDev, outDev, queue] of [['down', down, r0, r1, 1], ['up', up, r1, r0, 2]]) {
      const match = ['-i', inDev, '-o', outDev];
      if (d.loss > 0) {
        const proto = lossUdpOnly ? ['-p', 'udp'] : [];
        this.iptables('-A', 'FORWARD', ...match, ...proto, '-m', 'statistic', '--mode', 'random', '--probability', String(d.loss / 100), '-j', 'DROP');
      }
      if (d.delay > 0) {
        const prio = nfqNice === null ? ['chrt', '-f', '10'] : ['nice', '-n', String(nfqNice)];
        const p = spawn('ip', ['netns', 'exec', this.router, ...prio, nfq, '-q', String(queue), '-d', String(d.delay), '-t', String(Math.ceil(seconds)), '-v'],
          { stdio: ['ignore', 'ignore', 'pipe'] });
        const entry = { name, proc: p, log: '' };
        entry.ready = new Promise((resolve, reject) => {
          p.stderr.on('data', (c) => {
            entry.log += c;
            if (entry.log.includes('bound')) resolve();
          });
          p.on('exit', (code) => reject(new Error(`nfq_delay (${name}) exited with ${code}: ${entry.log}`)));
        });
        entry.exited = new Promise((resolve) => p.on('exit', resolve));
        this.delays.push(entry);
        this.iptables('-A', 'FORWARD', ...match, '-j', 'NFQUEUE', '--queue-num', String(queue), '--queue-bypass');
      }
      if (d.rate > 0) this.rate(outDev, d.rate);
    }
    return Promise.all(this.delays.map((e) => e.ready));
  }

  // What the router counted, rule by rule (packets dropped, queued), and
  // its queueing disciplines (tbf's drops and overlimits).
  counters() {
    try {
      return this.iptables('-L', 'FORWARD', '-v', '-n', '-x').trim() + '\n' +
        [this.dev.r0, this.dev.r1].map((dev) => `${dev}: ${this.qdisc(dev)}`).join('\n');
    } catch (err) {
      return String(err);
    }
  }

  // Stops the delay programs (each lets what waits through); their last
  // lines (counts).
  async stopDelays() {
    for (const e of this.delays) if (e.proc.exitCode === null) e.proc.kill('SIGTERM');
    await Promise.race([Promise.all(this.delays.map((e) => e.exited)), sleep(5000)]);
    return this.delays.map((e) => `${e.name}: ${e.log.trim().split('\n').pop()}`);
  }

  // A UDP outage, both ways, on the router's FORWARD chain.
  udpOff() {
    this.iptables('-I', 'FORWARD', '1', '-p', 'udp', '-j', 'DROP');
  }

  udpOn() {
    this.iptables('-D', 'FORWARD', '-p', 'udp', '-j', 'DROP');
  }

  // A rate on the router's egress on dev (tbf: 10 kB burst, 250 ms queue;
  // what does not fit is dropped silently).
  rate(dev, kbit) {
    this.inRouter('tc', 'qdisc', 'replace', 'dev', dev, 'root', 'tbf', 'rate', `${kbit}kbit`, 'burst', '10kb', 'latency', '250ms');
  }

  // The router's queueing discipline on dev with its counters, one line.
  qdisc(dev) {
    try {
      return this.inRouter('tc', '-s', 'qdisc', 'show', 'dev', dev).trim().replace(/\n\s*/g, ' ');
    } catch (err) {
      return String(err);
    }
  }

  destroy() {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const e of this.delays) if (e.proc.exitCode === null) e.proc.kill('SIGTERM');
    for (const ns of [this.router, this.client]) {
      try {
        execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
      } catch {
        // never created
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
    if (this.cleanup) process.removeListener('exit', this.cleanup);
  }
}

// hearthd on the relay side: signaling and media on address, two media
// workers; extra config sections after (e.g. "[log]\nlevel = debug\n").
export class NetDaemon extends Daemon {
  constructor(address, extra = '') {
    super();
    this.address = address;
    writeFileSync(
      this.configPath,
      `[server]\nlisten_address = ${address}\nlisten_port = 0\n` +
        `[storage]\nstate_directory = ${path.join(this.dir, 'state')}\nadmin_socket = ${this.socket}\n` +
        `[media]\nworkers = 2\nport_min = 0\nport_max = 0\nbind_address = ${address}\n` +
        extra +
        logSection(extra),
    );
  }

  async start() {
    await super.start();
    this.base = `http://${this.address}:${this.port}`;
    return this;
  }
}

// A page in a new context of browser, at url, collecting its errors.
// IPv4 only in these network namespaces (null: this one), before any link
// is added: an IPv6 link-local address finishing its duplicate address
// detection a second after the link is up is a "network change" to a
// Chromium already started (its page load fails ERR_NETWORK_CHANGED, and
// the page never shows its "Join session" button).
export function ipv4Only(namespaces) {
  for (const ns of namespaces)
    for (const key of ['all', 'default']) {
      const sysctl = ['sysctl', '-q', '-w', `net.ipv6.conf.${key}.disable_ipv6=1`];
      if (ns) run('ip', ['netns', 'exec', ns, ...sysctl]);
      else run(sysctl[0], sysctl.slice(1));
    }
}

export async function openPage(browser, url, viewport = { width: 1000, height: 700 }, initScript = null) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  if (initScript) await page.addInitScript(initScript);
  page.errors = [];
  page.on('pageerror', (err) => page.errors.push(String(err)));
  await page.goto(url);
  return page;
}

// Dana's page: every answer it makes (and sends) without transport-cc,
// neither the extension nor the feedback type, as a browser that does only
// REMB answers; abs-send-time and goog-remb stay as Chromium answers them.
export const NO_TRANSPORT_CC = `(() => {
  const strip = (sdp) => sdp.split('\\r\\n').filter((l) =>
    !/^a=extmap:\\d+ .*transport-wide-cc/.test(l) && !/^a=rtcp-fb:\\S+ transport-cc$/.test(l)).join('\\r\\n');
  const P = RTCPeerConnection.prototype;
  const createAnswer = P.createAnswer;
  P.createAnswer = async function (...args) {
    const a = await createAnswer.apply(this, args);
    return { type: a.type, sdp: strip(a.sdp) };
  };
  const setLocal = P.setLocalDescription;
  P.setLocalDescription = function (d, ...rest) {
    if (d && d.type === 'answer') d = { type: 'answer', sdp: strip(d.sdp) };
    return setLocal.call(this, d, ...rest);
  };
})();`;

// A two-person family session through net and daemon d: the host's
// Debian Chromium on this side, Dana's in the client namespace, both
// joined and each receiving the other's video. The browsers go into
// `browsers` (the caller closes them, whatever happens). danaInit: a
// script run in Dana's page before the client's (e.g. to change what her
// browser offers). danaFlowing false: her video need only have started
// (the caller judges the rest).
export async function hostAndDana(net, d, browsers, viewport = { width: 900, height: 600 }, danaInit = null, danaFlowing = true) {
  const { people } = await d.session('family', [['Dr. Reyes', 'host'], ['Dana', 'family', { auto_admit: true }]]);
  const [host, dana] = people;
  const args = [...CHROMIUM_ARGS, `--unsafely-treat-insecure-origin-as-secure=${d.base}`];
  const [local, remote] = await Promise.all([
    chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args }),
    chromium.launch({ executablePath: net.chromium, headless: true, args }),
  ]);
  browsers.push(local, remote);
  const hostPage = await openPage(local, host.url, viewport);
  const danaPage = await openPage(remote, dana.url, viewport, danaInit);
  for (const p of [hostPage, danaPage]) await p.getByRole('button', { name: 'Join session' }).click();
  await expectFlowing(hostPage, [`${dana.name}/video`], 'host', 60000);
  if (danaFlowing) await expectFlowing(danaPage, [`${host.name}/video`], dana.name, 60000);
  else await until(`${dana.name}: ${host.name}/video arriving`, async () => (await inboundVideo(danaPage))[`${host.name}/video`] > 0 || null, 60000);
  return { host, dana, hostPage, danaPage };
}
