// Visibility hints (docs/protocol.md, "Visibility hints"): for each video
// we receive, whether it is shown (its tile on screen, the page visible,
// not "Audio only") and its size in device pixels, sent to the server as
// "subscribe.hint" when that changes, so that it forwards nothing for a
// video nobody looks at. Only changes are sent, at most every 250 ms; the
// whole state again after each new subscribe offer and after reconnecting.

const MIN_INTERVAL_MS = 250;
const SIZE_MAX = 16384; // the protocol's limit, each way

export class Hints {
  // send(streams): resolves when the server took the hint.
  constructor(send) {
    this.send = send;
    this.entries = new Map(); // mid -> {el, intersecting, width, height}
    this.sent = new Map(); // mid -> the state last sent, as JSON
    this.audioOnly = false;
    this.lastSent = 0;
    this.timer = null;
    this.io = new IntersectionObserver((records) => {
      for (const r of records) {
        const e = this.byElement(r.target);
        if (e) e.intersecting = r.isIntersecting;
      }
      this.changed();
    });
    this.ro = new ResizeObserver((records) => {
      for (const r of records) {
        const e = this.byElement(r.target);
        if (!e) continue;
        const box = r.devicePixelContentBoxSize?.[0];
        const ratio = window.devicePixelRatio || 1;
        e.width = Math.round(box ? box.inlineSize : r.contentRect.width * ratio);
        e.height = Math.round(box ? box.blockSize : r.contentRect.height * ratio);
      }
      this.changed();
    });
    this.onVisibility = () => this.changed();
    document.addEventListener('visibilitychange', this.onVisibility);
  }

  byElement(el) {
    for (const e of this.entries.values()) if (e.el === el) return e;
    return null;
  }

  // The videos received now: mid -> the <video> element that shows it.
  track(videos) {
    for (const [mid, e] of this.entries) {
      if (videos.get(mid) === e.el) continue;
      this.io.unobserve(e.el);
      this.ro.unobserve(e.el);
      this.entries.delete(mid);
      this.sent.delete(mid);
    }
    for (const [mid, el] of videos) {
      if (this.entries.has(mid)) continue;
      this.entries.set(mid, { el, intersecting: false, width: 0, height: 0 });
      this.io.observe(el);
      this.ro.observe(el);
    }
    this.changed();
  }

  setAudioOnly(on) {
    this.audioOnly = on;
    this.changed();
  }

  // What we tell the server about one video.
  state(mid, e) {
    const visible = !this.audioOnly && document.visibilityState === 'visible' && e.intersecting && e.width > 0 && e.height > 0;
    const clamp = (v) => Math.min(SIZE_MAX, Math.max(0, v));
    return { mid, visible, width: visible ? clamp(e.width) : 0, height: visible ? clamp(e.height) : 0 };
  }

  // Everything again (a new subscribe offer, a resumed connection).
  resend() {
    this.sent.clear();
    this.changed();
  }

  changed() {
    if (this.timer) return;
    const wait = Math.max(50, this.lastSent + MIN_INTERVAL_MS - Date.now());
    this.timer = setTimeout(() => this.flush(), wait);
  }

  flush() {
    this.timer = null;
    const streams = [];
    for (const [mid, e] of this.entries) {
      const s = this.state(mid, e);
      const text = JSON.stringify(s);
      if (this.sent.get(mid) === text) continue;
      this.sent.set(mid, text);
      streams.push(s);
    }
    if (!streams.length) return;
    this.lastSent = Date.now();
    // Refused (the socket is down, or an offer changed the m-lines under
    // it): everything again with the next change or resend.
    this.send(streams).catch(() => this.sent.clear());
  }

  // Whether the server was told mid is shown (for the page's own checks).
  shown(mid) {
    const s = this.sent.get(mid);
    return s ? JSON.parse(s).visible : null;
  }

  stop() {
    clearTimeout(this.timer);
    this.io.disconnect();
    this.ro.disconnect();
    document.removeEventListener('visibilitychange', this.onVisibility);
  }
}
