"""The bounded queue of one connection's outgoing events and audio, and the task that writes it."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from starlette.websockets import WebSocket

_OUTBOX_SIZE = 64


class SessionClosed(Exception):
    """The session ends with this WebSocket close code and reason."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


class Outbox:
    """JSON events and binary audio for the client, in order; a client that stops reading is dropped."""

    def __init__(self, websocket: WebSocket, send_timeout_seconds: float) -> None:
        self._ws = websocket
        self._send_timeout = send_timeout_seconds
        self._queue: asyncio.Queue[str | bytes] = asyncio.Queue(_OUTBOX_SIZE)

    def send(self, event: dict[str, Any]) -> None:
        """Queue a JSON event; a client this far behind is not reading and is dropped."""
        try:
            self._queue.put_nowait(json.dumps(event))
        except asyncio.QueueFull:
            raise SessionClosed(1008, "client is not reading") from None

    async def put_audio(self, pcm: bytes) -> None:
        """Queue an audio frame, waiting while the queue is full (the speaker's back-pressure)."""
        await self._queue.put(pcm)

    def drop_audio(self) -> None:
        """Forget every audio frame not yet written; the events queued among them stay, in order."""
        items: list[str | bytes] = []
        while not self._queue.empty():
            items.append(self._queue.get_nowait())
            self._queue.task_done()
        for item in items:
            if not isinstance(item, bytes):
                self._queue.put_nowait(item)

    async def drained(self) -> None:
        """Return once everything queued so far has been written."""
        await self._queue.join()

    async def write(self) -> None:
        """Write queued items for as long as the connection lives (runs as its own task)."""
        while True:
            item = await self._queue.get()
            try:
                async with asyncio.timeout(self._send_timeout):
                    if isinstance(item, bytes):
                        await self._ws.send_bytes(item)
                    else:
                        await self._ws.send_text(item)
            except TimeoutError:
                raise SessionClosed(1008, "client is not reading") from None
            self._queue.task_done()
