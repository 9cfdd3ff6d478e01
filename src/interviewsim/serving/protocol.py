"""uvicorn's h11 protocol with deadlines for receiving a request, which uvicorn itself lacks.

uvicorn's only timer is keep-alive between requests, cancelled by any byte that arrives: a client
trickling one byte a second (slow loris) or connecting and sending nothing holds its connection
forever. Here a request's head must arrive within `header_timeout_seconds` of its first byte (or of
the connection opening) and its body within `body_timeout_seconds` of the head; otherwise the
connection is closed (a 408 first, when no response has begun). h11 itself caps the head's size
(`h11_max_incomplete_event_size`). A request fully received, a streamed response or a WebSocket
upgrade is never timed by these deadlines.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from typing import Any, Literal

import h11
from uvicorn.config import Config
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.server import ServerState

from interviewsim.config import load_settings

log = logging.getLogger(__name__)

Phase = Literal["head", "body"]
_REQUEST_TIMEOUT = (
    b"HTTP/1.1 408 Request Timeout\r\n"
    b"content-type: text/plain; charset=utf-8\r\n"
    b"content-length: 26\r\n"
    b"connection: close\r\n\r\n"
    b"The request took too long."
)


@functools.cache
def request_deadlines() -> dict[Phase, float]:
    """Seconds allowed for a request's head and body, read once per worker from the environment."""
    settings = load_settings()
    return {"head": settings.header_timeout_seconds, "body": settings.body_timeout_seconds}


class DeadlineH11Protocol(H11Protocol):
    """H11Protocol that closes a connection whose request head or body does not arrive in time."""

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self._deadlines = request_deadlines()
        self._phase: Phase | None = None
        self._timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._enter("head")  # a connection that never sends a request is closed too

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        self._follow_request()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._follow_request()  # a pipelined request may have been read meanwhile

    def connection_lost(self, exc: Exception | None) -> None:
        self._enter(None)
        super().connection_lost(exc)

    def _follow_request(self) -> None:
        """Arm the deadline of the part of the request still being received, if any."""
        if self.transport.is_closing() or self.transport.get_protocol() is not self:
            self._enter(None)  # closed, or handed to the WebSocket protocol
            return
        state = self.conn.their_state
        if state is h11.SEND_BODY:
            self._enter("body")
        elif state is h11.IDLE and (self.cycle is None or self.conn.trailing_data[0]):
            self._enter("head")  # the first request, or part of the next one's head, is still arriving
        else:
            self._enter(None)  # between requests uvicorn's keep-alive timer applies

    def _enter(self, phase: Phase | None) -> None:
        """Start `phase`'s deadline (kept when already in it); None cancels."""
        if phase == self._phase:
            return
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._phase = phase
        if phase is not None:
            self._timer = self.loop.call_later(self._deadlines[phase], self._expire)

    def _expire(self) -> None:
        phase, self._timer = self._phase, None
        if self.transport.is_closing():
            return
        client = self.client[0] if self.client else "unknown"
        log.info("closing a connection from %s: the request %s did not arrive in time", client, phase)
        if phase == "head":
            self.transport.write(_REQUEST_TIMEOUT)
        self.transport.close()
