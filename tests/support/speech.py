"""Real speech for tests: spoken by the built-in voice, encoded with PyAV into the containers browsers record."""

from __future__ import annotations

import asyncio
import functools
import io
import re
import wave

import av
import numpy as np

from interviewsim.tts.base import PCM_OUTPUT_SAMPLE_RATE, VoiceStyle
from interviewsim.tts.builtin import BuiltinVoice

ANSWER = "I would add an index to the orders table, then measure the latency again."
FILLED_ANSWER = "Um, I think, uh, the answer is a cache. You know, like, I mean, it is sort of, um, a faster read."

# container name: (PyAV format, codec, file suffix, media type)
CONTAINERS: dict[str, tuple[str, str, str]] = {
    "webm": ("webm", "libopus", "audio/webm"),
    "ogg": ("ogg", "libopus", "audio/ogg"),
    "wav": ("wav", "pcm_s16le", "audio/wav"),
    "mp3": ("mp3", "libmp3lame", "audio/mpeg"),
    "mp4": ("mp4", "aac", "audio/mp4"),
}
_CODEC_RATES = {"libopus": 48_000}


@functools.cache
def spoken(text: str, style: VoiceStyle = "male") -> bytes:
    """`text` spoken by the built-in voice: s16le mono PCM at 22,050 Hz (cached per test run)."""

    async def collect() -> bytes:
        return b"".join([chunk async for chunk in BuiltinVoice().synthesize_pcm(text, style)])

    return asyncio.run(collect())


def with_silence(pcm: bytes, seconds: float) -> bytes:
    """`pcm` followed by `seconds` of silence."""
    return pcm + bytes(2 * int(PCM_OUTPUT_SAMPLE_RATE * seconds))


def encode(pcm: bytes, container: str, sample_rate: int = PCM_OUTPUT_SAMPLE_RATE) -> bytes:
    """Mono s16le `pcm` encoded into `container` (a key of CONTAINERS), in memory."""
    fmt, codec, _ = CONTAINERS[container]
    rate = _CODEC_RATES.get(codec, sample_rate)
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format=fmt) as output:
        stream = output.add_stream(codec, rate=rate, layout="mono")
        resampler = av.AudioResampler(format=stream.format.name, layout="mono", rate=rate)
        samples = np.frombuffer(pcm, dtype=np.int16).reshape(1, -1)
        frame = av.AudioFrame.from_ndarray(samples, format="s16", layout="mono")
        frame.sample_rate = sample_rate
        for resampled in [*resampler.resample(frame), *resampler.resample(None)]:
            for packet in stream.encode(resampled):
                output.mux(packet)
        for packet in stream.encode(None):
            output.mux(packet)
    return buffer.getvalue()


def wav_file(pcm: bytes, sample_rate: int = PCM_OUTPUT_SAMPLE_RATE) -> bytes:
    """A plain WAV file of mono s16le `pcm`."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(sample_rate)
        out.writeframes(pcm)
    return buffer.getvalue()


def words_of(text: str) -> list[str]:
    """Lower-case words without punctuation, for comparing transcripts."""
    return re.findall(r"[a-z0-9']+", text.lower())


def word_error_rate(reference: str, hypothesis: str) -> float:
    """Levenshtein distance over words, divided by the reference's length."""
    ref, hyp = words_of(reference), words_of(hypothesis)
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, start=1):
        previous, row[0] = row[0], i
        for j, h in enumerate(hyp, start=1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (r != h))
    return row[len(hyp)] / max(1, len(ref))
