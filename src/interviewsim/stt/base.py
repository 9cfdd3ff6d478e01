"""The speech-to-text protocol: 16 kHz mono PCM in, a transcript with word timings out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

PCM_SAMPLE_RATE = 16_000  # every provider takes s16le mono at this rate; decoding happens before


@dataclass(frozen=True)
class Word:
    """One recognised word and when it was said (seconds from the start of the audio)."""

    word: str
    start: float
    end: float
    probability: float | None = None


@dataclass(frozen=True)
class Transcript:
    """What a provider heard."""

    text: str
    words: tuple[Word, ...]
    duration: float  # seconds of audio transcribed
    language: str
    provider: str
    confidence: float | None = None  # 0..1 where the provider reports one


@runtime_checkable
class WarmsUp(Protocol):
    """An engine that can load its model ahead of its first call."""

    async def warm_up(self) -> None:
        """Load what the first call would (once per process); errors surface on that call instead."""
        ...


@runtime_checkable
class SpeechToText(Protocol):
    """Transcribes one utterance of s16le mono PCM at PCM_SAMPLE_RATE."""

    name: str

    async def transcribe(
        self, pcm: bytes, *, language: str | None = None, prompt: str | None = None, word_timings: bool = True
    ) -> Transcript:
        """The transcript of `pcm`; raises interviewsim's provider error on failure.

        With `word_timings=False` a provider may leave `words` empty when that is faster (the built-in halves
        its time); vendors that return them anyway still do.
        """
        ...
