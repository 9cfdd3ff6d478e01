"""A real WebSocket client of GET /api/voice: streams microphone-like audio at real-time pace, records events."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

FRAME_SECONDS = 0.02
FRAME_BYTES = int(16_000 * FRAME_SECONDS) * 2


@dataclass
class Received:
    """One frame from the server, with when it arrived (monotonic seconds)."""

    at: float
    event: dict[str, Any] | None = None  # a text frame
    audio: bytes | None = None  # a binary frame


@dataclass
class VoiceClient:
    """Sends silence continuously, speech when asked; reads every frame in the background."""

    connection: ClientConnection
    received: list[Received] = field(default_factory=list)
    speech_sent: list[tuple[float, float]] = field(default_factory=list)  # (started, ended) of each clip
    _clips: asyncio.Queue[bytes] = field(default_factory=asyncio.Queue)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)
    _changed: asyncio.Event = field(default_factory=asyncio.Event)
    closed: asyncio.Event = field(default_factory=asyncio.Event)

    @classmethod
    async def open(
        cls,
        base_url: str,
        session_id: str,
        *,
        token: str | None,
        origin: str | None = None,
        read: bool = True,
        sock: socket.socket | None = None,
    ) -> VoiceClient:
        url = base_url.replace("http://", "ws://") + f"/api/voice?session_id={session_id}"
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        connection = await connect(url, additional_headers=headers, origin=origin, max_size=2**20, sock=sock)  # type: ignore[arg-type]
        client = cls(connection)
        client._tasks.append(asyncio.create_task(client._send_loop()))
        if read:
            client._tasks.append(asyncio.create_task(client._read_loop()))
        return client

    async def _read_loop(self) -> None:
        try:
            async for message in self.connection:
                now = time.monotonic()
                if isinstance(message, bytes):
                    self.received.append(Received(now, audio=message))
                else:
                    self.received.append(Received(now, event=json.loads(message)))
                self._changed.set()
        except Exception:
            pass
        finally:
            self.closed.set()
            self._changed.set()

    async def _send_loop(self) -> None:
        """A microphone: one 20 ms frame every 20 ms, silence unless a clip is queued."""
        next_at = time.monotonic()
        clip, offset = b"", 0
        try:
            while True:
                if offset >= len(clip) and not self._clips.empty():
                    if clip:
                        self.speech_sent[-1] = (self.speech_sent[-1][0], time.monotonic())
                    clip, offset = self._clips.get_nowait(), 0
                    self.speech_sent.append((time.monotonic(), 0.0))
                elif offset >= len(clip) and clip:
                    self.speech_sent[-1] = (self.speech_sent[-1][0], time.monotonic())
                    clip = b""
                frame = clip[offset : offset + FRAME_BYTES] if offset < len(clip) else b""
                offset += FRAME_BYTES
                frame = frame.ljust(FRAME_BYTES, b"\0")
                await self.connection.send(frame)
                next_at += FRAME_SECONDS
                await asyncio.sleep(max(0.0, next_at - time.monotonic()))
        except Exception:
            return

    async def say(self, pcm: bytes) -> None:
        """Speak `pcm` (16 kHz s16le) into the stream at real-time pace; returns when it has been sent."""
        await self._clips.put(pcm)
        await asyncio.sleep(len(pcm) / 32_000 + 0.1)

    async def send_json(self, message: dict[str, Any]) -> None:
        await self.connection.send(json.dumps(message))

    def events(self, kind: str | None = None) -> list[dict[str, Any]]:
        return [r.event for r in self.received if r.event is not None and (kind is None or r.event["type"] == kind)]

    async def wait_for(
        self,
        kind: str,
        predicate: Callable[[dict[str, Any]], bool] = lambda _: True,
        *,
        after: int = 0,
    ) -> tuple[int, dict[str, Any]]:
        """The first event of `kind` at index ≥ `after` matching `predicate`, and its index (120 s at most).

        Generous: on a shared 2-core machine Whisper can be many times slower than alone.
        """
        try:
            async with asyncio.timeout(120):
                while True:
                    for index, item in enumerate(self.received[after:], start=after):
                        if item.event is not None and item.event["type"] == kind and predicate(item.event):
                            return index, item.event
                    if self.closed.is_set():
                        raise AssertionError(f"closed before {kind}: {self.events()}")
                    self._changed.clear()
                    await self._changed.wait()
        except TimeoutError:
            raise AssertionError(f"no {kind} within 120 s; events: {self.events()}") from None

    async def finish_playback(self, after: int = 0) -> int:
        """Wait for the next turn's audio.end and report playback done; the index of audio.end."""
        index, event = await self.wait_for("audio.end", after=after)
        await self.send_json({"type": "playback.end", "turn": event["turn"]})
        return index

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.connection.close()

    @property
    def close_code(self) -> int | None:
        return self.connection.close_code

    @property
    def close_reason(self) -> str | None:
        return self.connection.close_reason
