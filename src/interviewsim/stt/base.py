"""The speech-to-text protocols: 16 kHz mono PCM in, a transcript with word timings out, whole or streamed."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
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


def join_transcripts(parts: Sequence[Transcript]) -> Transcript:
    """Transcripts of consecutive stretches of one utterance as one; each part's words move by the audio before it."""
    if not parts:
        raise ValueError("nothing to join")
    offset = 0.0
    words: list[Word] = []
    for part in parts:
        words.extend(replace(w, start=w.start + offset, end=w.end + offset) for w in part.words)
        offset += part.duration
    probabilities = [w.probability for w in words if w.probability is not None]
    return Transcript(
        text=" ".join(part.text for part in parts if part.text),
        words=tuple(words),
        duration=offset,
        language=parts[0].language,
        provider=parts[0].provider,
        confidence=round(sum(probabilities) / len(probabilities), 4) if probabilities else None,
    )


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


@runtime_checkable
class SpeechStream(Protocol):
    """Speech sent as it is spoken; each `commit` returns the final transcript of the audio sent since the last one.

    A stream that fails (no key, a refusal, a broken connection, no reply in time) raises interviewsim's provider
    error from `commit` and drops whatever is sent after: callers keep their own copy of the audio and
    batch-transcribe it through the chain instead.
    """

    @property
    def partial(self) -> str:
        """The vendor's latest interim text for the audio since the last commit ("" until it sends one)."""
        ...

    def send(self, pcm: bytes) -> None:
        """Queue s16le mono PCM at PCM_SAMPLE_RATE for the vendor; never blocks, never raises."""
        ...

    async def commit(self) -> Transcript:
        """The final transcript of the audio sent since the last commit (one commit at a time)."""
        ...

    async def aclose(self) -> None:
        """Close the connection; a commit still waiting fails."""
        ...


@runtime_checkable
class StreamingSpeechToText(Protocol):
    """Transcribes speech while it is spoken (a vendor's real-time model)."""

    name: str

    def open_stream(
        self,
        *,
        language: str | None = None,
        prompt: str | None = None,
        on_partial: Callable[[str], None] | None = None,
    ) -> SpeechStream:
        """A new stream, connecting in the background (call it on the running event loop).

        `on_partial` is called on the loop with each new interim text; a failure to connect surfaces from `commit`.
        """
        ...
