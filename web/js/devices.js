// Cameras, microphones and speakers: opening them, listing them, a level
// meter, and words for what went wrong.

export async function openMedia({ audio, video, audioId, videoId }) {
  if (!audio && !video) return new MediaStream();
  if (!navigator.mediaDevices?.getUserMedia) {
    const err = new Error('no mediaDevices');
    err.name = 'NotSupportedError';
    throw err;
  }
  const constraints = {
    audio: audio ? { deviceId: audioId ? { exact: audioId } : undefined, echoCancellation: true, noiseSuppression: true } : false,
    video: video ? { deviceId: videoId ? { exact: videoId } : undefined, width: { ideal: 640 }, height: { ideal: 480 }, frameRate: { ideal: 30 } } : false,
  };
  return navigator.mediaDevices.getUserMedia(constraints);
}

export async function listDevices() {
  const all = navigator.mediaDevices?.enumerateDevices ? await navigator.mediaDevices.enumerateDevices() : [];
  const pick = (kind) => all.filter((d) => d.kind === kind && d.deviceId);
  return { cameras: pick('videoinput'), mics: pick('audioinput'), speakers: pick('audiooutput') };
}

export function canChooseSpeaker() {
  return typeof HTMLMediaElement !== 'undefined' && 'setSinkId' in HTMLMediaElement.prototype;
}

// What to tell someone whose camera or microphone could not be opened.
export function explainMediaError(err) {
  switch (err?.name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return 'Your browser is not allowing this page to use your camera and microphone. ' +
        'Click the camera icon in the address bar (or your browser\u2019s site settings), allow them, then reload the page. ' +
        'You can also join without them.';
    case 'NotFoundError':
    case 'OverconstrainedError':
      return 'No camera or microphone was found. Plug one in and reload the page, or join without them.';
    case 'NotReadableError':
    case 'AbortError':
      return 'Your camera or microphone is in use by another program. Close it (for example another video call) and reload the page.';
    case 'NotSupportedError':
      return 'This browser cannot use a camera here. Try a current Chrome, Edge, Firefox or Safari.';
    default:
      return 'Your camera or microphone could not be started. You can join without them.';
  }
}

// Shows a microphone's loudness in a <meter> until stopped.
export class LevelMeter {
  constructor(stream, meter) {
    this.meter = meter;
    this.context = null;
    this.timer = null;
    const track = stream.getAudioTracks()[0];
    if (!track || typeof AudioContext === 'undefined') return;
    this.context = new AudioContext();
    const source = this.context.createMediaStreamSource(new MediaStream([track]));
    this.analyser = this.context.createAnalyser();
    this.analyser.fftSize = 512;
    source.connect(this.analyser);
    const samples = new Float32Array(this.analyser.fftSize);
    this.timer = setInterval(() => {
      this.analyser.getFloatTimeDomainData(samples);
      let sum = 0;
      for (const s of samples) sum += s * s;
      const level = Math.min(1, Math.sqrt(sum / samples.length) * 4);
      this.meter.value = level;
      this.meter.textContent = level < 0.02 ? 'silent' : `${Math.round(level * 100)}%`;
    }, 100);
  }

  stop() {
    clearInterval(this.timer);
    this.context?.close();
    this.meter.value = 0;
  }
}

export function stopStream(stream) {
  for (const track of stream?.getTracks() ?? []) track.stop();
}
