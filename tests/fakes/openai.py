"""A wire-exact fake of an OpenAI-compatible `POST /v1/chat/completions`, scripted request by request."""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from tests.fakes.anthropic import (
    Fault,
    Recorded,
    Reply,
    ScriptedFake,
    StreamError,
    count_tokens,
    serve,
    split_words,
    sse,
)

__all__ = ["FakeOpenAI", "Fault", "Recorded", "Reply", "StreamError", "running_fake_openai"]

OPENAI_ERRORS: dict[int, tuple[str, str | None, str]] = {
    400: ("invalid_request_error", None, "Invalid request."),
    401: ("invalid_request_error", "invalid_api_key", "Incorrect API key provided."),
    403: ("invalid_request_error", "unsupported_country_region_territory", "Forbidden."),
    404: ("invalid_request_error", "model_not_found", "The model does not exist."),
    429: ("requests", "rate_limit_exceeded", "Rate limit reached for requests."),
    500: ("server_error", None, "The server had an error while processing your request."),
    503: ("server_error", None, "The engine is currently overloaded, please try again later."),
}


class FakeOpenAI(ScriptedFake):
    """`POST /v1/chat/completions` as OpenAI-compatible servers serve it, JSON and `data:` SSE chunks."""

    path = "/v1/chat/completions"
    stream_error_status = 503

    def __init__(self, *, json_schema_supported: bool = True, **options: Any) -> None:
        super().__init__(**options)
        self.json_schema_supported = json_schema_supported  # False mimics servers that 400 on json_schema

    def check(self, request: Request, body: object) -> Fault | None:
        """Missing key, JSON body or required fields, and json_schema when unsupported, as servers reject them."""
        if not self.key_ok(request):
            return Fault(401)
        if not isinstance(body, dict):
            return Fault(400, message="We could not parse the JSON body of your request.")
        for name in ("model", "messages"):
            if name not in body:
                return Fault(400, message=f"you must provide a {name} parameter", code="missing_required_parameter")
        response_format = body.get("response_format") or {}
        if response_format.get("type") == "json_schema" and not self.json_schema_supported:
            return Fault(400, message="response_format.type must be 'json_object' or 'text'", code="invalid_value")
        return None

    def error(self, fault: Fault) -> Response:
        """`{"error": {"message", "type", "param", "code"}}` with the status and an optional retry-after."""
        kind, code, message = OPENAI_ERRORS.get(fault.status, ("server_error", None, "Error."))
        error = {
            "message": fault.message or message,
            "type": fault.error_type or kind,
            "param": None,
            "code": fault.code or code,
        }
        headers = {"x-request-id": f"req_{uuid.uuid4().hex}", **fault.headers}
        if fault.retry_after is not None:
            headers["retry-after"] = f"{fault.retry_after:g}"
        return JSONResponse({"error": error}, status_code=fault.status, headers=headers)

    def headers(self) -> dict[str, str]:
        """The request id every answer carries."""
        return {"x-request-id": f"req_{uuid.uuid4().hex}"}

    def usage(self, body: dict[str, Any], output_text: str) -> dict[str, int]:
        """Token counts under OpenAI's names."""
        prompt = sum(count_tokens(str(message.get("content", ""))) for message in body.get("messages", []))
        completion = max(1, count_tokens(output_text))
        return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}

    def envelope(self, body: dict[str, Any], kind: str, choices: list[dict[str, Any]]) -> dict[str, Any]:
        """The fields every completion object and chunk carries."""
        return {
            "id": f"chatcmpl-{uuid.uuid4().hex[:24]}",
            "object": kind,
            "created": int(time.time()),
            "model": body["model"],
            "system_fingerprint": "fp_fake",
            "choices": choices,
        }

    def reply_json(self, body: dict[str, Any], behaviour: Reply) -> dict[str, Any]:
        """A `chat.completion` object."""
        text = "".join(self.deltas(behaviour, body))
        message = {"role": "assistant", "content": text, "refusal": None}
        choice = {"index": 0, "message": message, "logprobs": None, "finish_reason": behaviour.stop_reason or "stop"}
        return {**self.envelope(body, "chat.completion", [choice]), "usage": self.usage(body, text)}

    def chunk(self, body: dict[str, Any], delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        """One `chat.completion.chunk`; it carries `usage: null` when usage was asked for."""
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
        extra = {"usage": None} if self.wants_usage(body) else {}
        return {**self.envelope(body, "chat.completion.chunk", [choice]), **extra}

    @staticmethod
    def wants_usage(body: dict[str, Any]) -> bool:
        """Whether the client sent `stream_options.include_usage`."""
        return bool((body.get("stream_options") or {}).get("include_usage"))

    async def stream_frames(self, body: dict[str, Any], behaviour: Reply | StreamError) -> AsyncIterator[bytes]:
        """Role chunk, content chunks, a finish chunk, the usage chunk when asked for, then `[DONE]`."""
        if isinstance(behaviour, StreamError):
            deltas, gate = split_words(behaviour.text)[: behaviour.after], None
        else:
            deltas, gate = self.deltas(behaviour, body), behaviour.before_last
        yield sse(self.chunk(body, {"role": "assistant", "content": ""}))
        async for delta in self.paced(deltas, gate):
            yield sse(self.chunk(body, {"content": delta}))
        if isinstance(behaviour, StreamError):
            error = {"message": behaviour.message, "type": behaviour.error_type or "server_error", "code": None}
            yield sse({"error": error})
            return
        yield sse(self.chunk(body, {}, behaviour.stop_reason or "stop"))
        if self.wants_usage(body):
            usage = self.usage(body, "".join(deltas))
            yield sse({**self.envelope(body, "chat.completion.chunk", []), "usage": usage})
        yield sse("[DONE]")


@contextlib.contextmanager
def running_fake_openai(**options: Any) -> Iterator[tuple[FakeOpenAI, str]]:
    """A live FakeOpenAI; yields `(fake, base_url)` where base_url ends in `/v1`, as the SDK expects."""
    fake = FakeOpenAI(**options)
    with serve(fake) as root:
        yield fake, f"{root}/v1"
