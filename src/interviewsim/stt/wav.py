"""Wrapping PCM as a WAV file, the upload format every speech-to-text vendor accepts."""

from __future__ import annotations

import io
import wave

from interviewsim.stt.base import PCM_SAMPLE_RATE


def pcm_to_wav(pcm: bytes, sample_rate: int = PCM_SAMPLE_RATE) -> bytes:
    """Mono s16le PCM wrapped in a WAV header (what vendors' upload endpoints accept everywhere)."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(sample_rate)
        wav.writeframes(pcm)
    return buffer.getvalue()
