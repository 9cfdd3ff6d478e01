"""A fake ElevenLabs text-to-speech server speaking the real wire format (MP3 or raw PCM), with per-key behaviour."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Collection, Iterator
from dataclasses import dataclass
from typing import Any, Literal

import lameenc
import numpy as np
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from tests.support.servers import thread_server

Behaviour = Literal["ok", "invalid_api_key", "quota_exceeded", "busy", "system_busy", "error500", "stall", "break"]

# (HTTP status, detail.status, detail.message) as ElevenLabs sends them.
_REFUSALS: dict[str, tuple[int, str, str]] = {
    "invalid_api_key": (401, "invalid_api_key", "Invalid API key"),
    "quota_exceeded": (
        401,
        "quota_exceeded",
        "This request exceeds your quota of 10000. You have 3 credits remaining, while 60 credits are required.",
    ),
    "busy": (429, "too_many_concurrent_requests", "Too many concurrent requests for your subscription."),
    "system_busy": (429, "system_busy", "We are experiencing heavy traffic, please try again later."),
    "error500": (500, "internal_server_error", "An internal server error occurred."),
}
STALL_SECONDS = 1.0
_HOLD_TIMEOUT_SECONDS = 10.0
DEFAULT_OUTPUT_FORMAT = "mp3_44100_128"  # what ElevenLabs sends when the request names none
PCM_RATES = (8000, 16000, 22050, 24000, 32000, 44100, 48000)  # the SDK's pcm_* output formats
_PCM_FORMAT = re.compile(r"pcm_(\d+)")
SPEECH_SECONDS_PER_CHAR = 0.065  # about 15 characters a second, a brisk speaking pace
TONE_HZ = 220.0


def silent_mp3(seconds: float = 0.5, sample_rate: int = 44100) -> bytes:
    """A valid 128 kbps mono MP3 of silence, as `mp3_44100_128` would be."""
    encoder = lameenc.Encoder()
    encoder.set_bit_rate(128)
    encoder.set_in_sample_rate(sample_rate)
    encoder.set_channels(1)
    encoder.set_quality(7)
    pcm = bytes(2 * int(sample_rate * seconds))
    return bytes(encoder.encode(pcm)) + bytes(encoder.flush())


def tone(seconds: float, sample_rate: int, amplitude: int = 8000) -> bytes:
    """A sine of `seconds` as headerless s16le mono, as ElevenLabs' `pcm_<rate>` formats send audio."""
    count = max(1, round(seconds * sample_rate))
    samples = amplitude * np.sin(2 * np.pi * TONE_HZ * np.arange(count) / sample_rate)
    return samples.astype("<i2").tobytes()


def split(data: bytes, count: int) -> list[bytes]:
    """`data` in `count` nearly equal consecutive pieces."""
    size = -(-len(data) // count)
    return [data[i : i + size] for i in range(0, len(data), size)]


@dataclass(frozen=True)
class RecordedRequest:
    """One request the fake received."""

    method: str
    path: str
    voice_id: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any
    at: float

    @property
    def key(self) -> str | None:
        """The `xi-api-key` header."""
        return self.headers.get("xi-api-key")


class FakeElevenLabs:
    """`POST /v1/text-to-speech/{voice_id}/stream`, answering per key: audio or the real error shapes.

    `output_format` picks the audio: `mp3_*` (or none) serves `audio` in `chunk_count` pieces; `pcm_<rate>`
    serves a tone whose length follows the text (`pcm_for`), in `chunk_count` pieces or, with
    `pcm_chunk_bytes`, pieces of that size (an odd size splits samples across chunks, as TCP may).
    Keys not configured with `set_key` get `unknown_key` (invalid_api_key by default). A key's
    script is consumed one behaviour per request; its last behaviour repeats for ever.
    """

    def __init__(
        self,
        audio: bytes,
        *,
        chunk_count: int = 4,
        first_byte_delay: float = 0.0,
        chunk_delay: float = 0.0,
        voices: Collection[str] | None = None,
        unknown_key: Behaviour = "invalid_api_key",
        hold_last_chunk: bool = False,
        speech_seconds_per_char: float = SPEECH_SECONDS_PER_CHAR,
        pcm_chunk_bytes: int | None = None,
    ) -> None:
        self.audio = audio
        self.chunk_count = chunk_count
        self.chunks = split(audio, chunk_count)
        self.speech_seconds_per_char = speech_seconds_per_char
        self.pcm_chunk_bytes = pcm_chunk_bytes
        self.first_byte_delay = first_byte_delay
        self.chunk_delay = chunk_delay
        self.voices = set(voices) if voices is not None else None
        self.unknown_key = unknown_key
        self.hold_last_chunk = hold_last_chunk
        self.last_chunk_sent = threading.Event()
        self._release_last = threading.Event()
        self._lock = threading.Lock()
        self._scripts: dict[str, deque[Behaviour]] = {}
        self._requests: list[RecordedRequest] = []
        self.app = Starlette(routes=[Route("/v1/text-to-speech/{voice_id}/stream", self._speak, methods=["POST"])])

    def set_key(self, key: str, *behaviours: Behaviour) -> None:
        """Script `key`: one behaviour per request, the last one repeating."""
        if not behaviours:
            raise ValueError("give at least one behaviour")
        with self._lock:
            self._scripts[key] = deque(behaviours)

    def pcm_for(self, text: str, sample_rate: int = 22050) -> bytes:
        """The PCM this fake speaks for `text` at `sample_rate`: a tone about as long as saying it would take."""
        return tone(max(0.2, len(text) * self.speech_seconds_per_char), sample_rate)

    def release_last_chunk(self) -> None:
        """Let a held stream send its last chunk."""
        self._release_last.set()

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request so far, oldest first."""
        with self._lock:
            return list(self._requests)

    def keys_tried(self) -> list[str | None]:
        """The `xi-api-key` of every request so far, in order."""
        return [request.key for request in self.requests]

    @contextlib.contextmanager
    def serve(self) -> Iterator[str]:
        """Run the fake on 127.0.0.1 in a thread; yield its base URL."""
        with thread_server(self.app) as base_url:
            yield base_url

    def _next_behaviour(self, key: str | None) -> Behaviour:
        with self._lock:
            script = self._scripts.get(key or "")
            if script is None:
                return self.unknown_key
            return script.popleft() if len(script) > 1 else script[0]

    async def _speak(self, request: Request) -> Response:
        raw = await request.body()
        try:
            body: Any = json.loads(raw)
        except ValueError:
            body = None
        voice_id = request.path_params["voice_id"]
        self._record(request, voice_id, body)
        behaviour = self._next_behaviour(request.headers.get("xi-api-key"))
        if behaviour in _REFUSALS:
            return _refusal(*_REFUSALS[behaviour])
        if not isinstance(body, dict) or not isinstance(body.get("text"), str):
            return JSONResponse(
                {"detail": [{"loc": ["body", "text"], "msg": "field required", "type": "value_error.missing"}]},
                status_code=422,
            )
        if self.voices is not None and voice_id not in self.voices:
            return _refusal(400, "voice_not_found", f"A voice with the voice_id {voice_id} was not found.")
        output_format = request.query_params.get("output_format", DEFAULT_OUTPUT_FORMAT)
        if output_format.startswith("mp3_"):
            chunks, media_type = self.chunks, "audio/mpeg"
        elif (pcm := _PCM_FORMAT.fullmatch(output_format)) and int(pcm[1]) in PCM_RATES:
            chunks, media_type = self._pcm_chunks(self.pcm_for(body["text"], int(pcm[1]))), "application/octet-stream"
        else:
            return JSONResponse(
                {"detail": [{"loc": ["query", "output_format"], "msg": "invalid output format", "type": "enum"}]},
                status_code=422,
            )
        if behaviour == "stall":
            await asyncio.sleep(STALL_SECONDS)
        return StreamingResponse(self._stream(chunks, broken=behaviour == "break"), media_type=media_type)

    def _pcm_chunks(self, pcm: bytes) -> list[bytes]:
        if self.pcm_chunk_bytes is None:
            return split(pcm, self.chunk_count)
        return [pcm[i : i + self.pcm_chunk_bytes] for i in range(0, len(pcm), self.pcm_chunk_bytes)]

    def _record(self, request: Request, voice_id: str, body: Any) -> None:
        recorded = RecordedRequest(
            method=request.method,
            path=request.url.path,
            voice_id=voice_id,
            query=dict(request.query_params),
            headers=dict(request.headers),
            body=body,
            at=time.monotonic(),
        )
        with self._lock:
            self._requests.append(recorded)

    async def _stream(self, chunks: list[bytes], *, broken: bool) -> AsyncIterator[bytes]:
        await asyncio.sleep(self.first_byte_delay)
        for index, chunk in enumerate(chunks):
            if index:
                await asyncio.sleep(self.chunk_delay)
            if broken and index == 1:
                raise ConnectionError("fake: stream broken on purpose")
            if index == len(chunks) - 1:
                await self._before_last_chunk()
            yield chunk

    async def _before_last_chunk(self) -> None:
        if self.hold_last_chunk:
            await asyncio.to_thread(self._release_last.wait, _HOLD_TIMEOUT_SECONDS)
        self.last_chunk_sent.set()


def _refusal(status: int, reason: str, message: str) -> JSONResponse:
    return JSONResponse({"detail": {"status": reason, "message": message}}, status_code=status)
