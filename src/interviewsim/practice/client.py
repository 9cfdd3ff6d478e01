"""A small synchronous HTTP client for the interview API, with SSE parsing of streamed turns."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any
from urllib.parse import quote

import httpx

NO_RESPONSE = 0  # the status of an ApiError raised when the server could not be reached or the stream broke


class ApiError(Exception):
    """A failed API call: the HTTP status (0 when no reply arrived), the error code and the server's message."""

    def __init__(self, status: int, message: str, code: str = "error", retry_after: float | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.retry_after = retry_after


@dataclass(frozen=True)
class Delta:
    """A piece of the interviewer's reply as it is written."""

    text: str


@dataclass(frozen=True)
class Done:
    """The complete turn: the same JSON as `POST /api/chat`."""

    reply: dict[str, Any]


TurnEvent = Delta | Done


def iter_sse(lines: Iterable[str]) -> Iterator[tuple[str, str]]:
    """Yield `(event, data)` for each Server-Sent Events frame in `lines`."""
    event, data = "message", list[str]()
    for raw in lines:
        line = raw.rstrip("\r")
        if not line:
            if data:
                yield event, "\n".join(data)
            event, data = "message", []
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "event":
            event = value
        elif name == "data":
            data.append(value)
    if data:
        yield event, "\n".join(data)


def _error_of(response: httpx.Response) -> ApiError:
    """The API's JSON error body as an ApiError (any body is tolerated)."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        return ApiError(response.status_code, response.text.strip() or f"HTTP {response.status_code}")
    retry_after = body.get("retry_after")
    return ApiError(
        response.status_code,
        str(body.get("error") or f"HTTP {response.status_code}"),
        str(body.get("code") or "error"),
        float(retry_after) if isinstance(retry_after, int | float) else None,
    )


def _json_object(response: httpx.Response) -> dict[str, Any]:
    """The body of a successful reply, which must be a JSON object."""
    if response.is_error:
        raise _error_of(response)
    body = response.json()
    if not isinstance(body, dict):
        raise ApiError(response.status_code, "the server sent an unexpected reply", "bad_reply")
    return body


class InterviewClient:
    """Talks to one interviewsim server as one user."""

    def __init__(
        self, base_url: str, token: str, *, timeout: float = 180.0, transport: httpx.BaseTransport | None = None
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(
            base_url=self.base_url,
            headers={"Authorization": f"Bearer {token}"},
            timeout=httpx.Timeout(timeout, connect=10.0),
            transport=transport,
        )
        self._streaming = True

    def __enter__(self) -> InterviewClient:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def _request(self, method: str, path: str, body: Mapping[str, Any] | None = None) -> dict[str, Any]:
        try:
            response = self._http.request(method, path, json=body)
        except httpx.TransportError as error:
            raise ApiError(NO_RESPONSE, f"could not reach {self.base_url}: {error}", "unreachable") from None
        return _json_object(response)

    def start(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """Start an interview; `{session_id, first_question}`."""
        return self._request("POST", "/api/start-session", body)

    def chat(self, session_id: str, message: str) -> dict[str, Any]:
        """One turn, unstreamed."""
        return self._request("POST", "/api/chat", {"session_id": session_id, "user_message": message})

    def results(self, session_id: str) -> dict[str, Any]:
        """The stored evaluation (the server ends and grades an unfinished interview first)."""
        return self._request("POST", "/api/results", {"session_id": session_id})

    def session(self, session_id: str) -> dict[str, Any]:
        """One interview: settings, status, transcript and evaluation."""
        return self._request("GET", f"/api/sessions/{quote(session_id, safe='')}")

    def chat_stream(self, session_id: str, message: str) -> Iterator[TurnEvent]:
        """One turn as deltas then a Done; servers without the stream route get one plain Done."""
        if not self._streaming:
            yield Done(self.chat(session_id, message))
            return
        body = {"session_id": session_id, "user_message": message}
        try:
            with self._http.stream("POST", "/api/chat/stream", json=body) as response:
                if not response.is_error:
                    yield from _turn_events(response.iter_lines())
                    return
                response.read()
        except httpx.TransportError as broken:
            raise ApiError(NO_RESPONSE, f"the connection to {self.base_url} broke: {broken}", "unreachable") from None
        failure = _error_of(response)
        # A missing route is a plain 404; an unknown session is a 404 with code not_found.
        if failure.status != 404 or failure.code == "not_found":
            raise failure
        self._streaming = False
        yield Done(self.chat(session_id, message))


def _turn_events(lines: Iterable[str]) -> Iterator[TurnEvent]:
    """Turn SSE frames into deltas and the final Done; an `error` frame raises ApiError."""
    for event, data in iter_sse(lines):
        payload = json.loads(data)
        if event == "delta":
            yield Delta(str(payload.get("text", "")))
        elif event == "done":
            yield Done(dict(payload))
            return
        elif event == "error":
            status = payload.get("status")
            code = str(payload.get("code") or "error")
            raise ApiError(status if isinstance(status, int) else 502, str(payload.get("error", "")), code)
    raise ApiError(NO_RESPONSE, "the reply stream ended before the turn was complete", "stream_incomplete")
