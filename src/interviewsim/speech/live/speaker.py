"""The interviewer's side of a live interview: sentences synthesized ahead, sent at real-time pace, cut on barge-in.

Two tasks per utterance: one synthesizes sentence after sentence into a bounded queue of frames (so the next
sentence is ready when the current one ends, not synthesized in the gap), the other sends those frames no further
than `lead_seconds` ahead of the client's playback, so a barge-in stops the audio within a frame.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from interviewsim.speech.live.outbox import Outbox
from interviewsim.speech.live.speaking import SpokenLog
from interviewsim.tts.base import PCM_OUTPUT_SAMPLE_RATE, PcmVoice, VoiceStyle

log = logging.getLogger(__name__)

_BYTES_PER_SECOND_OUT = PCM_OUTPUT_SAMPLE_RATE * 2
_AUDIO_FRAME_SECONDS = 0.1  # reply audio goes out in frames of this length
_FRAMES_AHEAD = 300  # synthesized audio held per utterance, at most (30 s, about 1.3 MB)
_VOICE_FAILED = {
    "type": "error",
    "error": "The interviewer's voice failed; the reply is in the captions.",
    "code": "tts_failed",
}


class _Failed:
    """Put after the last frame the voice produced before it failed."""


@dataclass
class Utterance:
    """One turn of the interviewer's speech: its number, its tasks and what it has played."""

    turn: int
    task: asyncio.Task[None] | None = None
    log: SpokenLog = field(default_factory=SpokenLog)
    started_at: float | None = None  # monotonic time of its first audio frame
    played: asyncio.Event = field(default_factory=asyncio.Event)
    seq: int | None = None  # the stored interviewer message it speaks, once known
    heard: str | None = None  # what the candidate heard before cutting in (None: not cut)

    @property
    def sounding(self) -> bool:
        """Whether its audio is still being sent or played (not finished, not reported played)."""
        return self.task is not None and not self.task.done() and not self.played.is_set()


class Speaker:
    """Speaks utterances one at a time through the outbox."""

    def __init__(
        self, *, voice: PcmVoice, style: VoiceStyle, outbox: Outbox, lead_seconds: float, grace_seconds: float
    ) -> None:
        self._voice = voice
        self._style: VoiceStyle = style
        self._outbox = outbox
        self._lead = lead_seconds
        self._grace = grace_seconds
        self._turns = 0
        self.current: Utterance | None = None

    def start(self, sentences: asyncio.Queue[str | None]) -> Utterance:
        """Begin speaking the sentences put on `sentences` (None ends the utterance)."""
        self._turns += 1
        utterance = Utterance(turn=self._turns)
        utterance.task = asyncio.create_task(self._speak(utterance, sentences), name="voice-speaker")
        self.current = utterance
        return utterance

    def interrupt(self, utterance: Utterance) -> None:
        """Stop `utterance` now: no further frame is sent, and what was heard of it is kept."""
        if utterance.task is not None:
            utterance.task.cancel()
        # Audio already queued for this turn is dropped: not one more frame after the cut.
        self._outbox.drop_audio()
        played = 0.0 if utterance.started_at is None else time.monotonic() - utterance.started_at
        utterance.heard = utterance.log.heard(min(played, utterance.log.seconds))
        self._outbox.send({"type": "interrupted", "turn": utterance.turn, "heard": utterance.heard})
        utterance.played.set()

    def stop(self) -> None:
        """Interrupt the current utterance if it is still sounding."""
        if self.current is not None and self.current.sounding:
            self.interrupt(self.current)

    def playback_ended(self, turn: object) -> None:
        """The client reports it finished playing `turn`."""
        if self.current is not None and turn == self.current.turn:
            self.current.played.set()

    def close(self) -> None:
        """Cancel the current utterance's tasks (the connection is closing)."""
        if self.current is not None and self.current.task is not None:
            self.current.task.cancel()

    async def _speak(self, utterance: Utterance, sentences: asyncio.Queue[str | None]) -> None:
        """Send the synthesized frames at real-time pace; then wait for the playback to end."""
        frames: asyncio.Queue[bytes | str | _Failed | None] = asyncio.Queue(_FRAMES_AHEAD)
        synthesis = asyncio.create_task(self._synthesize(sentences, frames), name="voice-synthesis")
        try:
            seconds = 0.0  # of the sentence being sent
            while (item := await frames.get()) is not None:
                if isinstance(item, _Failed):
                    # Told in order: after the audio the voice did produce, which still plays.
                    self._outbox.send(_VOICE_FAILED)
                    break
                if isinstance(item, str):  # the sentence whose frames were just sent
                    utterance.log.add(item, seconds)
                    seconds = 0.0
                    continue
                if utterance.started_at is None:
                    utterance.started_at = time.monotonic()
                    self._outbox.send({"type": "audio.start", "turn": utterance.turn})
                # Pace: send no further ahead of the client's playback than the lead.
                ahead = utterance.started_at + utterance.log.seconds + seconds - time.monotonic()
                if ahead > self._lead:
                    await asyncio.sleep(ahead - self._lead)
                await self._outbox.put_audio(item)
                seconds += len(item) / _BYTES_PER_SECOND_OUT
        finally:
            synthesis.cancel()
            await asyncio.gather(synthesis, return_exceptions=True)
        if utterance.started_at is None:
            return
        self._outbox.send({"type": "audio.end", "turn": utterance.turn})
        remaining = utterance.started_at + utterance.log.seconds + self._grace - time.monotonic()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(max(remaining, 0.0)):
                await utterance.played.wait()

    async def _synthesize(
        self, sentences: asyncio.Queue[str | None], frames: asyncio.Queue[bytes | str | _Failed | None]
    ) -> None:
        """Each sentence's frames, then the sentence itself; None at the end, or _Failed when the voice fails."""
        try:
            while (sentence := await sentences.get()) is not None:
                async for frame in _frames(self._voice.synthesize_pcm(sentence, self._style)):
                    await frames.put(frame)
                await frames.put(sentence)
        except Exception as error:
            # The reply is already in the captions: the utterance ends with what was synthesized.
            log.warning("voice: speech synthesis failed: %s", type(error).__name__)
            await frames.put(_Failed())
            return
        await frames.put(None)


async def _frames(chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    """Re-cut PCM chunks into frames of `_AUDIO_FRAME_SECONDS` (the last one may be shorter)."""
    size = int(_BYTES_PER_SECOND_OUT * _AUDIO_FRAME_SECONDS) // 2 * 2
    buffer = bytearray()
    async for chunk in chunks:
        buffer += chunk
        while len(buffer) >= size:
            yield bytes(buffer[:size])
            del buffer[:size]
    if buffer:
        yield bytes(buffer[: len(buffer) // 2 * 2])
