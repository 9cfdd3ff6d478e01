"""A wire-exact fake of Anthropic's Messages API (`POST /v1/messages`), scripted request by request.

The scripting pieces (`Reply`, `Fault`, `StreamError`, `ScriptedFake`) are shared with the OpenAI fake.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import re
import threading
import uuid
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from tests.support.servers import thread_server

ReplyFn = Callable[[dict[str, Any]], str]


@dataclass(frozen=True)
class Reply:
    """Answer normally: `text` (the fake's default when None), streamed as `chunks` when given."""

    text: str | None = None
    chunks: tuple[str, ...] | None = None
    stop_reason: str | None = None  # vendor default when None
    before_last: threading.Event | None = None  # streaming: hold the last delta until the test sets this


@dataclass(frozen=True)
class Fault:
    """Answer with an HTTP error in the vendor's error shape."""

    status: int
    error_type: str | None = None  # vendor default for the status when None
    message: str | None = None
    retry_after: float | None = None
    code: str | None = None  # OpenAI's `error.code`
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class StreamError:
    """Start a 200 stream, send `after` deltas of `text`, then an error frame (an HTTP error when not streaming)."""

    error_type: str | None = None  # vendor's "overloaded" type when None
    message: str = "Overloaded"
    after: int = 1
    text: str = "A partial answer that never finishes."


Behaviour = Reply | Fault | StreamError


@dataclass(frozen=True)
class Recorded:
    """One request the fake received."""

    path: str
    headers: dict[str, str]
    json: dict[str, Any]


def split_words(text: str) -> tuple[str, ...]:
    """Deltas the way vendors send them: a word and its trailing space at a time."""
    return tuple(re.findall(r"\s*\S+\s*", text)) or (text,)


def count_tokens(text: str) -> int:
    """A stand-in tokenizer: one token per word."""
    return len(text.split())


def sse(data: Mapping[str, Any] | str, event: str | None = None) -> bytes:
    """One server-sent event frame."""
    payload = data if isinstance(data, str) else json.dumps(data, separators=(",", ":"))
    head = f"event: {event}\n" if event else ""
    return f"{head}data: {payload}\n\n".encode()


class ScriptedFake:
    """A vendor fake: a queue of behaviours consumed per request, a default reply, delays, a hold, a request log."""

    path = "/"
    stream_error_status = 500  # the HTTP status a StreamError becomes when the request does not stream

    def __init__(
        self,
        *,
        default: str | ReplyFn = "Thanks, that is a clear answer. What would you do differently next time?",
        first_token_delay: float = 0.0,
        delta_delay: float = 0.0,
        hold: threading.Event | None = None,
        api_key: str | None = None,
    ) -> None:
        self.script: deque[Behaviour] = deque()
        self.requests: list[Recorded] = []
        self.default = default
        self.first_token_delay = first_token_delay
        self.delta_delay = delta_delay
        self.hold = hold  # every request waits for it before answering
        self.api_key = api_key  # when set, requests with another key get a 401
        self._closed = threading.Event()
        self.app = Starlette(routes=[Route(self.path, self._handle, methods=["POST"])])

    def queue(self, *behaviours: Behaviour) -> None:
        """Append behaviours; each request consumes one, then the default reply applies."""
        self.script.extend(behaviours)

    def close(self) -> None:
        """Release every hold and gate so the server can stop."""
        self._closed.set()

    @property
    def request_count(self) -> int:
        """How many requests arrived."""
        return len(self.requests)

    async def wait(self, event: threading.Event) -> None:
        """Wait for a test-controlled event (polled: the test sets it from another thread)."""
        # A threading.Event because the test's loop runs in another thread; asyncio.Event is not thread-safe.
        while not event.is_set() and not self._closed.is_set():  # noqa: ASYNC110
            await asyncio.sleep(0.005)

    def reply_text(self, behaviour: Reply, body: dict[str, Any]) -> str:
        """The text to answer with."""
        if behaviour.text is not None:
            return behaviour.text
        return self.default if isinstance(self.default, str) else self.default(body)

    def deltas(self, behaviour: Reply, body: dict[str, Any]) -> tuple[str, ...]:
        """The streamed pieces of a reply."""
        return behaviour.chunks if behaviour.chunks is not None else split_words(self.reply_text(behaviour, body))

    async def _handle(self, request: Request) -> Response:
        try:
            body = await request.json()
        except json.JSONDecodeError:
            body = None
        self.requests.append(Recorded(request.url.path, dict(request.headers), body if isinstance(body, dict) else {}))
        if self.hold is not None:
            await self.wait(self.hold)
        problem = self.check(request, body)
        if problem is not None:
            return self.error(problem)
        assert isinstance(body, dict)
        behaviour = self.script.popleft() if self.script else Reply()
        if isinstance(behaviour, Fault):
            return self.error(behaviour)
        if isinstance(behaviour, StreamError) and not body.get("stream"):
            return self.error(Fault(self.stream_error_status, behaviour.error_type, behaviour.message))
        if body.get("stream"):
            frames = self.stream_frames(body, behaviour)
            return StreamingResponse(frames, media_type="text/event-stream; charset=utf-8", headers=self.headers())
        assert isinstance(behaviour, Reply)
        await asyncio.sleep(self.first_token_delay)
        return JSONResponse(self.reply_json(body, behaviour), headers=self.headers())

    def key_ok(self, request: Request) -> bool:
        """Whether the request carries the expected key (when one is set)."""
        if self.api_key is None:
            return True
        bearer = request.headers.get("authorization", "").removeprefix("Bearer ")
        return self.api_key in (request.headers.get("x-api-key"), bearer)

    async def paced(self, deltas: tuple[str, ...], gate: threading.Event | None) -> AsyncIterator[str]:
        """Yield the deltas with the configured first-token and per-delta delays and the last-delta gate."""
        await asyncio.sleep(self.first_token_delay)
        for index, delta in enumerate(deltas):
            if index:
                await asyncio.sleep(self.delta_delay)
            if gate is not None and index == len(deltas) - 1:
                await self.wait(gate)
            yield delta

    # Vendor-specific parts.
    def check(self, request: Request, body: object) -> Fault | None:
        """Reject requests the vendor would reject."""
        raise NotImplementedError

    def error(self, fault: Fault) -> Response:
        """An error response in the vendor's shape."""
        raise NotImplementedError

    def headers(self) -> dict[str, str]:
        """Headers of successful responses."""
        return {}

    def reply_json(self, body: dict[str, Any], behaviour: Reply) -> dict[str, Any]:
        """A complete non-streamed answer."""
        raise NotImplementedError

    def stream_frames(self, body: dict[str, Any], behaviour: Reply | StreamError) -> AsyncIterator[bytes]:
        """A streamed answer."""
        raise NotImplementedError


ANTHROPIC_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    402: "billing_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    504: "timeout_error",
    529: "overloaded_error",
}
ANTHROPIC_MESSAGES = {
    "invalid_request_error": "Invalid request.",
    "authentication_error": "invalid x-api-key",
    "rate_limit_error": "Number of request tokens has exceeded your per-minute rate limit.",
    "api_error": "Internal server error",
    "overloaded_error": "Overloaded",
}
_ids = itertools.count(1)


def _id(prefix: str) -> str:
    return f"{prefix}_{next(_ids):04d}{uuid.uuid4().hex[:20]}"


def _text_of(content: object) -> str:
    """The text of a message's content: a string or a list of blocks."""
    if isinstance(content, str):
        return content
    parts = content if isinstance(content, list) else []
    return " ".join(str(part.get("text", "")) for part in parts if isinstance(part, dict))


class FakeAnthropic(ScriptedFake):
    """`POST /v1/messages` as Anthropic serves it, JSON and SSE, with prompt-cache accounting."""

    path = "/v1/messages"
    stream_error_status = 529

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._cached: set[str] = set()

    def check(self, request: Request, body: object) -> Fault | None:
        """Missing version header, key, JSON body or required fields, as the real API rejects them."""
        if not self.key_ok(request):
            return Fault(401, "authentication_error", "invalid x-api-key")
        if "anthropic-version" not in request.headers:
            return Fault(400, "invalid_request_error", "anthropic-version: header is required")
        if not isinstance(body, dict):
            return Fault(400, "invalid_request_error", "There was an error parsing the body.")
        for name in ("model", "max_tokens", "messages"):
            if name not in body:
                return Fault(400, "invalid_request_error", f"{name}: Field required")
        return None

    def error(self, fault: Fault) -> Response:
        """`{"type": "error", "error": {...}}` with the status and an optional retry-after."""
        kind = fault.error_type or ANTHROPIC_ERROR_TYPES.get(fault.status, "api_error")
        message = fault.message or ANTHROPIC_MESSAGES.get(kind, kind)
        headers = {"request-id": _id("req"), **fault.headers}
        if fault.retry_after is not None:
            headers["retry-after"] = f"{fault.retry_after:g}"
        content = {"type": "error", "error": {"type": kind, "message": message}, "request_id": headers["request-id"]}
        return JSONResponse(content, status_code=fault.status, headers=headers)

    def headers(self) -> dict[str, str]:
        """The request id every answer carries."""
        return {"request-id": _id("req")}

    def usage(self, body: dict[str, Any], output_text: str) -> dict[str, int]:
        """Token counts; a system block marked for caching is created once, then read from the cache."""
        system = body.get("system")
        blocks = [{"type": "text", "text": system}] if isinstance(system, str) else list(system or [])
        cached = "".join(block["text"] for block in blocks if block.get("cache_control"))
        plain = [block["text"] for block in blocks if not block.get("cache_control")]
        plain += [_text_of(message.get("content")) for message in body.get("messages", [])]
        hit = cached in self._cached
        if cached:
            self._cached.add(cached)
        return {
            "input_tokens": count_tokens(" ".join(plain)),
            "output_tokens": max(1, count_tokens(output_text)),
            "cache_creation_input_tokens": 0 if hit or not cached else count_tokens(cached),
            "cache_read_input_tokens": count_tokens(cached) if hit else 0,
        }

    def message(
        self, body: dict[str, Any], text: str | None, usage: dict[str, int], stop: str | None
    ) -> dict[str, Any]:
        """A Message object."""
        content = [] if text is None else [{"type": "text", "text": text}]
        return {
            "id": _id("msg"),
            "type": "message",
            "role": "assistant",
            "model": body["model"],
            "content": content,
            "stop_reason": stop,
            "stop_sequence": None,
            "usage": usage,
        }

    def reply_json(self, body: dict[str, Any], behaviour: Reply) -> dict[str, Any]:
        """The non-streamed Message."""
        text = "".join(self.deltas(behaviour, body))
        return self.message(body, text, self.usage(body, text), behaviour.stop_reason or "end_turn")

    async def stream_frames(self, body: dict[str, Any], behaviour: Reply | StreamError) -> AsyncIterator[bytes]:
        """message_start, content_block_start, ping, deltas, content_block_stop, message_delta, message_stop."""
        if isinstance(behaviour, StreamError):
            deltas = split_words(behaviour.text)[: behaviour.after]
            gate = None
        else:
            deltas, gate = self.deltas(behaviour, body), behaviour.before_last
        usage = self.usage(body, "".join(deltas))
        start_usage = {**usage, "output_tokens": 1}
        yield sse({"type": "message_start", "message": self.message(body, None, start_usage, None)}, "message_start")
        block = {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}
        yield sse(block, "content_block_start")
        yield sse({"type": "ping"}, "ping")
        async for delta in self.paced(deltas, gate):
            frame = {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": delta}}
            yield sse(frame, "content_block_delta")
        if isinstance(behaviour, StreamError):
            kind = behaviour.error_type or "overloaded_error"
            yield sse({"type": "error", "error": {"type": kind, "message": behaviour.message}}, "error")
            return
        yield sse({"type": "content_block_stop", "index": 0}, "content_block_stop")
        stop = {"stop_reason": behaviour.stop_reason or "end_turn", "stop_sequence": None}
        yield sse(
            {"type": "message_delta", "delta": stop, "usage": {"output_tokens": usage["output_tokens"]}},
            "message_delta",
        )
        yield sse({"type": "message_stop"}, "message_stop")


@contextlib.contextmanager
def serve(fake: ScriptedFake) -> Iterator[str]:
    """Serve any scripted fake on 127.0.0.1; yield its root URL; release its holds before stopping."""
    with thread_server(fake.app) as base_url:
        try:
            yield base_url
        finally:
            fake.close()


@contextlib.contextmanager
def running_fake_anthropic(**options: Any) -> Iterator[tuple[FakeAnthropic, str]]:
    """A live FakeAnthropic; yields `(fake, base_url)` where base_url is the SDK's `base_url`."""
    fake = FakeAnthropic(**options)
    with serve(fake) as base_url:
        yield fake, base_url
