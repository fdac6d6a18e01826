// Whether media gets through at all (docs/protocol.md, "TURN"). A network
// that blocks UDP (guest, school, corporate Wi-Fi) lets the WebSocket in
// but no media: the page would say "Connected" and show nothing. When a
// media connection that is being set up or was up is not connected within
// MEDIA_PATH_TIMEOUT_MS, the page says so in plain words and what to try;
// the session goes on (ICE keeps trying, TURN over TCP/TLS included) and
// the message goes away as soon as media flows.

export const MEDIA_PATH_TIMEOUT_MS = 10000;

export class MediaPathWatch {
  // element: the banner (role=alert) shown while media is blocked;
  // onChange(blocked) when that changes.
  constructor(element, onChange) {
    this.element = element;
    this.onChange = onChange;
    this.blocked = false;
    this.timer = null;
    this.states = {};
  }

  // A connection still trying: neither up, nor "new" (nothing negotiated
  // yet, e.g. nobody to receive), nor closed.
  pending() {
    return Object.values(this.states).some((s) => s !== 'connected' && s !== 'new' && s !== 'closed');
  }

  // The clock starts when the session's media does (joined, admitted),
  // before any connection reports a state: 10 s from there.
  start() {
    if (this.timer || this.blocked) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.set(this.pending());
    }, MEDIA_PATH_TIMEOUT_MS);
  }

  // states: publish/subscribe -> RTCPeerConnection.connectionState.
  update(states) {
    this.states = { ...states };
    if (!this.pending()) {
      clearTimeout(this.timer);
      this.timer = null;
      this.set(false);
    } else {
      this.start();
    }
  }

  set(blocked) {
    if (this.blocked === blocked) return;
    this.blocked = blocked;
    this.element.hidden = !blocked;
    this.onChange(blocked);
  }

  stop() {
    clearTimeout(this.timer);
    this.timer = null;
  }
}
