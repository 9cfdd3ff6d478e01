"""The fake vendors in their own process, so their CPU is not the server's: `python -m bench.fakes LATENCY READY`.

Claude, Gemini and ElevenLabs (the wire-level test fakes, fixed latency) plus a control app with
`GET /stats` (requests per vendor), `POST /null` (an instant answer, to measure the client's floor)
and `POST /timer` (how late the fakes' sleeps woke since the last call), each on its own 127.0.0.1
port. The process writes its URLs as JSON to READY and stops when its stdin closes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send
from tests.fakes.anthropic import FakeAnthropic, Reply
from tests.fakes.elevenlabs import FakeElevenLabs, silent_mp3
from tests.fakes.gemini import FakeGemini
from tests.fakes.gemini import Reply as GeminiReply
from tests.fakes.scripts import EVALUATION, interviewer_reply

from bench.config import FakeLatency
from bench.loop import run_fast
from bench.stats import summarize_ms
from interviewsim.runtime import settle_heap_for_serving

ANTHROPIC_KEY = "sk-ant-bench-0123456789"
GEMINI_KEY = "gm-bench-0123456789"
ELEVEN_KEY = "el-bench-0123456789"


class BenchAnthropic(FakeAnthropic):
    """FakeAnthropic whose first streamed delta already carries reply text (not only `{"text_response": `)."""

    def deltas(self, behaviour: Reply, body: dict[str, Any]) -> tuple[str, ...]:
        """The vendor's word-by-word deltas with the first two merged."""
        pieces = super().deltas(behaviour, body)
        return (pieces[0] + pieces[1], *pieces[2:]) if len(pieces) > 1 else pieces


class Tally:
    """Requests per vendor, and the distinct client connections (address, port) they came on."""

    def __init__(self) -> None:
        self.requests: Counter[str] = Counter()
        self.peers: dict[str, set[tuple[str, int]]] = {}

    def as_json(self) -> dict[str, dict[str, int]]:
        """`{"requests": {vendor: n}, "connections": {vendor: n}}`."""
        return {"requests": dict(self.requests), "connections": {name: len(p) for name, p in self.peers.items()}}


class TimerProbe:
    """Measures how late a sleep wakes on the fakes' loop: every fake's fixed latency overshoots by as much.

    The loop's timers have millisecond resolution and the loop is busy serving, so a 1 s sleep
    ends a little after 1 s; the bench counts that as the server's added latency unless it is known.
    """

    INTERVAL = 0.05

    def __init__(self) -> None:
        self.lateness: list[float] = []

    async def run(self) -> None:
        """Sleep INTERVAL over and over, noting how late each wake-up is (until cancelled)."""
        while True:
            started = time.perf_counter()
            await asyncio.sleep(self.INTERVAL)
            self.lateness.append(max(0.0, time.perf_counter() - started - self.INTERVAL))

    def take(self) -> dict[str, float | int | None]:
        """The lateness since the last call, summarized in ms; starts a new window."""
        samples, self.lateness = self.lateness, []
        return summarize_ms(samples)


class Counted:
    """ASGI wrapper counting the HTTP requests an app receives and the connections they use."""

    def __init__(self, app: ASGIApp, tally: Tally, name: str) -> None:
        self.app, self.tally, self.name = app, tally, name
        tally.peers[name] = set()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Count, then delegate."""
        if scope["type"] == "http":
            self.tally.requests[self.name] += 1
            if scope.get("client"):
                self.tally.peers[self.name].add(tuple(scope["client"]))
        await self.app(scope, receive, send)


class QuietServer(uvicorn.Server):
    """A uvicorn server that leaves signals alone (several run on one loop)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        """Do not install signal handlers."""
        yield


def control_app(tally: Tally, timer: TimerProbe) -> Starlette:
    """`GET /stats`, `POST /null` and `POST /timer`."""

    async def stats(_: Request) -> JSONResponse:
        return JSONResponse(tally.as_json())

    async def null(request: Request) -> JSONResponse:
        await request.body()
        return JSONResponse({"ok": True})

    async def timer_lateness(_: Request) -> JSONResponse:
        return JSONResponse(timer.take())

    return Starlette(
        routes=[
            Route("/stats", stats),
            Route("/null", null, methods=["POST"]),
            Route("/timer", timer_lateness, methods=["POST"]),
        ]
    )


def vendor_apps(latency: FakeLatency, tally: Tally, timer: TimerProbe) -> tuple[dict[str, ASGIApp], bytes]:
    """The three fakes (counted) and the control app, by name; and the MP3 the voice fake sends."""
    anthropic = BenchAnthropic(
        default=interviewer_reply,
        first_token_delay=latency.anthropic,
        delta_delay=latency.delta,
        api_key=ANTHROPIC_KEY,
    )
    gemini = FakeGemini(api_key=GEMINI_KEY, default=GeminiReply(json.dumps(EVALUATION), delay=latency.gemini))
    audio = silent_mp3(latency.audio_seconds)
    eleven = FakeElevenLabs(
        audio,
        chunk_count=latency.tts_chunks,
        first_byte_delay=latency.tts_first_byte,
        chunk_delay=latency.tts_chunk,
    )
    eleven.set_key(ELEVEN_KEY, "ok")
    apps: dict[str, ASGIApp] = {
        "anthropic": Counted(anthropic.app, tally, "anthropic"),
        "gemini": Counted(gemini.app, tally, "gemini"),
        "eleven": Counted(eleven.app, tally, "eleven"),
        "control": control_app(tally, timer),
    }
    return apps, audio


def listening_socket() -> socket.socket:
    """A bound, listening 127.0.0.1 socket on a free port."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(4096)
    return sock


async def serve(latency: FakeLatency, ready: Path) -> None:
    """Serve every app until stdin closes."""
    timer = TimerProbe()
    apps, audio = vendor_apps(latency, Tally(), timer)
    servers, sockets, urls = [], [], {}
    for name, app in apps.items():
        sock = listening_socket()
        config = uvicorn.Config(
            app, log_level="warning", access_log=False, lifespan="off", backlog=4096, timeout_keep_alive=75
        )
        servers.append(QuietServer(config))
        sockets.append(sock)
        urls[name] = f"http://127.0.0.1:{sock.getsockname()[1]}"
    tasks = [asyncio.create_task(server.serve(sockets=[sock])) for server, sock in zip(servers, sockets, strict=True)]
    probe = asyncio.create_task(timer.run())
    while not all(server.started for server in servers):  # noqa: ASYNC110 - uvicorn exposes a flag, not an event
        await asyncio.sleep(0.01)
    # Like the server: the fakes' own collector pauses would otherwise count as server latency.
    settle_heap_for_serving()
    temporary = ready.with_suffix(".tmp")
    temporary.write_text(json.dumps({"urls": urls, "audio_bytes": len(audio)}))
    temporary.rename(ready)
    await asyncio.to_thread(_wait_for_stdin_eof)
    probe.cancel()
    for server in servers:
        server.should_exit = True
    await asyncio.gather(*tasks, probe, return_exceptions=True)


def _wait_for_stdin_eof() -> None:
    """Block until the parent closes our stdin (or dies)."""
    while sys.stdin.buffer.read(1024):
        pass


def main() -> None:
    """Entry point of the fakes process."""
    latency, ready = FakeLatency.from_json(sys.argv[1]), Path(sys.argv[2])
    run_fast(serve(latency, ready))


if __name__ == "__main__":
    main()
