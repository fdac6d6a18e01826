// Telling someone who is looking elsewhere that something needs them: a
// person in the waiting room, a chat message. A short chime (at most one
// every few seconds), the count in the tab's title until the page is looked
// at again, and a browser notification while the page is hidden, when the
// person allowed them (asked only from a button they press).

const CHIME_GAP_MS = 3000;

export class Alerts {
  constructor() {
    this.baseTitle = document.title;
    this.unseen = 0;
    this.lastChime = 0;
    this.audio = null;
    this.chimes = 0; // how many played (tests read it)
    const seen = () => {
      if (!document.hidden) this.seen();
    };
    document.addEventListener('visibilitychange', seen);
    window.addEventListener('focus', seen);
  }

  // Browser notifications: whether they could be asked for, and asking.
  get canAsk() {
    return typeof Notification !== 'undefined' && Notification.permission === 'default';
  }

  async ask() {
    if (!this.canAsk) return typeof Notification !== 'undefined' && Notification.permission === 'granted';
    return (await Notification.requestPermission()) === 'granted';
  }

  // Something happened that needs the person: text says what, in words
  // without names of people for the notification (shown on a lock screen).
  notify(title, privateText) {
    this.unseen++;
    document.title = `(${this.unseen}) ${title} \u2013 ${this.baseTitle}`;
    this.chime();
    if (document.hidden && typeof Notification !== 'undefined' && Notification.permission === 'granted') {
      try {
        const n = new Notification(privateText, { tag: 'hearth', silent: true });
        n.onclick = () => {
          window.focus();
          n.close();
        };
      } catch {
        // Some browsers allow notifications only from a service worker.
      }
    }
  }

  seen() {
    if (!this.unseen) return;
    this.unseen = 0;
    document.title = this.baseTitle;
  }

  // Two soft tones, quiet: a prompt, not an alarm.
  chime() {
    const now = Date.now();
    if (now - this.lastChime < CHIME_GAP_MS || typeof AudioContext === 'undefined') return;
    this.lastChime = now;
    try {
      this.audio ??= new AudioContext();
      this.audio.resume().catch(() => {});
      const t = this.audio.currentTime;
      for (const [freq, at] of [[660, 0], [880, 0.18]]) {
        const osc = this.audio.createOscillator();
        const gain = this.audio.createGain();
        osc.frequency.value = freq;
        gain.gain.setValueAtTime(0.0001, t + at);
        gain.gain.exponentialRampToValueAtTime(0.12, t + at + 0.02);
        gain.gain.exponentialRampToValueAtTime(0.0001, t + at + 0.25);
        osc.connect(gain).connect(this.audio.destination);
        osc.start(t + at);
        osc.stop(t + at + 0.3);
      }
      this.chimes++;
    } catch {
      // No sound: the title and the notification still tell.
    }
  }

  stop() {
    this.seen();
    this.audio?.close().catch(() => {});
  }
}
