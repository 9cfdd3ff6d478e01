"""A speech-to-text chain whose first provider also streams (a vendor's real-time model beside its batch one)."""

from __future__ import annotations

from collections.abc import Callable

from interviewsim.stt.base import SpeechStream, SpeechToText, StreamingSpeechToText, Transcript


class StreamingSpeechToTextChain:
    """Live answers stream to `streamer`; uploads, and answers whose stream failed, go through the `batch` chain.

    A stream's failure surfaces from its `commit`; the caller then hands the audio it kept to `transcribe`,
    which tries the batch chain from its first member (the same vendor's batch model first).
    """

    def __init__(self, batch: SpeechToText, streamer: StreamingSpeechToText) -> None:
        self.batch = batch
        self.streamer = streamer
        self.name = batch.name

    async def transcribe(
        self, pcm: bytes, *, language: str | None = None, prompt: str | None = None, word_timings: bool = True
    ) -> Transcript:
        """The batch chain's transcript of `pcm`."""
        return await self.batch.transcribe(pcm, language=language, prompt=prompt, word_timings=word_timings)

    def open_stream(
        self,
        *,
        language: str | None = None,
        prompt: str | None = None,
        on_partial: Callable[[str], None] | None = None,
    ) -> SpeechStream:
        """A stream to the chain's first provider."""
        return self.streamer.open_stream(language=language, prompt=prompt, on_partial=on_partial)
