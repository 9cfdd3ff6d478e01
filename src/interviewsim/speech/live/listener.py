"""The candidate's side of a live interview: VAD and endpointing on each frame, speculative and final transcripts.

Everything here runs on the event loop except the speech-to-text calls, which run in their providers' own pools.
With a streaming speech-to-text (a vendor's real-time model), each answer streams as it is said and is committed
at its pauses instead of transcribed there; a stream that fails hands the answer back to batch transcription.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from interviewsim.speech.delivery import measure
from interviewsim.speech.live.endpointing import (
    EndpointingConfig,
    Event,
    PauseStarted,
    SpeechResumed,
    SpeechStarted,
    TurnEnded,
    TurnTracker,
)
from interviewsim.speech.live.outbox import Outbox, SessionClosed
from interviewsim.speech.live.streamed import StreamedAnswer
from interviewsim.speech.live.vad import SAMPLE_RATE, SileroVad
from interviewsim.speech.stt.base import SpeechToText, StreamingSpeechToText, Transcript
from interviewsim.vendors.errors import ProviderError

log = logging.getLogger(__name__)

_BYTES_PER_SECOND_IN = SAMPLE_RATE * 2
_PAD_SECONDS = 0.2  # audio kept around an answer's speech for the transcriber
_BUSY_RETRY_SECONDS = 0.25  # how often a waiting answer asks a busy engine again


@dataclass(frozen=True)
class Answer:
    """A finished answer to run as a turn: typed text, or spoken audio still to transcribe."""

    text: str | None = None
    audio: bytes = b""
    speculation: asyncio.Task[Transcript] | None = None
    pauses: tuple[float, ...] = ()  # silences inside the answer, as the VAD measured them
    speaking_seconds: float | None = None  # first to last speech, as the VAD measured it


class Listener:
    """Hears the input audio and hands each finished spoken answer to `on_answer`."""

    def __init__(
        self,
        *,
        stt: SpeechToText,
        endpointing: EndpointingConfig,
        outbox: Outbox,
        on_answer: Callable[[Answer], None],
        question: Callable[[], str],
        busy_wait_seconds: float,
    ) -> None:
        self._stt = stt
        self._streamer = stt if isinstance(stt, StreamingSpeechToText) else None
        self._streamed: StreamedAnswer | None = None  # the current answer's stream, while it works
        self._outbox = outbox
        self._on_answer = on_answer
        self._question = question  # the question being answered: Whisper's prompt
        self._busy_wait_seconds = busy_wait_seconds
        self._tracker = TurnTracker(endpointing)
        self._vad = SileroVad()
        self._audio = bytearray()  # input audio since `_audio_start` seconds: the current answer and a lead-in
        self._audio_start = 0.0
        self._speculation: tuple[float, asyncio.Task[Transcript]] | None = None  # (speech_end covered, task)
        self._turn_start = 0.0
        self._pauses: list[float] = []  # the current answer's silences so far
        self._pause_from: float | None = None

    @property
    def speaking_seconds(self) -> float | None:
        """How long the current answer has lasted on the audio's clock; None between answers."""
        if not self._tracker.in_turn:
            return None
        return self._tracker.now - self._tracker.turn_start

    def hear(self, pcm: bytes) -> None:
        """Take one frame of input audio."""
        self._audio += pcm
        if self._streamed is not None:
            self._streamed.send(pcm)
        for probability in self._vad.feed(pcm):
            self._handle(self._tracker.push(probability, 512 / SAMPLE_RATE))
        if not self._tracker.in_turn:
            # Outside an answer keep only a short lead-in, so memory does not grow with silence.
            excess = len(self._audio) - _BYTES_PER_SECOND_IN
            if excess > 0:
                excess -= excess % 2
                del self._audio[:excess]
                self._audio_start += excess / _BYTES_PER_SECOND_IN

    def close(self) -> None:
        """Stop a speculative transcript still running, and the current answer's stream."""
        if self._speculation is not None:
            self._speculation[1].cancel()
        if self._streamed is not None:
            self._streamed.close()
            self._streamed = None

    def _clip(self, start: float, end: float) -> bytes:
        """Input audio between two stream times, padded a little each side."""
        first = max(0, int((start - _PAD_SECONDS - self._audio_start) * SAMPLE_RATE)) * 2
        last = max(0, int((end + _PAD_SECONDS - self._audio_start) * SAMPLE_RATE)) * 2
        return bytes(self._audio[first:last])

    def _handle(self, events: list[Event]) -> None:
        for event in events:
            if isinstance(event, SpeechStarted):
                self._outbox.send({"type": "speech.started"})
                self._turn_start = event.at
                self._pauses, self._pause_from = [], None
                self._open_stream(event.at)
            elif isinstance(event, SpeechResumed):
                self._outbox.send({"type": "speech.started"})
                if self._speculation is not None and self._streamed is None:
                    # Stale now: a call still queued in the engine's pool never runs, a request in flight stops.
                    self._speculation[1].cancel()
                if self._pause_from is not None:
                    self._pauses.append(round(event.at - self._pause_from, 2))
            elif isinstance(event, PauseStarted):
                self._outbox.send({"type": "speech.stopped"})
                self._pause_from = event.speech_end
                self._speculate(event.speech_end)
            elif isinstance(event, TurnEnded):
                speculation = (
                    self._speculation[1] if self._speculation and self._speculation[0] == event.speech_end else None
                )
                if self._streamed is not None:
                    # The whole answer from its stream: after the commit of this pause, or with one more commit.
                    speculation = self._streamed.finish(commit_rest=speculation is None)
                    self._streamed = None
                audio = self._clip(event.start, event.speech_end)
                self._on_answer(
                    Answer(
                        audio=audio,
                        speculation=speculation,
                        pauses=tuple(self._pauses),
                        speaking_seconds=round(event.speech_end - event.start, 2),
                    )
                )
                self._speculation = None

    def _open_stream(self, start: float) -> None:
        """Stream the answer from its first word (and a little before), as the batch transcriber would get it."""
        if self._streamer is None:
            return
        stream = self._streamer.open_stream(language="en", prompt=self._question() or None)
        self._streamed = StreamedAnswer(stream)
        first = max(0, int((start - _PAD_SECONDS - self._audio_start) * SAMPLE_RATE)) * 2
        self._streamed.send(bytes(self._audio[first:]))

    def _speculate(self, speech_end: float) -> None:
        """Transcribe (or commit) the answer so far while the silence runs; the result sets how long to wait."""
        if self._speculation is not None and not self._speculation[1].done():
            return  # one at a time: its result is checked against the speech it covered
        if self._streamed is not None:
            task = self._streamed.commit()
        else:
            task = asyncio.create_task(self._transcribe(self._clip(self._turn_start, speech_end)))
        self._speculation = (speech_end, task)
        task.add_done_callback(lambda done: self._speculated(speech_end, done))

    def _speculated(self, speech_end: float, task: asyncio.Task[Transcript]) -> None:
        if task.cancelled() or task.exception() is not None:
            if self._streamed is not None and self._streamed.failed:
                # The stream failed: this answer goes back to batch transcription, from this pause on.
                log.warning("voice: the answer's speech-to-text stream failed; transcribing it whole instead")
                self._streamed.close()
                self._streamed = None
                if self._tracker.paused:
                    self._speculate(self._tracker.speech_end)
            return
        if not self._tracker.in_turn or self._tracker.speech_end != speech_end:
            # Stale: the candidate went on. If they are pausing again, transcribe up to the new pause.
            if self._tracker.paused:
                self._speculate(self._tracker.speech_end)
            return
        text = task.result().text
        try:
            self._outbox.send({"type": "transcript", "text": text, "final": False})
            self._handle(self._tracker.set_transcript(text))
        except SessionClosed:
            pass  # the writer closes the session

    async def _transcribe(self, audio: bytes) -> Transcript:
        # No word timings: the VAD measures the pauses and speaking time, and the built-in engine is twice as fast.
        transcript = await self._stt.transcribe(
            audio, language="en", prompt=self._question() or None, word_timings=False
        )
        return replace(transcript, text=transcript.text.strip())

    async def final_transcript(self, answer: Answer) -> tuple[str, dict[str, Any] | None]:
        """The spoken answer's text and its delivery metrics; ("", None) when it could not be transcribed."""
        transcript: Transcript | None = None
        if answer.speculation is not None:
            with contextlib.suppress(Exception):
                transcript = await answer.speculation
        if transcript is None:
            try:
                transcript = await self._transcribe_when_free(answer.audio)
            except Exception as error:
                log.warning("voice: transcription failed: %s", type(error).__name__)
                self._outbox.send(
                    {
                        "type": "error",
                        "error": "Your answer could not be transcribed; please say it again.",
                        "code": "stt_failed",
                    }
                )
                return "", None
        self._outbox.send({"type": "transcript", "text": transcript.text, "final": True})
        delivery = measure(transcript, pauses=answer.pauses, speaking_seconds=answer.speaking_seconds)
        return transcript.text, delivery.model_dump()

    async def _transcribe_when_free(self, audio: bytes) -> Transcript:
        """Transcribe a finished answer; a busy engine is waited for, since the answer cannot be said again unasked."""
        deadline = time.monotonic() + self._busy_wait_seconds
        while True:
            try:
                return await self._transcribe(audio)
            except ProviderError as error:
                left = deadline - time.monotonic()
                if not error.retryable or error.retry_after is None or left <= 0:
                    raise
                await asyncio.sleep(min(error.retry_after, _BUSY_RETRY_SECONDS, left))
