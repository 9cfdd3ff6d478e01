// Record/Stop for a spoken answer: MediaRecorder in whatever container this browser produces
// (WebM/Opus in Chromium and Firefox, MP4/AAC in Safari), a level meter while recording, and the
// recording transcribed by the server (POST /api/stt). No browser speech recognition is used.

const METER_FLOOR = 0.02;

export function recordingSupported() {
  return Boolean(navigator.mediaDevices?.getUserMedia && window.MediaRecorder);
}

export class AnswerRecorder {
  // authorize(): the request headers (a bearer token); onTranscript({text, speech_id, ...}); onStatus(text).
  constructor({ button, meter, authorize, onTranscript, onStatus }) {
    Object.assign(this, { button, meter, authorize, onTranscript, onStatus });
    this.media = null;
    this.discard = false;
    this.busy = false;
  }

  get recording() {
    return this.media?.state === "recording";
  }

  toggle() {
    if (this.recording) this.stop();
    else if (!this.busy) this.start();
  }

  // Stop without transcribing (the answer was sent, or the view changed).
  cancel() {
    if (!this.recording) return;
    this.discard = true;
    this.stop();
  }

  async start() {
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: { echoCancellation: true, noiseSuppression: true } });
    } catch (error) {
      this.onStatus(`Microphone unavailable (${error.name}); type your answer instead.`);
      return;
    }
    const chunks = [];
    this.discard = false;
    this.media = new MediaRecorder(stream);
    this.media.ondataavailable = (event) => { if (event.data.size) chunks.push(event.data); };
    this.media.onstop = () => {
      stream.getTracks().forEach((track) => track.stop());
      this.stopMeter();
      this.render(false);
      if (!this.discard && chunks.length) this.upload(new Blob(chunks, { type: this.media.mimeType }));
    };
    this.media.start(250);
    this.startMeter(stream);
    this.render(true);
    this.onStatus("Recording… press Stop when you have finished your answer.");
  }

  stop() {
    if (this.recording) this.media.stop();
  }

  async upload(blob) {
    this.busy = true;
    this.button.disabled = true;
    this.onStatus("Transcribing your answer…");
    const form = new FormData();
    form.append("file", blob, `answer.${extension(blob.type)}`);
    try {
      const response = await fetch("/api/stt", { method: "POST", headers: await this.authorize(), body: form });
      let data = {};
      try { data = await response.json(); } catch { /* not JSON */ }
      if (!response.ok) {
        this.onStatus(data.error || `Transcription failed (${response.status}); type your answer instead.`);
        return;
      }
      this.onTranscript(data);
      this.onStatus("Check the transcript, edit it if needed, then send.");
    } catch {
      this.onStatus("Cannot reach the server to transcribe; type your answer instead.");
    } finally {
      this.busy = false;
      this.button.disabled = false;
    }
  }

  startMeter(stream) {
    const AudioContext = window.AudioContext || window.webkitAudioContext;
    if (!AudioContext || !this.meter) return;
    this.audio = new AudioContext();
    const analyser = this.audio.createAnalyser();
    analyser.fftSize = 1024;
    this.audio.createMediaStreamSource(stream).connect(analyser);
    const samples = new Float32Array(analyser.fftSize);
    this.meter.hidden = false;
    const draw = () => {
      analyser.getFloatTimeDomainData(samples);
      const rms = Math.sqrt(samples.reduce((sum, value) => sum + value * value, 0) / samples.length);
      this.meter.value = rms < METER_FLOOR ? 0 : Math.min(1, rms * 3);
      this.frame = requestAnimationFrame(draw);
    };
    draw();
  }

  stopMeter() {
    cancelAnimationFrame(this.frame);
    this.audio?.close();
    this.audio = null;
    if (this.meter) {
      this.meter.value = 0;
      this.meter.hidden = true;
    }
  }

  render(recording) {
    this.button.setAttribute("aria-pressed", String(recording));
    this.button.textContent = recording ? "Stop" : "Record";
  }
}

function extension(mimeType) {
  if (mimeType.includes("ogg")) return "ogg";
  if (mimeType.includes("mp4") || mimeType.includes("aac")) return "m4a";
  return "webm";
}
