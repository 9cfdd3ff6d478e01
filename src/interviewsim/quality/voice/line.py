"""A client of GET /api/voice that behaves like a person at a microphone and a speaker, timing what it hears.

The microphone sends a 20 ms frame every 20 ms, silence unless an utterance is queued; the reader keeps
every frame from the server with its arrival time, binary audio tagged with the turn it belongs to; the
interviewer's audio is "played" in real time (its length counted from its first frame) before
`playback.end` is sent, as the page does.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

from interviewsim.quality.server import Target
from interviewsim.quality.voice.audio import FRAME_BYTES, FRAME_SECONDS, Utterance

WAIT_SECONDS = 180.0  # generous: on a loaded 2-core machine one transcription can take many seconds
CLOSE_WAIT_SECONDS = 60.0
MAX_LAG_SECONDS = 1.0  # a microphone this far behind drops the backlog rather than bursting it
MAX_MESSAGE_BYTES = 2**20


class VoiceLineError(Exception):
    """The voice line broke: closed early, an unexpected server error, or nothing heard in time."""


class VoiceLineTimeout(VoiceLineError):
    """What was waited for did not come in time."""


@dataclass
class Heard:
    """One frame from the server and when it arrived (monotonic seconds)."""

    at: float
    event: dict[str, Any] | None = None  # a text frame
    audio_bytes: int = 0  # a binary frame: its size
    turn: int | None = None  # a binary frame: the turn whose audio.start came before it

    def is_event(self, kind: str, **fields: Any) -> bool:
        """Whether this is a `kind` event with these field values."""
        event = self.event
        return event is not None and event.get("type") == kind and all(event.get(k) == v for k, v in fields.items())


@dataclass
class Said:
    """An utterance on the microphone: when its speech set in, and when it was all sent."""

    utterance: Utterance
    queued_index: int  # how many frames had been heard when it was queued
    onset_at: float | None = None  # when the frame at the utterance's onset went out
    done_index: int = 0  # how many frames had been heard when its last frame went out
    done: asyncio.Event = field(default_factory=asyncio.Event)


class VoiceLine:
    """One open voice interview: a microphone task and a reader task on one WebSocket."""

    def __init__(self, connection: ClientConnection) -> None:
        self.connection = connection
        self.heard: list[Heard] = []
        self.output_bytes_per_second = 22_050 * 2  # until `ready` says otherwise
        self._queue: asyncio.Queue[Said] = asyncio.Queue()
        self._changed = asyncio.Event()
        self._closed = asyncio.Event()
        self._audio_turn: int | None = None
        self._tasks = [asyncio.create_task(self._microphone()), asyncio.create_task(self._read())]

    @classmethod
    @contextlib.asynccontextmanager
    async def open(cls, target: Target, session_id: str) -> AsyncIterator[VoiceLine]:
        """Connect to the interview's voice socket and wait for `ready`; closed when the block ends."""
        url = target.base_url.replace("https://", "wss://").replace("http://", "ws://")
        headers = {"Authorization": f"Bearer {target.token}"}
        connection = await connect(
            f"{url}/api/voice?session_id={session_id}",
            additional_headers=headers,
            max_size=MAX_MESSAGE_BYTES,
            open_timeout=WAIT_SECONDS,
            ping_timeout=WAIT_SECONDS,
        )
        line = cls(connection)
        try:
            ready = line.heard[await line.event("ready")].event or {}
            rate = int((ready.get("output_audio") or {}).get("sample_rate") or 22_050)
            line.output_bytes_per_second = rate * 2
            yield line
        finally:
            await line.close()

    @property
    def cursor(self) -> int:
        """How many frames have been heard so far."""
        return len(self.heard)

    @property
    def close_code(self) -> int | None:
        """The WebSocket close code, once closed."""
        return self.connection.close_code

    # -- the microphone ----------------------------------------------------------------------------

    def say(self, utterance: Utterance) -> Said:
        """Queue `utterance` on the microphone; the returned record fills in as it is sent."""
        said = Said(utterance, self.cursor)
        self._queue.put_nowait(said)
        return said

    async def _microphone(self) -> None:
        silent = bytes(FRAME_BYTES)
        next_at = time.monotonic()
        with contextlib.suppress(Exception):
            while True:
                if self._queue.empty():
                    await self.connection.send(silent)
                    next_at = await _pace(next_at)
                    continue
                said = self._queue.get_nowait()
                pcm, onset = said.utterance.pcm, said.utterance.onset
                for index in range(len(pcm) // FRAME_BYTES):
                    await self.connection.send(pcm[index * FRAME_BYTES : (index + 1) * FRAME_BYTES])
                    if index == onset:
                        said.onset_at = time.monotonic()
                    next_at = await _pace(next_at)
                said.done_index = self.cursor
                said.done.set()

    # -- what comes back -----------------------------------------------------------------------------

    async def _read(self) -> None:
        try:
            async for message in self.connection:
                now = time.monotonic()
                if isinstance(message, bytes):
                    self.heard.append(Heard(now, audio_bytes=len(message), turn=self._audio_turn))
                else:
                    event = json.loads(message)
                    if event.get("type") == "audio.start":
                        self._audio_turn = event.get("turn")
                    self.heard.append(Heard(now, event=event))
                self._changed.set()
        except Exception:
            pass  # a dropped connection ends the line like a close does
        finally:
            self._closed.set()
            self._changed.set()

    async def until(
        self, found: Callable[[Heard], bool], after: int = 0, *, what: str = "a frame", seconds: float = WAIT_SECONDS
    ) -> int:
        """The index of the first frame at or after `after` that `found` accepts (waiting `seconds` at most)."""
        try:
            async with asyncio.timeout(seconds):
                while True:
                    for index in range(after, len(self.heard)):
                        if found(self.heard[index]):
                            return index
                    after = max(after, len(self.heard))  # frames already looked at need no second look
                    if self._closed.is_set():
                        raise VoiceLineError(f"closed ({self.close_code}) while waiting for {what}")
                    self._changed.clear()
                    await self._changed.wait()
        except TimeoutError:
            raise VoiceLineTimeout(f"no {what} within {seconds:.0f} s") from None

    async def event(self, kind: str, after: int = 0, **fields: Any) -> int:
        """The index of the next `kind` event with these field values."""
        return await self.until(lambda heard: heard.is_event(kind, **fields), after, what=f"{kind} {fields or ''}")

    def events(self, kind: str, start: int = 0, end: int | None = None) -> list[tuple[int, dict[str, Any]]]:
        """The `kind` events heard between two indices, with their indices."""
        stop = len(self.heard) if end is None else end
        return [(i, h.event) for i, h in enumerate(self.heard[start:stop], start) if h.event and h.is_event(kind)]

    def audio_of(self, turn: int) -> list[Heard]:
        """The binary frames of `turn`'s audio."""
        return [heard for heard in self.heard if heard.audio_bytes and heard.turn == turn]

    async def send(self, message: dict[str, Any]) -> None:
        """Send a JSON message (a typed answer, playback.end, the end marker)."""
        await self.connection.send(json.dumps(message))

    # -- playing the interviewer -------------------------------------------------------------------

    async def first_audio(self, turn: int) -> tuple[int, float]:
        """The index of `turn`'s audio.start, and when its first audio frame arrived."""
        start = await self.event("audio.start", turn=turn)
        index = await self.until(lambda h: h.audio_bytes > 0 and h.turn == turn, start, what=f"audio of turn {turn}")
        return start, self.heard[index].at

    def playback_left(self, turn: int, first_at: float) -> float:
        """Seconds of `turn` still to play; infinite while its audio is still arriving."""
        if not any(h.is_event("audio.end", turn=turn) or h.is_event("interrupted", turn=turn) for h in self.heard):
            return float("inf")
        seconds = sum(h.audio_bytes for h in self.audio_of(turn)) / self.output_bytes_per_second
        return first_at + seconds - time.monotonic()

    async def play(self, turn: int) -> None:
        """Play `turn`'s audio in real time to its end, then report `playback.end` (not for a cut turn)."""
        start, first_at = await self.first_audio(turn)

        def over(heard: Heard) -> bool:
            return heard.is_event("audio.end", turn=turn) or heard.is_event("interrupted", turn=turn)

        end = await self.until(over, start, what=f"the end of turn {turn}'s audio")
        if self.heard[end].is_event("interrupted"):
            return
        await asyncio.sleep(max(0.0, self.playback_left(turn, first_at)))
        with contextlib.suppress(Exception):  # the last turn's close may come first
            await self.send({"type": "playback.end", "turn": turn})

    async def wait_closed(self) -> None:
        """Wait for the server to close the line (after an interview's last words)."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(CLOSE_WAIT_SECONDS):
                await self._closed.wait()

    async def close(self) -> None:
        """Stop the microphone and the reader, and close the socket."""
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        with contextlib.suppress(Exception):
            await self.connection.close()


async def _pace(next_at: float) -> float:
    """Sleep until the next frame is due; a microphone far behind starts afresh instead of bursting."""
    next_at += FRAME_SECONDS
    now = time.monotonic()
    if now - next_at > MAX_LAG_SECONDS:
        return now
    await asyncio.sleep(max(0.0, next_at - now))
    return next_at
