"""A fake ElevenLabs real-time speech-to-text server: `/v1/speech-to-text/realtime` over WebSocket, scripted per key.

It speaks the wire `interviewsim.stt.elevenlabs_realtime_wire` documents (from ElevenLabs' SDKs): `session_started`
first, `partial_transcript` as audio arrives, and per commit `committed_transcript` then, with
`include_timestamps=true`, `committed_transcript_with_timestamps`; errors as messages named by their type.

It cannot recognise speech: each commit of audio with a voice in it is answered with the next scripted
transcript, its words spread evenly over the committed audio; near-silent audio commits to "". It checks what it
receives — JSON `input_audio_chunk`s of valid base64 holding whole 16-bit samples, `sample_rate` 16000, at most a
second per chunk, a 16 kHz PCM session — and answers anything else with `input_error` and a close, noting it in
`problems`.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import json
import threading
import uuid
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from tests.support.servers import thread_server

Behaviour = Literal[
    "ok",
    "auth_error",  # accepted, then an in-band auth_error and a close
    "quota_exceeded",  # accepted, then an in-band quota_exceeded and a close
    "rate_limited",  # accepted, then an in-band rate_limited and a close
    "refuse_handshake",  # HTTP 401 {"detail": {"status": "invalid_api_key"}} instead of the upgrade
    "close_mid_stream",  # a session that closes (1011, no message) once `close_after_seconds` of audio came
    "transcriber_error",  # a session whose commit is answered with transcriber_error
]
PATH = "/v1/speech-to-text/realtime"
SAMPLE_RATE = 16_000
ANSWER = "I would add an index to the orders table, then measure the latency again."
_MAX_CHUNK_BYTES = SAMPLE_RATE * 2  # one second
_VOICE_RMS = 500.0  # quieter than this is silence (or a room) to the fake
_SECONDS_PER_WORD = 0.3  # how fast the partial transcript reveals the scripted words
_IN_BAND: dict[str, str] = {
    "auth_error": "Invalid API key.",
    "quota_exceeded": "You have exceeded your quota.",
    "rate_limited": "Too many concurrent sessions.",
}


@dataclass
class Session:
    """One connection as the fake saw it."""

    key: str | None
    query: dict[str, str]
    behaviour: Behaviour
    audio: bytearray = field(default_factory=bytearray)  # every audio byte received, in order
    commits: list[int] = field(default_factory=list)  # how much audio had come at each commit
    chunks: int = 0


class FakeElevenLabsRealtime:
    """Scripted per key: one behaviour per session, the last one repeating; unknown keys get `unknown_key`."""

    def __init__(
        self,
        *,
        transcripts: Sequence[str] = (ANSWER,),
        commit_latency: float = 0.0,
        session_latency: float = 0.0,
        close_after_seconds: float = 0.5,
        unknown_key: Behaviour = "auth_error",
    ) -> None:
        self.transcripts = list(transcripts)
        self.commit_latency = commit_latency
        self.session_latency = session_latency
        self.close_after_seconds = close_after_seconds
        self.unknown_key = unknown_key
        self.sessions: list[Session] = []
        self.problems: list[str] = []
        self._commits = 0
        self._lock = threading.Lock()
        self._scripts: dict[str, deque[Behaviour]] = {}
        self.app = Starlette(routes=[WebSocketRoute(PATH, self._serve)])

    def set_key(self, key: str, *behaviours: Behaviour) -> None:
        """Script `key`: one behaviour per session, the last one repeating."""
        with self._lock:
            self._scripts[key] = deque(behaviours)

    def keys_tried(self) -> list[str | None]:
        """The key of every connection, in order."""
        with self._lock:
            return [session.key for session in self.sessions]

    @contextlib.contextmanager
    def running(self) -> Iterator[str]:
        """Serve on 127.0.0.1; yields the base URL (http://, as ELEVEN_BASE_URL takes it)."""
        with thread_server(self.app) as base_url:
            yield base_url

    # -- one connection ---------------------------------------------------------------------------

    async def _serve(self, websocket: WebSocket) -> None:
        key = websocket.headers.get("xi-api-key") or websocket.query_params.get("token")
        session = Session(key, dict(websocket.query_params), self._next(key))
        with self._lock:
            self.sessions.append(session)
        if session.behaviour == "refuse_handshake":
            body = {"detail": {"status": "invalid_api_key", "message": "Invalid API key."}}
            await websocket.send_denial_response(JSONResponse(body, status_code=401))
            return
        await websocket.accept()
        if session.behaviour in _IN_BAND:
            await websocket.send_json({"message_type": session.behaviour, "error": _IN_BAND[session.behaviour]})
            await websocket.close(code=1008)
            return
        if problem := _query_problem(session.query):
            await self._refuse_input(websocket, problem)
            return
        await asyncio.sleep(self.session_latency)
        await websocket.send_json(
            {
                "message_type": "session_started",
                "session_id": uuid.uuid4().hex,
                "config": {
                    "sample_rate": SAMPLE_RATE,
                    "audio_format": session.query["audio_format"],
                    "language_code": session.query.get("language_code"),
                    "model_id": session.query["model_id"],
                    "commit_strategy": session.query["commit_strategy"],
                    "include_timestamps": session.query.get("include_timestamps") == "true",
                },
            }
        )
        with contextlib.suppress(WebSocketDisconnect, OSError):  # the client left, say mid-commit
            await self._listen(websocket, session)

    async def _listen(self, websocket: WebSocket, session: Session) -> None:
        segment_start, partial = 0, ""
        while True:
            received = await websocket.receive()
            if received["type"] == "websocket.disconnect":
                return
            chunk, problem = _read_chunk(received.get("text"))
            if problem:
                await self._refuse_input(websocket, problem)
                return
            session.audio += chunk.audio
            session.chunks += 1
            if session.behaviour == "close_mid_stream" and len(session.audio) >= self.close_after_seconds * 32_000:
                await websocket.close(code=1011)
                return
            segment = bytes(session.audio[segment_start:])
            if not chunk.commit:
                text = self._partial(segment)
                if text != partial:
                    partial = text
                    await websocket.send_json({"message_type": "partial_transcript", "text": text})
                continue
            session.commits.append(len(session.audio))
            offset = segment_start / 32_000  # Scribe times words from the start of the session
            segment_start, partial = len(session.audio), ""
            await asyncio.sleep(self.commit_latency)
            if session.behaviour == "transcriber_error":
                await websocket.send_json({"message_type": "transcriber_error", "error": "Transcription failed."})
                await websocket.close(code=1011)
                return
            text = self._commit(segment)
            await websocket.send_json({"message_type": "committed_transcript", "text": text})
            if session.query.get("include_timestamps") == "true":
                await websocket.send_json(
                    {
                        "message_type": "committed_transcript_with_timestamps",
                        "text": text,
                        "language_code": session.query.get("language_code") or "en",
                        "words": _timed_words(text, offset, len(segment) / 32_000),
                    }
                )

    async def _refuse_input(self, websocket: WebSocket, problem: str) -> None:
        with self._lock:
            self.problems.append(problem)
        await websocket.send_json({"message_type": "input_error", "error": problem})
        await websocket.close(code=1008)

    # -- what it "hears" --------------------------------------------------------------------------

    def _next(self, key: str | None) -> Behaviour:
        with self._lock:
            script = self._scripts.get(key or "")
            if script is None:
                return self.unknown_key
            return script.popleft() if len(script) > 1 else script[0]

    def _scripted(self, index: int) -> str:
        return self.transcripts[min(index, len(self.transcripts) - 1)]

    def _partial(self, segment: bytes) -> str:
        if not _voiced(segment):
            return ""
        words = self._scripted(self._commits).split()
        return " ".join(words[: int(len(segment) / 32_000 / _SECONDS_PER_WORD)])

    def _commit(self, segment: bytes) -> str:
        if not _voiced(segment):
            return ""
        with self._lock:
            text = self._scripted(self._commits)
            self._commits += 1
        return text


@dataclass(frozen=True)
class _Chunk:
    audio: bytes
    commit: bool


def _query_problem(query: dict[str, str]) -> str | None:
    if not query.get("model_id"):
        return "model_id is required"
    if query.get("audio_format") != f"pcm_{SAMPLE_RATE}":
        return f"this fake serves pcm_{SAMPLE_RATE} only, not {query.get('audio_format')!r}"
    if query.get("commit_strategy") != "manual":
        return f"this fake serves commit_strategy=manual only, not {query.get('commit_strategy')!r}"
    return None


def _read_chunk(text: str | None) -> tuple[_Chunk, str | None]:
    """The audio and commit flag of one client message, or what is wrong with it."""
    nothing = _Chunk(b"", False)
    if text is None:
        return nothing, "binary frame: audio goes as base64 inside input_audio_chunk JSON"
    try:
        message: Any = json.loads(text)
    except ValueError:
        return nothing, "a message that is not JSON"
    if not isinstance(message, dict) or message.get("message_type") != "input_audio_chunk":
        return nothing, f"unexpected message {str(message)[:80]!r}"
    encoded, commit = message.get("audio_base_64"), message.get("commit")
    if not isinstance(encoded, str) or not isinstance(commit, bool):
        return nothing, "input_audio_chunk needs audio_base_64 (string) and commit (boolean)"
    if message.get("sample_rate", SAMPLE_RATE) != SAMPLE_RATE:
        return nothing, f"sample_rate {message.get('sample_rate')!r} in a pcm_{SAMPLE_RATE} session"
    try:
        audio = base64.b64decode(encoded, validate=True)
    except binascii.Error:
        return nothing, "audio_base_64 is not valid base64"
    if len(audio) % 2:
        return nothing, f"{len(audio)} bytes of audio: not whole 16-bit samples"
    if len(audio) > _MAX_CHUNK_BYTES:
        return nothing, f"chunk of {len(audio)} bytes: more than a second"
    if not audio and not commit:
        return nothing, "an empty audio chunk without a commit"
    return _Chunk(audio, commit), None


def _voiced(pcm: bytes) -> bool:
    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float64)
    return bool(samples.size) and float(np.sqrt(np.mean(samples**2))) >= _VOICE_RMS


def _timed_words(text: str, offset: float, seconds: float) -> list[dict[str, Any]]:
    """`text`'s words spread evenly over `seconds` from `offset` in the session, with spacing entries between them."""
    words = text.split()
    if not words:
        return []
    slot = seconds / len(words)
    timed: list[dict[str, Any]] = []
    for index, word in enumerate(words):
        start, end = round(offset + index * slot, 3), round(offset + (index + 0.8) * slot, 3)
        if index:
            timed.append({"text": " ", "start": timed[-1]["end"], "end": start, "type": "spacing", "logprob": 0.0})
        timed.append({"text": word, "start": start, "end": end, "type": "word", "logprob": -0.1, "speaker_id": "s0"})
    return timed
