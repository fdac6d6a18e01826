// Changing camera, microphone or speaker during the call (a headset
// plugged in, the laptop's camera swapped for a better one): the lists are
// read when the panel opens; a choice takes effect at once.

import { canChooseSpeaker, listDevices } from './devices.js';

function fill(select, devices, chosen, label) {
  const options = devices.map((d, i) => new Option(d.label || `${label} ${i + 1}`, d.deviceId));
  if (!options.length) options.push(new Option(`No ${label.toLowerCase()} found`, ''));
  select.replaceChildren(...options);
  if (chosen && devices.some((d) => d.deviceId === chosen)) select.value = chosen;
  select.disabled = !devices.length;
}

export class DevicePanel {
  // actions: current() -> {videoId, audioId, speakerId}; switchTrack(kind,
  // deviceId) -> null or what went wrong; switchSpeaker(deviceId).
  constructor(root, actions) {
    this.root = root;
    this.actions = actions;
    this.camera = root.querySelector('#call-camera');
    this.mic = root.querySelector('#call-mic');
    this.speaker = root.querySelector('#call-speaker');
    this.problem = root.querySelector('#call-devices-problem');
    this.camera.onchange = () => this.change('video', this.camera);
    this.mic.onchange = () => this.change('audio', this.mic);
    this.speaker.onchange = () => this.actions.switchSpeaker(this.speaker.value);
  }

  async open() {
    const devices = await listDevices();
    const now = this.actions.current();
    fill(this.camera, devices.cameras, now.videoId, 'Camera');
    fill(this.mic, devices.mics, now.audioId, 'Microphone');
    fill(this.speaker, devices.speakers, now.speakerId, 'Speaker');
    const speakers = canChooseSpeaker() && devices.speakers.length > 0;
    this.speaker.hidden = !speakers;
    this.root.querySelector('#call-speaker-label').hidden = !speakers;
    this.problem.hidden = true;
  }

  async change(kind, select) {
    select.disabled = true;
    const problem = await this.actions.switchTrack(kind, select.value);
    select.disabled = false;
    this.problem.textContent = problem ?? '';
    this.problem.hidden = !problem;
    if (problem) {
      // Back to what is in use.
      const now = this.actions.current();
      select.value = (kind === 'video' ? now.videoId : now.audioId) ?? select.value;
    }
  }
}
