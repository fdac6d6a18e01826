// The WebSocket to hearthd (docs/protocol.md): requests matched to their
// answers by id, server events, and taking the seat back after a drop.

const PROTOCOL = 'hearth.v1';
const RESUME_WINDOW_MS = 30000;
// A server that restarts (server.restarting) is back within a second or
// two: tried this often until it is, rather than backing off to 4 s.
const RESTART_RETRY_MS = 500;
// A socket that answers no ping for this long is dead (a network change can
// leave TCP stalled without closing it): drop it and resume.
const HEARTBEAT_MS = 5000;
// Events after which the server closes the socket for good: no resume.
const FINAL_EVENTS = new Set(['bye', 'denied', 'session.ended']);
// Several nodes: wrong_node answers followed in a row at most.
const MAX_HOPS = 3;

export class SignalError extends Error {
  constructor(error) {
    super(error.message || error.code);
    this.code = error.code;
    this.detail = error;
  }
}

function wsUrl() {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}/ws`;
}

// The WebSocket of the node a wrong_node answer names (its public URL), or
// null for anything but an http(s) URL.
function nodeWsUrl(url) {
  let u;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
  return `${u.protocol === 'https:' ? 'wss:' : 'ws:'}//${u.host}/ws`;
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export class Signal extends EventTarget {
  constructor() {
    super();
    this.ws = null;
    this.nextId = 1;
    this.pending = new Map();
    this.resumeToken = null;
    this.resuming = false;
    this.trace = [];
    this.finished = false; // left, removed, denied, ended: never resume
    this.restartAfterMs = null; // the server said it restarts: wait this, retry often
    // Several nodes (docs/protocol.md, "Several nodes"): the node serving
    // this session, and the page's own origin (the cluster's entry), which
    // a resume goes back to when that node is gone.
    this.entryUrl = wsUrl();
    this.url = this.entryUrl;
  }

  on(type, handler) {
    this.addEventListener(type, (event) => handler(event.detail));
  }

  emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  connect() {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(this.url, PROTOCOL);
      ws.onopen = () => {
        this.ws = ws;
        this.heartbeat(ws);
        resolve();
      };
      ws.onerror = () => reject(new SignalError({ code: 'unreachable', message: 'cannot reach the server' }));
      ws.onmessage = (event) => this.receive(event.data);
      ws.onclose = () => {
        if (this.ws === ws) this.dropped();
        else reject(new SignalError({ code: 'unreachable', message: 'cannot reach the server' }));
      };
    });
  }

  heartbeat(ws) {
    clearInterval(this.beat);
    this.beat = setInterval(() => {
      if (this.ws !== ws) {
        clearInterval(this.beat);
        return;
      }
      const timer = setTimeout(() => {
        if (this.ws !== ws) return;
        ws.onclose = null;
        ws.close();
        this.dropped();
      }, HEARTBEAT_MS);
      this.request('ping').then(() => clearTimeout(timer), () => clearTimeout(timer));
    }, HEARTBEAT_MS);
  }

  request(type, fields = {}) {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN)
      return Promise.reject(new SignalError({ code: 'disconnected', message: 'not connected' }));
    const id = this.nextId++;
    this.ws.send(JSON.stringify({ type, id, ...fields }));
    return new Promise((resolve, reject) => this.pending.set(id, { type, resolve, reject }));
  }

  receive(text) {
    let msg;
    try {
      msg = JSON.parse(text);
    } catch {
      return;
    }
    if (msg.resume_token) this.resumeToken = msg.resume_token;
    // The last messages' types (nothing they carry), for troubleshooting.
    this.trace.push(`${msg.type}${msg.version ? ' v' + msg.version : ''}${msg.error ? ' ' + msg.error.code : ''}`);
    if (this.trace.length > 40) this.trace.shift();
    const waiter = msg.id !== undefined ? this.pending.get(msg.id) : undefined;
    // Another node serves the session: this socket is done (the server
    // closes it), and its closing is no drop to resume from.
    if (msg.type === 'error' && msg.error?.code === 'wrong_node') this.detach();
    if (waiter) {
      this.pending.delete(msg.id);
      if (msg.type === 'error') waiter.reject(new SignalError(msg.error));
      else waiter.resolve(msg);
      return;
    }
    if (FINAL_EVENTS.has(msg.type)) this.finished = true;
    if (msg.type === 'server.restarting') this.restartAfterMs = Math.min(Math.max(Number(msg.retry_after_ms) || 0, 0), 5000);
    this.emit(msg.type, msg);
  }

  detach() {
    clearInterval(this.beat);
    const ws = this.ws;
    this.ws = null;
    if (ws) ws.onclose = null;
  }

  // A join or resume, followed to the node that serves the session.
  async requestRouted(type, fields = {}) {
    for (let hop = 0; ; hop++) {
      try {
        return await this.request(type, fields);
      } catch (err) {
        const next = err.code === 'wrong_node' ? nodeWsUrl(err.detail?.url) : null;
        if (!next || hop >= MAX_HOPS) throw err;
        this.url = next;
        await this.connect();
      }
    }
  }

  failPending(code, message) {
    for (const waiter of this.pending.values()) waiter.reject(new SignalError({ code, message }));
    this.pending.clear();
  }

  // The socket closed under us: take the seat back within 30 s, unless the
  // visit is over.
  async dropped() {
    clearInterval(this.beat);
    this.ws = null;
    this.failPending('disconnected', 'the connection dropped');
    if (this.resuming) return; // the loop below goes on
    if (this.finished || !this.resumeToken) {
      this.emit('closed', {});
      return;
    }
    this.emit('reconnecting', {});
    this.resuming = true;
    try {
      await this.resume();
    } finally {
      this.resuming = false;
    }
  }

  async resume() {
    const deadline = Date.now() + RESUME_WINDOW_MS;
    for (let attempt = 0; Date.now() < deadline && !this.finished; attempt++) {
      if (this.restartAfterMs !== null)
        await sleep(attempt ? RESTART_RETRY_MS : Math.max(this.restartAfterMs, RESTART_RETRY_MS));
      else await sleep(Math.min(500 * 2 ** attempt, 4000));
      try {
        await this.connect();
      } catch {
        // The node may be gone for good: back to the entry, where a live
        // node takes the session over once its lease expired.
        this.url = this.entryUrl;
        continue;
      }
      try {
        const ok = await this.requestRouted('resume', { resume_token: this.resumeToken });
        this.restartAfterMs = null;
        this.emit('resumed', ok);
        return;
      } catch (err) {
        // Still the old process, draining: the next one takes the resume.
        if (err.code === 'server_restarting') this.restartAfterMs ??= RESTART_RETRY_MS;
        else if (err.code === 'unreachable' || err.code === 'wrong_node') this.url = this.entryUrl;
        else if (err.code !== 'disconnected') {
          this.finished = true;
          this.close();
          this.emit('lost', { code: err.code });
          return;
        }
      }
    }
    if (!this.finished) {
      this.finished = true;
      this.emit('lost', { code: 'resume_expired' });
    }
  }

  // Leaves for good: the server releases the seat at once.
  async leave() {
    this.finished = true;
    try {
      await this.request('leave');
    } catch {
      // The server releases the seat after 30 s anyway.
    }
    this.close();
  }

  close() {
    clearInterval(this.beat);
    this.finished = true;
    const ws = this.ws;
    this.ws = null;
    if (ws) ws.close(1000);
  }
}
