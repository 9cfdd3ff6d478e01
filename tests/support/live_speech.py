"""Real speech for the live voice tests: the built-in espeak-ng voice, resampled to the live loop's 16 kHz PCM."""

from __future__ import annotations

import numpy as np

from interviewsim.tts.builtin import _ESPEAK

INPUT_RATE = 16_000


def resample(pcm: bytes, from_rate: int, to_rate: int) -> bytes:
    """s16le mono PCM at another rate (linear interpolation: plenty for speech-detection tests)."""
    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float32)
    count = int(len(samples) * to_rate / from_rate)
    positions = np.linspace(0, len(samples) - 1, count)
    return np.interp(positions, np.arange(len(samples)), samples).astype("<i2").tobytes()


def spoken(text: str, voice: bytes = b"en-us+f3") -> bytes:
    """`text` said by espeak-ng, as s16le mono 16 kHz PCM."""
    return resample(_ESPEAK.speak(text, voice), _ESPEAK.sample_rate(), INPUT_RATE)


def silence(seconds: float) -> bytes:
    """Digital silence of `seconds` at 16 kHz."""
    return bytes(int(seconds * INPUT_RATE) * 2)


def noise(seconds: float, level: float = 300.0, seed: int = 7) -> bytes:
    """Quiet white noise of `seconds` (a room, not a voice)."""
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(int(seconds * INPUT_RATE)) * level).astype("<i2").tobytes()
