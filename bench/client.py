"""The simulated candidates' HTTP client (aiohttp, one large pool) and what it records."""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from bench.services import TOKEN

REQUEST_TIMEOUT = 120.0


@dataclass
class Recorder:
    """Per-route samples (seconds beyond the fakes' latency), first-byte samples, and errors by status."""

    added: defaultdict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    first: defaultdict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: defaultdict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    turns: int = 0
    on_request: Callable[[], None] | None = None

    def ok(self, route: str, seconds: float) -> None:
        """A successful request and its time beyond the vendor latency it waited for."""
        self.added[route].append(seconds)
        self._tick()

    def error(self, route: str, status: str) -> None:
        """A failed request: the HTTP status, or the exception's name."""
        self.errors[route][status] += 1
        self._tick()

    def error_total(self) -> int:
        """Every error recorded."""
        return sum(sum(counter.values()) for counter in self.errors.values())

    def _tick(self) -> None:
        """Advance the progress bar, if any."""
        if self.on_request is not None:
            self.on_request()


def _describe(error: BaseException) -> str:
    """An exception as an error key: its type and the start of its message."""
    message = str(error).strip()
    return f"{type(error).__name__}: {message[:60]}" if message else type(error).__name__


def client_session() -> aiohttp.ClientSession:
    """One session with an unlimited pool (a connection per concurrent candidate), so the client never queues."""
    # Idle connections are dropped before uvicorn's 5 s keep-alive ends, so the client never reuses one the server
    # is closing (that race shows up as ClientOSError, a client artefact).
    connector = aiohttp.TCPConnector(limit=0, limit_per_host=0, keepalive_timeout=3.0)
    headers = {"Authorization": f"Bearer {TOKEN}"}
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)
    return aiohttp.ClientSession(connector=connector, headers=headers, timeout=timeout, trust_env=False)


class Api:
    """Timed calls to one server for one recorder."""

    def __init__(self, http: aiohttp.ClientSession, base_url: str, recorder: Recorder) -> None:
        self.http, self.base_url, self.recorder = http, base_url, recorder

    async def post(self, route: str, path: str, body: dict[str, Any], vendor_seconds: float) -> dict[str, Any] | None:
        """POST JSON; record the time beyond `vendor_seconds`; return the reply, or None on an error."""
        started = time.perf_counter()
        try:
            async with self.http.post(self.base_url + path, json=body) as response:
                raw = await response.read()
                elapsed = time.perf_counter() - started
                if response.status != 200:
                    self.recorder.error(route, str(response.status))
                    return None
        except (aiohttp.ClientError, TimeoutError) as error:
            self.recorder.error(route, _describe(error))
            return None
        self.recorder.ok(route, elapsed - vendor_seconds)
        reply: dict[str, Any] = json.loads(raw)
        return reply

    async def speak(self, text: str, style: str, first_byte: float, total: float, expected_bytes: int) -> None:
        """POST /api/tts and stream the audio: time to first byte and whole time, beyond the fake's."""
        started = time.perf_counter()
        first_at: float | None = None
        size = 0
        try:
            body = {"text": text, "voice_style": style}
            async with self.http.post(self.base_url + "/api/tts", json=body) as response:
                if response.status != 200:
                    await response.read()
                    self.recorder.error("tts", str(response.status))
                    return
                async for chunk in response.content.iter_any():
                    if first_at is None and chunk:
                        first_at = time.perf_counter() - started
                    size += len(chunk)
        except (aiohttp.ClientError, TimeoutError) as error:
            self.recorder.error("tts", _describe(error))
            return
        elapsed = time.perf_counter() - started
        if first_at is None or (expected_bytes and size != expected_bytes):
            self.recorder.error("tts", f"audio {size} bytes, expected {expected_bytes}")
            return
        self.recorder.first["tts"].append(first_at - first_byte)
        self.recorder.ok("tts", elapsed - total)

    async def stream(self, body: dict[str, Any], first_token: float) -> bool:
        """POST /api/chat/stream: time to the first `delta` event beyond the fake's first token; True on `done`."""
        started = time.perf_counter()
        first_at: float | None = None
        event, done = "", False
        try:
            async with self.http.post(self.base_url + "/api/chat/stream", json=body) as response:
                if response.status != 200:
                    await response.read()
                    self.recorder.error("chat/stream", str(response.status))
                    return False
                async for raw in response.content:
                    line = raw.decode().rstrip("\r\n")
                    if line.startswith("event:"):
                        event = line.removeprefix("event:").strip()
                    elif line.startswith("data:") and event == "delta" and first_at is None:
                        first_at = time.perf_counter() - started
                    elif line.startswith("data:") and event in ("done", "error"):
                        done = event == "done"
        except (aiohttp.ClientError, TimeoutError) as error:
            self.recorder.error("chat/stream", _describe(error))
            return False
        if first_at is None or not done:
            self.recorder.error("chat/stream", "no delta" if first_at is None else f"ended without done ({event})")
            return False
        self.recorder.ok("chat/stream", first_at - first_token)  # this route's sample is its first delta
        return True


async def probe(http: aiohttp.ClientSession, url: str, samples: list[float], interval: float = 0.05) -> None:
    """GET an instant route every `interval` until cancelled: slow here means the server's loop is busy."""
    while True:
        started = time.perf_counter()
        try:
            async with http.get(url) as response:
                await response.read()
            samples.append(time.perf_counter() - started)
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(interval)


async def floor(http: aiohttp.ClientSession, url: str, requests: int) -> list[float]:
    """Sequential round trips to an instant endpoint: what the client and loopback cost by themselves."""
    samples: list[float] = []
    body = {"session_id": "0" * 36, "user_message": "An answer of about the usual size. " * 6}
    for _ in range(requests):
        started = time.perf_counter()
        async with http.post(url, json=body) as response:
            await response.read()
        samples.append(time.perf_counter() - started)
    return samples
