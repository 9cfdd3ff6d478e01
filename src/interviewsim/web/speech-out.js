// The interviewer's voice in a typed interview: /api/tts after each reply, and the Mute control.

import { request } from "./api.js";
import { $ } from "./dom.js";
import { KEYS, store } from "./storage.js";
import { speechText } from "./text.js";

let muted = false;
let audio = null;
let turn = 0; // a newer reply supersedes an older one still being synthesised

// Say `text` in `voiceStyle`; null says nothing (no interview, or a voice interview hears it live).
export async function speak(text, voiceStyle) {
  stopAudio();
  if (muted || !text || !voiceStyle) return;
  const mine = ++turn;
  try {
    const response = await request("/api/tts", { method: "POST", body: { text: speechText(text), voice_style: voiceStyle } });
    if (!response.ok) return; // the text is on screen; the voice is a bonus
    const blob = await response.blob();
    if (mine !== turn || muted) return;
    const url = URL.createObjectURL(blob);
    const player = new Audio(url);
    player.addEventListener("ended", () => URL.revokeObjectURL(url), { once: true });
    audio = player;
    // Browsers may refuse to autoplay; that must not surface as an error.
    player.play().catch(() => {});
  } catch { /* voice is optional */ }
}

export function stopAudio() {
  turn += 1;
  if (!audio) return;
  audio.pause();
  URL.revokeObjectURL(audio.src);
  audio = null;
}

// The label stays "Mute voice"; aria-pressed (and its styling) carries the state.
function renderMute() {
  $("mute").setAttribute("aria-pressed", String(muted));
}

export function toggleMute() {
  muted = !muted;
  store.set(KEYS.muted, muted ? "1" : "0");
  if (muted) stopAudio();
  renderMute();
}

// Muted as this browser last chose.
export function loadMute() {
  muted = store.get(KEYS.muted) === "1";
  renderMute();
}
