// Being in a session: presence, the grid, our microphone/camera/screen,
// moderation for hosts, chat, raised hands, and reconnecting. The server
// decides everything; this page asks and shows.

import { Alerts } from './alerts.js';
import { Chat } from './chat.js';
import { DevicePanel } from './device_panel.js';
import { explainMediaError, openMedia, stopStream } from './devices.js';
import { Grid } from './grid.js';
import { Hints } from './hints.js';
import { HostPanel } from './host.js';
import { Publisher, Subscriber } from './media.js';
import { MediaPathWatch } from './reach.js';
import { $, confirmDialog, show } from './screens.js';

// How long a media connection may stay "disconnected" before we restart ICE,
// and between restarts while it stays down (however long: the relay keeps
// our connections while we are in the session, and the first restart after
// the network is back brings media back). Each restart is one offer and
// answer over the WebSocket.
const ICE_RESTART_AFTER_MS = 2000;
// With TURN servers the first restart comes sooner: Chromium calls a
// connection "disconnected" only after ~5 s without answers, and a UDP path
// that died (a firewall) is not coming back, while the restart's relay
// candidates (TCP/TLS) get through. tests/e2e/test_turn.mjs, on a loaded
// machine: media back 7.7 s after UDP was dropped with 2 s, 7.1 s with this.
const ICE_RESTART_WITH_TURN_MS = 300;
// Narrow screens (phones): the side panels are a sheet over the video.
const PHONE = window.matchMedia('(max-width: 720px)');

const PANELS = ['host', 'chat', 'devices'];

export class Session {
  // joined: the join.ok (or resume.ok) answer; media: {stream, mic, camera,
  // audioId, videoId, speakerId}; onEnd(code, detail) when the visit ends.
  constructor(signal, joined, media, onEnd) {
    this.signal = signal;
    this.me = joined.you;
    this.info = joined.session ?? {};
    this.onEnd = onEnd;
    this.media = media;
    this.stream = media.stream;
    this.micOn = media.mic && !!this.stream.getAudioTracks().length;
    this.camOn = media.camera && !!this.stream.getVideoTracks().length;
    this.hostMuted = new Map(); // kind -> locked
    this.participants = new Map();
    this.waiting = new Map();
    this.roster = [];
    this.hands = new Set();
    this.sources = new Map(); // "participant/stream id" -> camera/microphone/screen
    this.streams = [];
    this.screenTrack = null;
    this.handRaised = false;
    this.admitted = false;
    this.grid = new Grid($('#grid'), (page, pages) => this.showPages(page, pages));
    this.audioOnly = false;
    this.hints = new Hints((streams) => signal.request('subscribe.hint', { streams }));
    this.grid.setSpeaker(media.speakerId || '');
    this.publisher = new Publisher(signal, (state) => this.connectionChanged('publish', state));
    // ?simulcast=0: the camera as one encoding (diagnosis, comparisons).
    this.publisher.simulcast = new URLSearchParams(location.search).get('simulcast') !== '0';
    this.subscriber = new Subscriber(signal, (list) => this.setStreams(list), (state) => this.connectionChanged('subscribe', state));
    this.chat = new Chat($('#chat-panel'), (text, to) => signal.request('chat', to ? { text, to } : { text }));
    this.host = new HostPanel($('#host-panel'), this.hostActions());
    this.alerts = new Alerts();
    this.unread = 0;
    this.devices = new DevicePanel($('#devices-panel'), {
      current: () => ({
        videoId: this.stream.getVideoTracks()[0]?.getSettings().deviceId,
        audioId: this.stream.getAudioTracks()[0]?.getSettings().deviceId,
        speakerId: this.media.speakerId,
      }),
      switchTrack: (kind, deviceId) => this.switchDevice(kind, deviceId),
      switchSpeaker: (deviceId) => {
        this.media.speakerId = deviceId;
        this.grid.setSpeaker(deviceId);
      },
    });
    this.connections = {}; // publish/subscribe -> its RTCPeerConnection's state
    this.wasUp = {}; // publish/subscribe -> it was connected once
    this.reach = new MediaPathWatch($('#media-blocked'), () => this.showConnection());
    this.setIceServers(joined.ice_servers);
    this.listen();
    this.wireControls();
    this.presence(joined);
  }

  get moderator() {
    return !!this.me.permissions?.moderate;
  }

  get workshop() {
    return this.info.kind === 'workshop';
  }

  // join.ok / resume.ok / admitted: who is here (and, for hosts, waiting).
  presence(msg) {
    if (msg.state === 'waiting') {
      $('#waiting-session').textContent = this.info.title || 'this session';
      show('waiting');
      return;
    }
    this.participants = new Map((msg.participants ?? []).map((p) => [p.participant_id, p]));
    if (msg.waiting) this.waiting = new Map(msg.waiting.map((p) => [p.participant_id, p]));
    if (msg.roster) this.roster = msg.roster;
    if (!this.admitted) this.enter();
    this.render();
    if ('speaker' in msg) this.activeSpeaker(msg.speaker);
  }

  // The active speaker (docs/protocol.md): its tile is highlighted.
  activeSpeaker(id) {
    this.grid.setActiveSpeaker(id === this.me.participant_id ? 'self' : id ?? null);
  }

  enter() {
    this.admitted = true;
    document.body.dataset.state = 'session';
    $('#session-title').textContent = this.info.title || 'Session';
    show('session');
    $('#toggle-host').hidden = !this.moderator;
    $('#toggle-hand').hidden = !this.workshop || this.moderator;
    $('#toggle-screen').hidden = !this.me.permissions?.share_screen || !navigator.mediaDevices?.getDisplayMedia;
    // On a phone the panels are a sheet over the video: opened by the
    // person, not at entry (the button counts who waits).
    if (this.moderator && !PHONE.matches) this.togglePanel('host', true);
    if (this.moderator && this.alerts.canAsk) $('#alerts-ask').hidden = false;
    this.applyLocalTracks();
    // The sheet of panels sits just above the controls, whatever their height.
    const controls = $('.controls');
    this.controlsObserver = new ResizeObserver(() =>
      document.documentElement.style.setProperty('--controls-height', `${controls.offsetHeight}px`));
    this.controlsObserver.observe(controls);
    this.reach.start();
    this.startMedia();
  }

  async startMedia() {
    try {
      if (this.me.permissions?.subscribe) await this.subscriber.start();
      await this.publish();
      await this.sendMediaState();
    } catch (err) {
      this.notice(`Media could not start: ${err.message}`);
    }
  }

  // Sends what our permissions allow of what we have.
  async publish() {
    const perms = this.me.permissions ?? {};
    if ((perms.publish_audio && !this.stream.getAudioTracks().length) || (perms.publish_video && !this.stream.getVideoTracks().length))
      await this.openMissing(perms);
    await this.publisher.update({
      audio: perms.publish_audio ? this.stream.getAudioTracks()[0] ?? null : null,
      camera: perms.publish_video ? this.stream.getVideoTracks()[0] ?? null : null,
      screen: perms.share_screen ? this.screenTrack : null,
    });
  }

  // A viewer granted the floor opens the devices it had no use for before.
  async openMissing(perms) {
    const audio = perms.publish_audio && !this.stream.getAudioTracks().length && !this.media.noAudio;
    const video = perms.publish_video && !this.stream.getVideoTracks().length && !this.media.noVideo;
    if (!audio && !video) return;
    try {
      const extra = await openMedia({ audio, video, audioId: this.media.audioId, videoId: this.media.videoId });
      for (const t of extra.getTracks()) this.stream.addTrack(t);
      if (audio) this.micOn = true;
      if (video) this.camOn = true;
      this.applyLocalTracks();
    } catch {
      this.media.noAudio ||= audio;
      this.media.noVideo ||= video;
    }
  }

  applyLocalTracks() {
    for (const t of this.stream.getAudioTracks()) t.enabled = this.micOn && !this.hostMuted.has('audio');
    for (const t of this.stream.getVideoTracks()) t.enabled = this.camOn && !this.hostMuted.has('video');
    const micLive = this.micOn && !this.hostMuted.has('audio') && this.stream.getAudioTracks().length > 0;
    const camLive = this.camOn && !this.hostMuted.has('video') && this.stream.getVideoTracks().length > 0;
    const mic = $('#toggle-mic');
    mic.textContent = micLive ? 'Mute microphone' : this.hostMuted.get('audio') ? 'Microphone locked by host' : 'Unmute microphone';
    mic.dataset.active = String(micLive);
    mic.disabled = !this.stream.getAudioTracks().length || this.hostMuted.get('audio') === true;
    const cam = $('#toggle-camera');
    cam.textContent = camLive ? 'Turn camera off' : this.hostMuted.get('video') ? 'Camera locked by host' : 'Turn camera on';
    cam.dataset.active = String(camLive);
    cam.disabled = !this.stream.getVideoTracks().length || this.hostMuted.get('video') === true;
    this.grid.setSelf(this.stream, this.me.display_name, { audio: micLive, video: camLive, muted: [...this.hostMuted.keys()] });
    // Camera off: nothing is sent (a disabled track would still send black frames).
    this.publisher.setPaused('camera', !camLive).catch(() => {});
  }

  // "Audio only": no video is received (every tile reported hidden, the
  // server forwards none), names and avatars instead.
  toggleAudioOnly() {
    this.audioOnly = !this.audioOnly;
    this.grid.setAudioOnly(this.audioOnly);
    this.hints.setAudioOnly(this.audioOnly);
    const b = $('#toggle-audio-only');
    b.textContent = this.audioOnly ? 'Show video' : 'Audio only';
    b.dataset.active = String(this.audioOnly);
  }

  showPages(page, pages) {
    $('#pager').hidden = pages < 2;
    $('#page-label').textContent = `Page ${page + 1} of ${pages}`;
    $('#page-prev').disabled = page === 0;
    $('#page-next').disabled = page >= pages - 1;
  }

  sendMediaState() {
    const audio = this.micOn && !this.hostMuted.has('audio') && this.stream.getAudioTracks().length > 0;
    const video = this.camOn && !this.hostMuted.has('video') && this.stream.getVideoTracks().length > 0;
    return this.signal.request('media.state', { audio, video }).catch(() => {});
  }

  async toggle(kind) {
    const on = kind === 'audio' ? !this.micOn : !this.camOn;
    if (on && this.hostMuted.has(kind)) {
      try {
        await this.signal.request('unmute', { kind });
      } catch (err) {
        this.notice(err.code === 'locked' ? 'The host has locked this. Ask them in the chat.' : err.message);
        return;
      }
      this.hostMuted.delete(kind);
    }
    if (kind === 'audio') this.micOn = on;
    else this.camOn = on;
    this.applyLocalTracks();
    await this.sendMediaState();
  }

  async toggleScreen() {
    const button = $('#toggle-screen');
    if (this.screenTrack) {
      this.screenTrack.stop();
      this.screenTrack = null;
    } else {
      try {
        const shared = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
        this.screenTrack = shared.getVideoTracks()[0];
        this.screenTrack.addEventListener('ended', () => {
          if (this.screenTrack) this.toggleScreen();
        });
      } catch {
        return; // the person cancelled the browser's picker
      }
    }
    button.textContent = this.screenTrack ? 'Stop sharing' : 'Share screen';
    button.dataset.active = String(!!this.screenTrack);
    try {
      await this.publish();
    } catch (err) {
      this.notice(`Screen sharing failed: ${err.message}`);
    }
  }

  async toggleHand() {
    this.handRaised = !this.handRaised;
    try {
      await this.signal.request('hand', { raised: this.handRaised });
    } catch (err) {
      this.handRaised = !this.handRaised;
      this.notice(err.message);
    }
    const b = $('#toggle-hand');
    b.textContent = this.handRaised ? 'Lower hand' : 'Raise hand';
    b.dataset.active = String(this.handRaised);
  }

  togglePanel(name, force) {
    const panel = $(`#${name}-panel`);
    const open = force ?? panel.hidden;
    // A sheet on a phone holds one panel at a time.
    if (open && PHONE.matches)
      for (const other of PANELS) if (other !== name && !$(`#${other}-panel`).hidden) this.togglePanel(other, false);
    panel.hidden = !open;
    $(`#toggle-${name}`).setAttribute('aria-expanded', String(open));
    $('#side').hidden = PANELS.every((p) => $(`#${p}-panel`).hidden);
    if (open && name === 'chat') {
      this.unread = 0;
      this.showUnread();
      $('#chat-text').focus();
    }
    if (open && name === 'devices') this.devices.open();
    if (open) this.alerts.seen();
  }

  // The chat button counts messages that came while the chat was closed.
  showUnread() {
    const b = $('#toggle-chat');
    b.textContent = this.unread ? `Chat (${this.unread} unread)` : 'Chat';
    b.classList.toggle('unread', this.unread > 0);
  }

  // Another camera or microphone during the call: the new track replaces
  // the old in what we send (no renegotiation of the m-line), the old one
  // stops. Returns an error's words, or null.
  async switchDevice(kind, deviceId) {
    const video = kind === 'video';
    let fresh;
    try {
      fresh = await openMedia({ audio: !video, video, audioId: video ? undefined : deviceId, videoId: video ? deviceId : undefined });
    } catch (err) {
      return explainMediaError(err);
    }
    const track = video ? fresh.getVideoTracks()[0] : fresh.getAudioTracks()[0];
    if (!track) return explainMediaError(null);
    const old = video ? this.stream.getVideoTracks() : this.stream.getAudioTracks();
    for (const t of old) {
      this.stream.removeTrack(t);
      t.stop();
    }
    this.stream.addTrack(track);
    if (video) this.media.videoId = deviceId;
    else this.media.audioId = deviceId;
    this.applyLocalTracks();
    await this.publish();
    return null;
  }

  wireControls() {
    const on = (id, fn) => ($(id).onclick = fn);
    on('#toggle-mic', () => this.toggle('audio'));
    on('#toggle-camera', () => this.toggle('video'));
    on('#toggle-screen', () => this.toggleScreen());
    on('#toggle-hand', () => this.toggleHand());
    on('#toggle-audio-only', () => this.toggleAudioOnly());
    on('#page-prev', () => this.grid.turnPage(-1));
    on('#page-next', () => this.grid.turnPage(1));
    on('#toggle-chat', () => this.togglePanel('chat'));
    on('#toggle-host', () => this.togglePanel('host'));
    on('#toggle-devices', () => this.togglePanel('devices'));
    for (const name of PANELS) on(`#close-${name}`, () => this.togglePanel(name, false));
    on('#alerts-ask', async () => {
      await this.alerts.ask();
      $('#alerts-ask').hidden = true;
    });
    on('#leave', () => this.leave());
    on('#waiting-leave', () => this.leave());
  }

  hostActions() {
    const act = (type, fields) => this.signal.request(type, fields).catch((err) => this.notice(err.message));
    return {
      admit: (id) => act('admit', { participant_id: id }),
      deny: async (id, name) => {
        const answer = await confirmDialog(`Turn ${name} away? They will be disconnected.`, 'Deny', { reason: true });
        if (answer) act('deny', answer.reason ? { participant_id: id, reason: answer.reason } : { participant_id: id });
      },
      mute: (id, kind, lock) => act('mute', { participant_id: id, kind, lock }),
      unmute: (id, kind) => act('unmute', { participant_id: id, kind }),
      remove: async (id, name) => {
        if (await confirmDialog(`Remove ${name} from the session? Their link will stop working.`, 'Remove'))
          act('remove', { participant_id: id });
      },
      toWaiting: (id) => act('to_waiting', { participant_id: id }),
      grant: (id) => act('grant', { participant_id: id, publish: ['audio', 'video'] }),
      revoke: (id) => act('revoke', { participant_id: id }),
      end: async () => {
        // Ends today's occurrence only: a weekly session and its links go on next time.
        if (await confirmDialog("End today's session for everyone? Everyone is disconnected; a weekly session meets again as scheduled, with the same links.", 'End session')) act('end', {});
      },
    };
  }

  listen() {
    const s = this.signal;
    s.on('admitted', (msg) => this.presence({ ...msg, state: 'admitted' }));
    s.on('waiting', () => this.backToWaiting());
    s.on('participant.joined', ({ participant }) => {
      this.participants.set(participant.participant_id, participant);
      this.render();
    });
    s.on('participant.left', ({ participant_id }) => {
      this.participants.delete(participant_id);
      this.hands.delete(participant_id);
      this.grid.removePerson(participant_id);
      this.render();
    });
    s.on('participant.reconnecting', ({ participant_id }) => this.update(participant_id, { reconnecting: true }));
    s.on('participant.reconnected', ({ participant_id }) => this.update(participant_id, { reconnecting: false }));
    s.on('speaker', ({ participant_id }) => this.activeSpeaker(participant_id));
    // The relay has no room on our downlink for (some of) the videos we
    // show: their sound goes on (docs/protocol.md, "Bandwidth").
    // Shown at once; gone once video has flowed again for 5 s (the relay
    // tries again now and then: a try that fails is no news).
    // Dynacast: the encodings of our camera somebody takes; the others
    // are not encoded at all (docs/protocol.md, "publish.layers").
    s.on('publish.layers', ({ mid, rids }) => this.publisher.setLayers(mid, rids).catch(() => {}));
    s.on('video.paused', ({ streams }) => {
      clearTimeout(this.bandwidthTimer);
      if (streams > 0) $('#bandwidth-notice').hidden = false;
      else this.bandwidthTimer = setTimeout(() => ($('#bandwidth-notice').hidden = true), 5000);
    });
    s.on('participant.media', ({ participant_id, audio, video }) => this.update(participant_id, { audio, video }));
    s.on('participant.muted', (msg) => this.muted(msg, true));
    s.on('participant.unmuted', (msg) => this.muted(msg, false));
    s.on('waiting.added', ({ participant }) => {
      const fresh = !this.waiting.has(participant.participant_id);
      this.waiting.set(participant.participant_id, participant);
      this.render();
      // No names in the title or a notification: a shared screen or a
      // lock screen shows them.
      if (fresh && this.moderator) this.alerts.notify('Someone is waiting', 'Someone is waiting to join your session');
    });
    s.on('waiting.removed', ({ participant_id }) => {
      this.waiting.delete(participant_id);
      this.render();
    });
    s.on('hand', ({ participant_id, raised }) => {
      if (raised) this.hands.add(participant_id);
      else this.hands.delete(participant_id);
      this.render();
    });
    s.on('permissions', ({ participant_id, permissions }) => this.permissions(participant_id, permissions));
    // Stream ids are a publisher's own: the key names the person too.
    s.on('stream.added', ({ participant_id, stream }) => {
      this.sources.set(`${participant_id}/${stream.id}`, stream.source);
      this.setStreams(this.streams);
    });
    s.on('stream.removed', ({ participant_id, stream }) => this.sources.delete(`${participant_id}/${stream.id}`));
    s.on('subscribe.offer', (msg) =>
      this.subscriber.offer(msg).then(() => this.hints.resend(), (err) => this.notice(`Video could not update: ${err.message}`)));
    s.on('chat', ({ from, text, private: priv }) => {
      this.chat.add(this.participants.get(from)?.display_name ?? 'Someone', text, priv ? true : '');
      if (!$('#chat-panel').hidden && !document.hidden) return;
      if ($('#chat-panel').hidden) this.unread++;
      this.showUnread();
      this.alerts.notify('New message', 'A new message in your session');
    });
    s.on('session.ending', ({ at }) => this.notice(`The session ends at ${new Date(at).toLocaleTimeString(undefined, { hour: 'numeric', minute: '2-digit' })}.`));
    s.on('session.ended', ({ reason }) => this.end(reason === 'schedule' ? 'schedule' : 'ended'));
    s.on('bye', ({ reason }) => this.end(reason === 'removed' ? 'removed' : reason === 'replaced' ? 'replaced' : 'ended'));
    s.on('denied', ({ reason }) => this.end('denied', { reason }));
    s.on('reconnecting', () => this.setConnection('reconnecting'));
    // The server restarts: not an error; the seat is taken back on the
    // next process (signal.js) and the media start anew there.
    s.on('server.restarting', () => this.setConnection('reconnecting'));
    s.on('ice.servers', ({ ice_servers }) => this.setIceServers(ice_servers));
    s.on('resumed', (msg) => {
      this.setIceServers(msg.ice_servers);
      this.showConnection();
      if (msg.state !== 'waiting') this.presence(msg);
      else if (this.admitted) this.backToWaiting(); // sent back while we were away
      if (msg.renegotiate) this.renewMedia();
      else this.restartBroken();
      this.hints.resend();
    });
    s.on('lost', ({ code }) => this.end(code === 'resume_expired' ? 'resume_expired' : code));
    s.on('closed', () => this.end('resume_expired'));
  }

  // A host sent us back to the waiting room (docs/protocol.md): the server
  // cut our media already; we close our connections and show the waiting
  // screen. Admitted again, we start afresh (presence, enter, startMedia).
  backToWaiting() {
    this.admitted = false;
    this.publisher.close();
    this.subscriber.close();
    for (const timer of Object.values(this.restartTimers ?? {})) clearTimeout(timer);
    this.connections = {};
    this.wasUp = {};
    this.controlsObserver?.disconnect();
    this.reach.stop();
    for (const map of [this.participants, this.waiting, this.sources]) map.clear();
    this.hands.clear();
    this.handRaised = false;
    this.setStreams([]);
    for (const key of [...this.grid.tiles.keys()]) if (key !== 'self') this.grid.remove(key);
    $('#waiting-title').textContent = 'The host asked you to wait a moment';
    $('#waiting-session').textContent = this.info.title || 'this session';
    show('waiting');
  }

  update(id, fields) {
    const p = this.participants.get(id);
    if (!p) return;
    Object.assign(p, fields);
    this.render();
  }

  muted({ participant_id, kind, locked }, on) {
    if (participant_id === this.me.participant_id) {
      if (on) {
        this.hostMuted.set(kind, !!locked);
        this.notice(`The host turned off your ${kind === 'audio' ? 'microphone' : 'camera'}${locked ? ' and locked it' : ''}.`);
      } else {
        this.hostMuted.delete(kind);
        this.notice(`The host allows your ${kind === 'audio' ? 'microphone' : 'camera'} again; turn it on when you are ready.`);
        if (kind === 'audio') this.micOn = false;
        else this.camOn = false;
      }
      this.applyLocalTracks();
      this.sendMediaState();
      return;
    }
    const p = this.participants.get(participant_id);
    if (!p) return;
    const muted = new Set(p.muted ?? []);
    if (on) muted.add(kind);
    else muted.delete(kind);
    p.muted = [...muted];
    this.render();
  }

  permissions(id, perms) {
    if (id === this.me.participant_id) {
      const before = this.me.permissions ?? {};
      this.me.permissions = perms;
      const granted = (perms.publish_audio && !before.publish_audio) || (perms.publish_video && !before.publish_video);
      this.notice(granted ? 'The host invited you to speak: your microphone and camera are on.' : 'You are watching and listening.');
      if (granted && this.handRaised) this.toggleHand();
      this.publish().then(() => this.sendMediaState()).catch((err) => this.notice(err.message));
      this.applyLocalTracks();
      return;
    }
    const p = this.participants.get(id);
    if (p) {
      p.granted = this.workshop && !!(perms.publish_audio || perms.publish_video);
      this.render();
    }
  }

  setStreams(list) {
    this.streams = list;
    // A stream announced before we joined has no stream.added here: by the
    // server's rule, a person's first video is the camera, a second the
    // screen (offers keep each person's streams in order).
    const guessed = new Map();
    const seen = new Map();
    for (const s of list) {
      if (s.kind !== 'video') continue;
      const n = seen.get(s.participantId) ?? 0;
      seen.set(s.participantId, n + 1);
      guessed.set(`${s.participantId}/${s.streamId}`, n ? 'screen' : 'camera');
    }
    const sourceOf = (s) => {
      const key = `${s.participantId}/${s.streamId}`;
      return this.sources.get(key) ?? guessed.get(key);
    };
    this.hints.track(this.grid.setStreams(list, sourceOf, (pid) => this.participants.get(pid)?.display_name ?? null));
  }

  render() {
    for (const p of this.participants.values()) this.grid.setPerson(p, p);
    this.setStreams(this.streams);
    this.chat.setPeople([...this.participants.values()]);
    if (this.moderator) {
      const roster = this.roster.map((r) => ({ ...r, self: r.roster_entry_id === this.me.roster_entry_id }));
      this.host.render({ waiting: this.waiting, participants: this.participants, roster, hands: this.hands, workshop: this.workshop });
      $('#toggle-host').textContent = this.waiting.size ? `Host controls (${this.waiting.size} waiting)` : 'Host controls';
    }
  }

  notice(text) {
    const n = $('#session-notice');
    n.textContent = text;
    n.hidden = false;
    clearTimeout(this.noticeTimer);
    this.noticeTimer = setTimeout(() => (n.hidden = true), 8000);
  }

  // TURN servers (docs/protocol.md, "TURN"): for both connections, now and
  // for every ICE restart after.
  setIceServers(iceServers) {
    if (!Array.isArray(iceServers)) return;
    this.iceServers = iceServers;
    this.publisher.setIceServers(iceServers);
    this.subscriber.setIceServers(iceServers);
  }

  setConnection(state) {
    const c = $('#connection');
    if (c.dataset.state === state) return;
    c.dataset.state = state;
    c.textContent = { good: 'Connected', reconnecting: 'Reconnecting…', blocked: 'No video connection' }[state];
    $('#reconnecting').hidden = state !== 'reconnecting';
  }

  // A media connection that was up and is not now: media is down. One that
  // never came up yet (joining) is not "reconnecting".
  down(which) {
    const state = this.connections[which];
    return !!this.wasUp[which] && state !== 'connected' && state !== 'closed';
  }

  // "Reconnecting…" while the WebSocket or any media connection is down,
  // "Connected" once everything is back.
  showConnection() {
    const down = !this.signal.ws || Object.keys(this.connections).some((which) => this.down(which));
    // A connection that was up and is down says "Reconnecting…" (the alert
    // explains too after 10 s); one that never came up says so.
    this.setConnection(down ? 'reconnecting' : this.reach.blocked ? 'blocked' : 'good');
  }

  // A media connection that drops while signaling is up: after a moment,
  // an ICE restart (a network change, e.g. Wi-Fi to mobile data, or the
  // network coming back after an outage).
  connectionChanged(which, state) {
    this.connections[which] = state;
    this.wasUp ??= {};
    if (state === 'connected') this.wasUp[which] = true;
    this.restartTimers ??= {};
    clearTimeout(this.restartTimers[which]);
    const wait = state === 'failed' ? 0 : this.iceServers?.length ? ICE_RESTART_WITH_TURN_MS : ICE_RESTART_AFTER_MS;
    if (this.down(which) || state === 'failed') this.restartTimers[which] = setTimeout(() => this.restart(which), wait);
    this.reach.update(this.connections);
    this.showConnection();
  }

  // One restart at a time per connection: a state change while one is on
  // its way (a slow answer, a resume) waits for it, and a connection still
  // down a moment after it restarts again, for as long as it stays down
  // (an outage may last minutes; each try is one offer and answer).
  restart(which) {
    if (!this.signal.ws || this.ended) return; // resumed first, then restarted
    this.restarting ??= {};
    if (this.restarting[which]) return;
    this.restarting[which] = true;
    const target = which === 'publish' ? this.publisher : this.subscriber;
    target
      .restartIce()
      .catch(() => {})
      .finally(() => {
        this.restarting[which] = false;
        this.restartTimers ??= {};
        clearTimeout(this.restartTimers[which]);
        this.restartTimers[which] = setTimeout(() => {
          if (this.down(which) || this.connections[which] === 'failed') this.restart(which);
        }, ICE_RESTART_AFTER_MS);
      });
  }

  // After a server restart (resume.ok "renegotiate"): the relay knows
  // nothing of our connections, so both start anew (new ICE, DTLS and
  // streams); "Reconnecting…" shows until they are up.
  renewMedia() {
    if (!this.admitted) return; // someone waiting starts media once admitted
    for (const timer of Object.values(this.restartTimers ?? {})) clearTimeout(timer);
    for (const which of Object.keys(this.connections)) this.connections[which] = 'new';
    this.publisher.closePc();
    this.subscriber.close();
    this.showConnection();
    this.startMedia();
  }

  restartBroken() {
    for (const [which, state] of Object.entries(this.connections))
      if (this.down(which) || state === 'failed') this.restart(which);
  }

  async leave() {
    await this.signal.leave();
    this.end('left');
  }

  end(code, detail = {}) {
    if (this.ended) return;
    this.ended = true;
    this.publisher.close();
    this.subscriber.close();
    if (this.screenTrack) this.screenTrack.stop();
    stopStream(this.stream);
    this.hints.stop();
    this.alerts.stop();
    this.controlsObserver?.disconnect();
    this.reach.stop();
    this.grid.stop();
    for (const key of [...this.grid.tiles.keys()]) this.grid.remove(key);
    this.signal.close();
    this.onEnd(code, detail);
  }
}
