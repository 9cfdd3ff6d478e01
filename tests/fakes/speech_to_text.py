"""Fake speech-to-text servers speaking ElevenLabs' and OpenAI's wire formats, scripted per key."""

from __future__ import annotations

import contextlib
import threading
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.support.servers import thread_server

Behaviour = Literal["ok", "invalid_api_key", "quota_exceeded", "busy", "error500", "bad_request"]

TRANSCRIPT = "Um, I would add an index."
# (word, start, end): a filler, then a 2.5 s pause before the last word.
WORDS = [
    ("Um,", 0.0, 0.3),
    ("I", 0.5, 0.6),
    ("would", 0.6, 0.8),
    ("add", 0.8, 1.0),
    ("an", 1.0, 1.1),
    ("index.", 3.6, 4.0),
]

_ELEVEN_REFUSALS: dict[str, tuple[int, str, str]] = {
    "invalid_api_key": (401, "invalid_api_key", "Invalid API key"),
    "quota_exceeded": (401, "quota_exceeded", "This request exceeds your quota."),
    "busy": (429, "too_many_concurrent_requests", "Too many concurrent requests."),
    "error500": (500, "internal_server_error", "An internal server error occurred."),
    "bad_request": (400, "invalid_file", "The file could not be read."),
}


@dataclass(frozen=True)
class Upload:
    """One transcription request as received: headers, form fields and the uploaded file."""

    headers: dict[str, str]
    fields: dict[str, str]
    filename: str | None
    file: bytes


class _ScriptedServer:
    def __init__(self, unknown_key: Behaviour) -> None:
        self.unknown_key = unknown_key
        self._lock = threading.Lock()
        self._scripts: dict[str, deque[Behaviour]] = {}
        self.uploads: list[Upload] = []

    def set_key(self, key: str, *behaviours: Behaviour) -> None:
        """Script `key`: one behaviour per request, the last one repeating."""
        with self._lock:
            self._scripts[key] = deque(behaviours)

    def _next(self, key: str | None) -> Behaviour:
        with self._lock:
            script = self._scripts.get(key or "")
            if script is None:
                return self.unknown_key
            return script.popleft() if len(script) > 1 else script[0]

    async def _record(self, request: Request) -> Upload:
        form = await request.form()
        file = form.get("file")
        fields = {name: value for name, value in form.multi_items() if isinstance(value, str)}
        data = await file.read() if file is not None and not isinstance(file, str) else b""
        filename = None if file is None or isinstance(file, str) else file.filename
        upload = Upload(dict(request.headers), fields, filename, data)
        with self._lock:
            self.uploads.append(upload)
        return upload

    @contextlib.contextmanager
    def serve(self, app: Starlette) -> Iterator[str]:
        with thread_server(app) as base_url:
            yield base_url


class FakeElevenLabsStt(_ScriptedServer):
    """`POST /v1/speech-to-text` (multipart `file` + `model_id`), keyed by `xi-api-key`."""

    def __init__(self, unknown_key: Behaviour = "invalid_api_key") -> None:
        super().__init__(unknown_key)
        self.app = Starlette(routes=[Route("/v1/speech-to-text", self._transcribe, methods=["POST"])])

    def keys_tried(self) -> list[str | None]:
        return [upload.headers.get("xi-api-key") for upload in self.uploads]

    def running(self) -> contextlib.AbstractContextManager[str]:
        """Serve on 127.0.0.1; yields the base URL."""
        return self.serve(self.app)

    async def _transcribe(self, request: Request) -> Response:
        upload = await self._record(request)
        behaviour = self._next(request.headers.get("xi-api-key"))
        if behaviour in _ELEVEN_REFUSALS:
            status, reason, message = _ELEVEN_REFUSALS[behaviour]
            return JSONResponse({"detail": {"status": reason, "message": message}}, status_code=status)
        if "model_id" not in upload.fields or not upload.file:
            return JSONResponse({"detail": [{"loc": ["body", "model_id"], "msg": "field required"}]}, status_code=422)
        words: list[dict[str, Any]] = []
        for index, (text, start, end) in enumerate(WORDS):
            if index:
                words.append({"text": " ", "start": WORDS[index - 1][2], "end": start, "type": "spacing"})
            words.append(
                {"text": text, "start": start, "end": end, "type": "word", "logprob": -0.05, "speaker_id": "s0"}
            )
        body = {"language_code": "eng", "language_probability": 0.99, "text": TRANSCRIPT, "words": words}
        return JSONResponse(body)


class FakeOpenAIStt(_ScriptedServer):
    """`POST /v1/audio/transcriptions` with `response_format=verbose_json`, keyed by the bearer token."""

    def __init__(self, unknown_key: Behaviour = "ok") -> None:
        super().__init__(unknown_key)
        self.app = Starlette(routes=[Route("/v1/audio/transcriptions", self._transcribe, methods=["POST"])])

    def running(self) -> contextlib.AbstractContextManager[str]:
        """Serve on 127.0.0.1; yields the base URL (the SDK's base_url is this plus /v1)."""
        return self.serve(self.app)

    async def _transcribe(self, request: Request) -> Response:
        await self._record(request)
        key = request.headers.get("authorization", "").removeprefix("Bearer ")
        behaviour = self._next(key)
        if behaviour == "invalid_api_key":
            error = {
                "message": "Incorrect API key provided",
                "type": "invalid_request_error",
                "code": "invalid_api_key",
            }
            return JSONResponse({"error": error}, status_code=401)
        if behaviour in ("busy", "error500", "quota_exceeded"):
            status = 500 if behaviour == "error500" else 429
            return JSONResponse(
                {"error": {"message": behaviour, "type": "server_error", "code": None}}, status_code=status
            )
        words = [{"word": text.strip(",."), "start": start, "end": end} for text, start, end in WORDS]
        segment = {"id": 0, "start": 0.0, "end": 4.0, "text": TRANSCRIPT, "avg_logprob": -0.1, "no_speech_prob": 0.01}
        body: dict[str, Any] = {"task": "transcribe", "language": "english", "duration": 4.0, "text": TRANSCRIPT}
        if "word" in request.query_params.getlist("timestamp_granularities[]") or "word" in [
            value for name, value in (await request.form()).multi_items() if name == "timestamp_granularities[]"
        ]:
            body["words"] = words
        body["segments"] = [segment]
        return JSONResponse(body)
