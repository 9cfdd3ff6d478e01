// The voice interview's microphone, on the audio thread: downsample to 16 kHz (a box filter, then
// pick) and post 20 ms frames of Int16 PCM to the page, which sends them over /api/voice.

const INPUT_RATE = 16000;
const FRAME_SAMPLES = 320; // 20 ms, within the protocol's 10-100 ms
class Pcm16kCapture extends AudioWorkletProcessor {
  constructor() {
    super();
    this.ratio = sampleRate / INPUT_RATE;
    this.position = 0;
    this.frame = new Int16Array(FRAME_SAMPLES);
    this.filled = 0;
  }
  process(inputs) {
    const input = inputs[0] && inputs[0][0];
    if (!input) return true;
    for (let i = 0; i < input.length; i++) {
      this.position += 1;
      if (this.position < this.ratio) continue;
      this.position -= this.ratio;
      // Average the last whole ratio of samples: a cheap low-pass before decimation.
      const span = Math.max(1, Math.floor(this.ratio));
      let sum = 0;
      for (let k = 0; k < span && i - k >= 0; k++) sum += input[i - k];
      const value = Math.max(-1, Math.min(1, sum / span));
      this.frame[this.filled++] = value < 0 ? value * 0x8000 : value * 0x7fff;
      if (this.filled === this.frame.length) {
        this.port.postMessage(this.frame.buffer, [this.frame.buffer]);
        this.frame = new Int16Array(FRAME_SAMPLES);
        this.filled = 0;
      }
    }
    return true;
  }
}
registerProcessor("pcm16k-capture", Pcm16kCapture);
