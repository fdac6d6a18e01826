// The page's start: read the invite token from the address (then take it
// out of the address bar and history), check it, set up camera and
// microphone, join, and hand over to the session.

import { canChooseSpeaker, explainMediaError, LevelMeter, listDevices, openMedia, stopStream } from './devices.js';
import { $, show, showMessage } from './screens.js';
import { Session } from './session.js';
import { Signal } from './signal.js';

const TOKEN_KEY = 'hearth.token';
const TOKEN_PATH = /^\/join\/([A-Za-z0-9_-]{43})\/?$/;

// The token stays in this tab only (sessionStorage), so that a reload
// works but the address bar, history and other sites never see it.
function takeToken() {
  const match = TOKEN_PATH.exec(location.pathname);
  if (match) {
    sessionStorage.setItem(TOKEN_KEY, match[1]);
    history.replaceState(null, '', '/');
    return match[1];
  }
  if (location.pathname.startsWith('/join/')) {
    history.replaceState(null, '', '/');
    return 'malformed';
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

async function checkInvite(token) {
  let response;
  try {
    response = await fetch('/invite/check', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token }),
      cache: 'no-store',
    });
  } catch {
    return { error: { code: 'unreachable' } };
  }
  const body = await response.json().catch(() => ({}));
  return response.ok ? body : { error: body.error ?? { code: 'unknown', message: `HTTP ${response.status}` } };
}

function fillSelect(select, devices, chosen, fallbackLabel) {
  const options = devices.map((d, i) => new Option(d.label || `${fallbackLabel} ${i + 1}`, d.deviceId));
  if (!options.length) options.push(new Option(`No ${fallbackLabel.toLowerCase()} found`, ''));
  select.replaceChildren(...options);
  if (chosen && devices.some((d) => d.deviceId === chosen)) select.value = chosen;
  select.disabled = !devices.length;
}

class PreJoin {
  constructor(token, invite) {
    this.token = token;
    this.invite = invite;
    this.perms = invite.participant.permissions;
    this.stream = new MediaStream();
    this.meter = null;
    this.speakerId = '';
  }

  async start() {
    const { session, participant } = this.invite;
    $('#prejoin-session').textContent = session.title;
    const name = $('#display-name');
    name.value = participant.display_name;
    name.readOnly = !session.names_editable;
    $('#display-name-help').textContent = session.names_editable
      ? 'You can change how your name appears to the others in this session.'
      : 'This is the name your clinician set for you.';
    document.body.dataset.state = 'prejoin';
    show('prejoin');
    const wantsMedia = this.perms.publish_audio || this.perms.publish_video;
    $('#join-camera').closest('.row').hidden = !wantsMedia;
    if (!wantsMedia) this.help('You will watch and listen. The host can invite you to speak.', false);
    $('#speaker-select').hidden = $('#speaker-label').hidden = !canChooseSpeaker();
    $('#camera-select').onchange = () => this.open();
    $('#mic-select').onchange = () => this.open();
    $('#speaker-select').onchange = () => (this.speakerId = $('#speaker-select').value);
    $('#join-camera').onchange = () => this.showPreview();
    $('#prejoin-form').onsubmit = (event) => {
      event.preventDefault();
      this.join();
    };
    if (wantsMedia) await this.open();
  }

  help(text, alert = true) {
    const box = $('#device-help');
    box.textContent = text;
    box.hidden = !text;
    box.setAttribute('role', alert ? 'alert' : 'status');
  }

  async open() {
    this.meter?.stop();
    stopStream(this.stream);
    const audioId = $('#mic-select').value || undefined;
    const videoId = $('#camera-select').value || undefined;
    try {
      this.stream = await openMedia({ audio: this.perms.publish_audio, video: this.perms.publish_video, audioId, videoId });
      this.help('');
    } catch (err) {
      this.stream = new MediaStream();
      // One of the two may still work (a laptop without a camera).
      for (const only of [{ audio: this.perms.publish_audio }, { video: this.perms.publish_video }]) {
        if (!only.audio && !only.video) continue;
        try {
          const partial = await openMedia({ ...only, audioId, videoId });
          for (const t of partial.getTracks()) this.stream.addTrack(t);
        } catch {
          // reported below
        }
      }
      this.help(explainMediaError(err));
    }
    const devices = await listDevices();
    fillSelect($('#camera-select'), devices.cameras, this.stream.getVideoTracks()[0]?.getSettings().deviceId, 'Camera');
    fillSelect($('#mic-select'), devices.mics, this.stream.getAudioTracks()[0]?.getSettings().deviceId, 'Microphone');
    fillSelect($('#speaker-select'), devices.speakers, this.speakerId, 'Speaker');
    this.meter = new LevelMeter(this.stream, $('#mic-level'));
    this.showPreview();
  }

  showPreview() {
    const on = $('#join-camera').checked && this.stream.getVideoTracks().length > 0;
    $('#preview').srcObject = on ? new MediaStream(this.stream.getVideoTracks()) : null;
    $('#preview-off').hidden = on;
  }

  async join() {
    const button = $('#join-button');
    button.disabled = true;
    button.textContent = 'Joining…';
    const signal = new Signal();
    let joined;
    let rename = false;
    try {
      await signal.connect();
      const name = $('#display-name').value.trim();
      rename = this.invite.session.names_editable && name && name !== this.invite.participant.display_name;
      joined = await signal.requestRouted('join', rename ? { v: 1, token: this.token, display_name: name } : { v: 1, token: this.token });
    } catch (err) {
      signal.close();
      button.disabled = false;
      button.textContent = 'Join session';
      if (rename && err.code === 'bad_message') {
        $('#display-name-help').textContent = `That name cannot be used: ${err.message}`;
        $('#display-name').focus();
        return;
      }
      showMessage(err.code, err.detail ?? {}, err.code === 'unreachable' ? { label: 'Try again', action: () => location.reload() } : null);
      return;
    }
    this.meter?.stop();
    $('#preview').srcObject = null;
    const media = {
      stream: this.stream,
      mic: $('#join-mic').checked,
      camera: $('#join-camera').checked,
      audioId: $('#mic-select').value || undefined,
      videoId: $('#camera-select').value || undefined,
      speakerId: this.speakerId,
    };
    joined.session ??= this.invite.session;
    window.hearthSession = new Session(signal, joined, media, (code, detail) => ended(code, detail));
  }
}

function ended(code, detail) {
  const rejoin = ['left', 'resume_expired', 'unreachable'].includes(code) && sessionStorage.getItem(TOKEN_KEY);
  if (!rejoin) sessionStorage.removeItem(TOKEN_KEY);
  showMessage(code, detail, rejoin ? { label: 'Rejoin', action: () => location.reload() } : null);
}

async function boot() {
  if (typeof RTCPeerConnection === 'undefined' || typeof WebSocket === 'undefined') {
    showMessage('unsupported');
    return;
  }
  const token = takeToken();
  if (!token) {
    showMessage('no_link');
    return;
  }
  const invite = await checkInvite(token);
  if (invite.error) {
    if (invite.error.code !== 'unreachable' && invite.error.code !== 'rate_limited') sessionStorage.removeItem(TOKEN_KEY);
    const retry = ['unreachable', 'rate_limited', 'session_not_open_yet'].includes(invite.error.code)
      ? { label: 'Try again', action: () => location.reload() }
      : null;
    showMessage(invite.error.code, invite.error, retry);
    return;
  }
  await new PreJoin(token, invite).start();
}

// Closing the tab is leaving: the others see it at once rather than after
// the 30 s a dropped connection keeps its seat.
addEventListener('pagehide', () => {
  const signal = window.hearthSession?.signal;
  if (signal?.ws) signal.ws.send(JSON.stringify({ type: 'leave' }));
});

boot();
