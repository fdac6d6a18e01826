// A speaking voice as a browser's microphone, for tests where what the
// audio codec does with speech matters: Debian's PulseAudio started as a
// process of the test (never a system service), with a null sink that
// Debian's espeak-ng speech is played into, over and over; a browser told
// to capture that sink's monitor (Firefox: the media.audio_loopback_dev
// pref, with PULSE_SERVER in its environment) hears a person talking.
//
// Why: a fake microphone's tone is music to Opus, which codes it in CELT
// mode, without in-band FEC; speech goes in SILK or hybrid mode, whose
// FEC repairs a lost packet from the next one (test_firefox_loss.mjs).
// PulseAudio listens on a socket in a temporary directory only (no
// network module, anonymous access to that socket alone).
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { sleep } from './lib.mjs';

// Sentences of a session, spoken at a conversational pace.
const SPEECH = [
  'Good evening, everyone. Thank you for joining from home tonight.',
  'Let us start with how the week went. What was hard, and what helped?',
  'I went to every group this week, and I called my sister on Sunday.',
  'That is a real step. How did the call feel for you both?',
].join(' ');

const DESCRIPTION = 'HearthVoice';

export class Voice {
  constructor() {
    this.dir = mkdtempSync(path.join(tmpdir(), 'hearth-voice-'));
    this.socket = path.join(this.dir, 'native');
    this.wav = path.join(this.dir, 'voice.wav');
    // What a browser captures, and how it reaches the server.
    this.device = `Monitor of ${DESCRIPTION}`;
    this.env = { PULSE_SERVER: `unix:${this.socket}` };
    this.stopped = false;
  }

  async start() {
    execFileSync('espeak-ng', ['-v', 'en-us', '-s', '150', '-w', this.wav, SPEECH], { stdio: 'ignore' });
    // As root PulseAudio warns and runs; its state stays in this.dir.
    const env = { ...process.env, HOME: this.dir, XDG_RUNTIME_DIR: this.dir, XDG_CONFIG_HOME: this.dir };
    this.server = spawn('pulseaudio', ['-n', '--daemonize=no', '--exit-idle-time=-1', '--use-pid-file=no',
      '--log-target=stderr', '-L', `module-native-protocol-unix socket=${this.socket} auth-anonymous=1`,
      '-L', `module-null-sink sink_name=hearth_voice sink_properties=device.description=${DESCRIPTION}`],
    { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    this.server.stderr.on('data', (b) => { log += b; });
    for (let i = 0; i < 50 && !existsSync(this.socket); i++) {
      if (this.server.exitCode !== null) break;
      await sleep(100);
    }
    if (!existsSync(this.socket)) {
      this.stop();
      throw new Error(`pulseaudio did not start: ${log.slice(-600)}`);
    }
    this.play();
    return this;
  }

  // The speech again as soon as it ends, until stop().
  play() {
    if (this.stopped || this.server.exitCode !== null) return;
    this.player = spawn('paplay', [`--server=unix:${this.socket}`, '--device=hearth_voice', this.wav], { stdio: 'ignore' });
    this.player.on('exit', () => this.play());
  }

  stop() {
    this.stopped = true;
    for (const p of [this.player, this.server]) if (p && p.exitCode === null) p.kill('SIGTERM');
    rmSync(this.dir, { recursive: true, force: true });
  }
}
