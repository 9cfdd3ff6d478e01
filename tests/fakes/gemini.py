"""A wire-exact fake of the Gemini Developer API generateContent endpoints, for real-HTTP tests."""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from tests.support.servers import thread_server

VERSIONS = ("v1", "v1beta")
HOLD_LIMIT = 30.0  # seconds a held request waits before giving up on its own

ReplyText = str | Callable[[dict[str, Any]], str]


@dataclass(frozen=True)
class Reply:
    """Answer with text (or text computed from the request JSON); streams split it into `chunks`."""

    text: ReplyText = "OK"
    chunks: Sequence[str] | None = None  # stream deltas (then `text` is ignored); default: `text` word by word
    finish_reason: str = "STOP"
    delay: float = 0.0
    hold_before_last: bool = False  # stream: send all but the last chunk, then wait for release()
    break_after: int | None = None  # stream: drop the connection after this many chunks


@dataclass(frozen=True)
class Fail:
    """Answer with a Google error body `{"error": {code, message, status}}`."""

    status: int
    status_text: str
    message: str
    retry_after: str | None = None  # Retry-After header value
    details: Sequence[dict[str, Any]] = ()
    delay: float = 0.0


@dataclass(frozen=True)
class Hold:
    """Wait until release() (or HOLD_LIMIT), then behave as `then`."""

    then: Reply | Fail = field(default_factory=Reply)


@dataclass(frozen=True)
class Blocked:
    """A safety block: prompt blocked with no candidates, or a candidate stopped with no content."""

    reason: str = "SAFETY"
    in_candidate: bool = False


Behaviour = Reply | Fail | Hold | Blocked


@dataclass(frozen=True)
class Recorded:
    """One request the fake received."""

    path: str
    query: dict[str, str]
    headers: dict[str, str]
    json: dict[str, Any]

    @property
    def model(self) -> str:
        """The model id in the path."""
        return self.path.rsplit("/", 1)[-1].split(":", 1)[0]

    @property
    def method(self) -> str:
        """generateContent or streamGenerateContent."""
        return self.path.rsplit(":", 1)[-1]


class FakeGemini:
    """Serves generateContent and streamGenerateContent (SSE) under /v1 and /v1beta from a script queue."""

    def __init__(self, *, api_key: str | None = None, default: Behaviour | None = None) -> None:
        self.api_key = api_key  # when set, any other key gets Google's 400 API_KEY_INVALID
        self.default: Behaviour = default or Reply()
        self.requests: list[Recorded] = []
        self.sent_last_chunk = threading.Event()
        self._script: deque[Behaviour] = deque()
        self._lock = threading.Lock()
        self._released = threading.Event()
        self.app = Starlette(routes=[Route("/{version}/models/{target}", self._handle, methods=["POST"])])

    def script(self, *behaviours: Behaviour) -> FakeGemini:
        """Queue behaviours, one per request, before the default takes over."""
        with self._lock:
            self._script.extend(behaviours)
        return self

    def release(self) -> None:
        """Let held requests and held stream endings proceed."""
        self._released.set()

    def _next(self) -> Behaviour:
        with self._lock:
            return self._script.popleft() if self._script else self.default

    async def _handle(self, request: Request) -> Response:
        version = request.path_params["version"]
        model, _, method = str(request.path_params["target"]).partition(":")
        body = await request.json()
        headers = {name.lower(): value for name, value in request.headers.items()}
        self.requests.append(Recorded(request.url.path, dict(request.query_params), headers, body))
        if version not in VERSIONS or method not in ("generateContent", "streamGenerateContent"):
            return error_response(404, "NOT_FOUND", f"Method not found: {request.url.path}")
        if self.api_key is not None and request.headers.get("x-goog-api-key") != self.api_key:
            return error_response(400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key.")
        if method == "streamGenerateContent" and request.query_params.get("alt") != "sse":
            return error_response(400, "INVALID_ARGUMENT", "this fake streams with alt=sse only")
        return await self._behave(self._next(), model, body, stream=method == "streamGenerateContent")

    async def _behave(self, behaviour: Behaviour, model: str, body: dict[str, Any], *, stream: bool) -> Response:
        if isinstance(behaviour, Hold):
            await self._wait_released()
            behaviour = behaviour.then
        if isinstance(behaviour, Fail):
            await asyncio.sleep(behaviour.delay)
            headers = {"Retry-After": behaviour.retry_after} if behaviour.retry_after else None
            return error_response(
                behaviour.status, behaviour.status_text, behaviour.message, headers=headers, details=behaviour.details
            )
        if isinstance(behaviour, Blocked):
            return self._respond([blocked_payload(behaviour, model, body)], stream=stream)
        await asyncio.sleep(behaviour.delay)
        text = behaviour.text(body) if callable(behaviour.text) else behaviour.text
        if not stream:
            return JSONResponse(reply_payload(text, model, body, finish_reason=behaviour.finish_reason, usage=True))
        return StreamingResponse(self._sse(behaviour, text, model, body), media_type="text/event-stream")

    def _respond(self, payloads: list[dict[str, Any]], *, stream: bool) -> Response:
        if not stream:
            return JSONResponse(payloads[0])

        async def events() -> AsyncIterator[bytes]:
            for payload in payloads:
                yield sse(payload)

        return StreamingResponse(events(), media_type="text/event-stream")

    async def _sse(self, behaviour: Reply, text: str, model: str, body: dict[str, Any]) -> AsyncIterator[bytes]:
        pieces = list(behaviour.chunks) if behaviour.chunks is not None else split_words(text)
        text = "".join(pieces)
        for index, piece in enumerate(pieces):
            if index == behaviour.break_after:
                raise ConnectionAbortedError("fake Gemini dropped the stream")  # uvicorn aborts the response
            last = index == len(pieces) - 1
            if last and behaviour.hold_before_last:
                await self._wait_released()
            finish = behaviour.finish_reason if last else None
            yield sse(reply_payload(piece, model, body, finish_reason=finish, usage=last, full_text=text))
            if last:
                self.sent_last_chunk.set()
            await asyncio.sleep(0)

    async def _wait_released(self) -> None:
        # A thread waits because release() comes from the test's thread, outside this server's event loop.
        await asyncio.to_thread(self._released.wait, HOLD_LIMIT)


def split_words(text: str) -> list[str]:
    """Stream deltas word by word, keeping the spaces, so joined they give back `text`."""
    words = text.split(" ")
    return [word + " " for word in words[:-1]] + [words[-1]] if text else [""]


def count_tokens(text: str) -> int:
    """A stand-in tokenizer: one token per word."""
    return len(text.split())


def prompt_tokens(body: dict[str, Any]) -> int:
    """Tokens of the system instruction and every content part."""
    contents = [*body.get("contents", []), body.get("systemInstruction") or {}]
    return sum(count_tokens(part.get("text", "")) for content in contents for part in content.get("parts", []))


def usage_metadata(body: dict[str, Any], text: str) -> dict[str, int]:
    """usageMetadata as the API spells it."""
    prompt, candidates = prompt_tokens(body), count_tokens(text)
    return {"promptTokenCount": prompt, "candidatesTokenCount": candidates, "totalTokenCount": prompt + candidates}


def reply_payload(
    text: str,
    model: str,
    body: dict[str, Any],
    *,
    finish_reason: str | None,
    usage: bool,
    full_text: str | None = None,
) -> dict[str, Any]:
    """A GenerateContentResponse with one model candidate."""
    candidate: dict[str, Any] = {"content": {"role": "model", "parts": [{"text": text}]}, "index": 0}
    if finish_reason:
        candidate["finishReason"] = finish_reason
    payload: dict[str, Any] = {"candidates": [candidate], "modelVersion": model, "responseId": "fake-response"}
    if usage:
        payload["usageMetadata"] = usage_metadata(body, text if full_text is None else full_text)
    return payload


def blocked_payload(blocked: Blocked, model: str, body: dict[str, Any]) -> dict[str, Any]:
    """A blocked prompt (promptFeedback, no candidates) or a candidate stopped for safety with no content."""
    ratings = [{"category": "HARM_CATEGORY_HARASSMENT", "probability": "HIGH", "blocked": True}]
    payload: dict[str, Any] = {
        "modelVersion": model,
        "responseId": "fake-blocked",
        "usageMetadata": usage_metadata(body, ""),
    }
    if blocked.in_candidate:
        payload["candidates"] = [{"finishReason": blocked.reason, "index": 0, "safetyRatings": ratings}]
    else:
        payload["promptFeedback"] = {"blockReason": blocked.reason, "safetyRatings": ratings}
    return payload


def sse(payload: dict[str, Any]) -> bytes:
    """One server-sent event as the API frames it."""
    return f"data: {json.dumps(payload)}\r\n\r\n".encode()


def error_response(
    status: int,
    status_text: str,
    message: str,
    *,
    headers: dict[str, str] | None = None,
    details: Sequence[dict[str, Any]] = (),
) -> JSONResponse:
    """Google's error envelope."""
    error: dict[str, Any] = {"code": status, "message": message, "status": status_text}
    if details:
        error["details"] = list(details)
    return JSONResponse({"error": error}, status_code=status, headers=headers)


@contextlib.contextmanager
def running_fake_gemini(fake: FakeGemini | None = None) -> Iterator[tuple[FakeGemini, str]]:
    """Serve a FakeGemini on 127.0.0.1; yield it with its base URL."""
    fake = fake or FakeGemini()
    with thread_server(fake.app) as base_url:
        try:
            yield fake, base_url
        finally:
            fake.release()  # held requests end, so uvicorn can shut down promptly
