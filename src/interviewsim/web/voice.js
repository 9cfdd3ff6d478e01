// The live voice interview: microphone → 16 kHz PCM over /api/voice, the interviewer's audio back.
// Protocol: speech/live/protocol.md, served at /docs/voice. No buttons: the server decides turns.

const FINAL_CODES = new Set([1000, 1003, 1007, 1008, 1009, 1011, 1013, 4404]); // no reconnect after these
const RECONNECT_DELAYS_MS = [500, 1000, 2000, 4000, 8000];

export class VoiceLink {
  // hooks: token() → Promise<string>; state(name); heard(text, final); delta(text); reply(json);
  // interrupted(turn); error(message); closed(code, reason)
  constructor(sessionId, hooks) {
    this.sessionId = sessionId;
    this.hooks = hooks;
    this.socket = null;
    this.context = null;
    this.stream = null;
    this.outputRate = 22050;
    this.playing = new Set(); // AudioBufferSourceNodes scheduled for the current turn
    this.playUntil = 0;
    this.turn = null;
    this.stopped = false;
    this.attempt = 0;
  }

  async start() {
    this.stream = await navigator.mediaDevices.getUserMedia({
      audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true, channelCount: 1 },
    });
    this.context = new AudioContext();
    await this.context.audioWorklet.addModule("/web/pcm-capture.js");
    const source = this.context.createMediaStreamSource(this.stream);
    const capture = new AudioWorkletNode(this.context, "pcm16k-capture");
    capture.port.onmessage = (event) => {
      if (this.socket && this.socket.readyState === WebSocket.OPEN && this.ready) this.socket.send(event.data);
    };
    source.connect(capture);
    await this.connect();
  }

  async connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(`${scheme}://${location.host}/api/voice?session_id=${encodeURIComponent(this.sessionId)}`);
    socket.binaryType = "arraybuffer";
    this.socket = socket;
    this.ready = false;
    const token = await this.hooks.token();
    socket.onopen = () => socket.send(JSON.stringify({ type: "auth", token }));
    socket.onmessage = (message) => this.receive(message.data);
    socket.onclose = (event) => this.onClose(event);
  }

  receive(data) {
    if (data instanceof ArrayBuffer) {
      this.play(data);
      return;
    }
    const event = JSON.parse(data);
    switch (event.type) {
      case "ready":
        this.ready = true;
        this.attempt = 0;
        this.outputRate = event.output_audio.sample_rate;
        this.hooks.state("listening");
        break;
      case "speech.started":
        this.hooks.state("listening");
        break;
      case "transcript":
        this.hooks.heard(event.text, event.final);
        if (event.final) this.hooks.state("thinking");
        break;
      case "thinking":
        this.hooks.state("thinking");
        break;
      case "reply.delta":
        this.hooks.delta(event.text);
        break;
      case "reply":
        this.hooks.reply(event);
        break;
      case "audio.start":
        this.stopPlayback();
        this.turn = event.turn;
        this.hooks.state("speaking");
        break;
      case "audio.end":
        this.afterPlayback(event.turn);
        break;
      case "interrupted":
        this.stopPlayback();
        this.hooks.interrupted(event.turn);
        this.hooks.state("listening");
        break;
      case "error":
        this.hooks.error(event.error);
        break;
      default:
        break;
    }
  }

  play(buffer) {
    const samples = new Int16Array(buffer);
    const audio = this.context.createBuffer(1, samples.length, this.outputRate);
    const channel = audio.getChannelData(0);
    for (let i = 0; i < samples.length; i++) channel[i] = samples[i] / 0x8000;
    const source = this.context.createBufferSource();
    source.buffer = audio;
    source.connect(this.context.destination);
    const at = Math.max(this.context.currentTime + 0.02, this.playUntil);
    source.start(at);
    this.playUntil = at + audio.duration;
    this.playing.add(source);
    source.onended = () => this.playing.delete(source);
  }

  afterPlayback(turn) {
    const left = Math.max(0, this.playUntil - this.context.currentTime);
    setTimeout(() => {
      if (this.turn !== turn || !this.socket || this.socket.readyState !== WebSocket.OPEN) return;
      this.socket.send(JSON.stringify({ type: "playback.end", turn }));
      this.hooks.state("listening");
    }, left * 1000);
  }

  stopPlayback() {
    for (const source of this.playing) {
      try {
        source.stop();
      } catch {
        // already stopped
      }
    }
    this.playing.clear();
    this.playUntil = 0;
    this.turn = null;
  }

  sendText(text) {
    this.stopPlayback();
    this.socket?.send(JSON.stringify({ type: "text", text }));
  }

  end(reason) {
    this.stopPlayback();
    this.socket?.send(JSON.stringify({ type: "end", reason }));
  }

  onClose(event) {
    this.ready = false;
    if (this.stopped) return;
    if (FINAL_CODES.has(event.code) || this.attempt >= RECONNECT_DELAYS_MS.length) {
      // A normal close comes after the final reply's audio: let it finish before letting go.
      const left = Math.max(0, (this.playUntil - (this.context?.currentTime ?? 0)) * 1000);
      setTimeout(() => this.stop(), left);
      this.hooks.closed(event.code, event.reason);
      return;
    }
    this.hooks.state("reconnecting");
    setTimeout(() => this.connect(), RECONNECT_DELAYS_MS[this.attempt++]);
  }

  stop() {
    this.stopped = true;
    this.stopPlayback();
    this.socket?.close(1000);
    this.stream?.getTracks().forEach((track) => track.stop());
    this.context?.close();
  }
}
