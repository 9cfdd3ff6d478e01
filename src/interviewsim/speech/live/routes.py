"""GET /api/voice: the live voice interview's WebSocket (origin, capacity and auth checks, then the loop)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from pathlib import Path
from urllib.parse import urlsplit

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from fastapi.responses import PlainTextResponse
from starlette.websockets import WebSocketState

from interviewsim.auth.base import AuthUser, Verifier
from interviewsim.auth.throttle import SignInThrottle
from interviewsim.config import Settings
from interviewsim.errors import AppError, NotFound, RateLimited
from interviewsim.interviews.turns import TurnRunner
from interviewsim.speech.live.endpointing import EndpointingConfig
from interviewsim.speech.live.session import LiveConfig, SessionClosed, VoiceSession
from interviewsim.tts.base import PcmVoice
from interviewsim.vendors.errors import ProviderError

log = logging.getLogger(__name__)

router = APIRouter(tags=["voice"])

AUTH_TIMEOUT_SECONDS = 5.0
POLICY_VIOLATION = 1008
NOT_FOUND = 4404
TRY_AGAIN_LATER = 1013
SERVER_ERROR = 1011


class VoiceSlots:
    """The per-process cap on concurrent voice interviews."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.active = 0

    def take(self) -> bool:
        """Take a slot if one is free."""
        if self.active >= self.limit:
            return False
        self.active += 1
        return True

    def give_back(self) -> None:
        """Free a slot."""
        self.active -= 1


def live_config(settings: Settings) -> LiveConfig:
    """The live loop's settings."""
    return LiveConfig(
        endpointing=EndpointingConfig(
            finished_silence_seconds=settings.voice_finished_silence_seconds,
            open_silence_seconds=settings.voice_open_silence_seconds,
        ),
        barge_in_seconds=settings.voice_barge_in_seconds,
        idle_timeout_seconds=settings.voice_idle_timeout_seconds,
        send_timeout_seconds=settings.voice_send_timeout_seconds,
    )


def origin_allowed(websocket: WebSocket, cors_origins: list[str]) -> bool:
    """No Origin (not a browser), the page's own origin, or one of CORS_ORIGINS (against cross-site hijacking)."""
    origin = websocket.headers.get("origin")
    if origin is None:
        return True
    if origin in cors_origins:
        return True
    host = websocket.headers.get("host", "")
    parts = urlsplit(origin)
    return bool(host) and parts.netloc == host and parts.scheme in ("http", "https")


async def _token(websocket: WebSocket) -> str | None:
    """The bearer token from the header, else from a first `auth` message within the time allowed."""
    scheme, _, token = websocket.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    try:
        async with asyncio.timeout(AUTH_TIMEOUT_SECONDS):
            message = await websocket.receive()
    except TimeoutError:
        return None
    text = message.get("text")
    if not text or len(text) > 16_384:
        return None
    try:
        body = json.loads(text)
    except ValueError:
        return None
    if not isinstance(body, dict) or body.get("type") != "auth" or not isinstance(body.get("token"), str):
        return None
    return str(body["token"]).strip() or None


async def _authenticate(websocket: WebSocket, verifier: Verifier, throttle: SignInThrottle) -> AuthUser:
    token = await _token(websocket)
    if token is None:
        raise SessionClosed(POLICY_VIOLATION, "authenticate first: an Authorization header or an auth message")
    address = websocket.client.host if websocket.client else "unknown"
    try:
        # Wrong tokens count against the same per-address limit as the HTTP routes'.
        await throttle.check(address)
        user = await verifier.verify(token)
        if user is None:
            await throttle.failed(address)
    except RateLimited:
        raise SessionClosed(TRY_AGAIN_LATER, "too many failed sign-ins from this address; try again later") from None
    except ProviderError:
        raise SessionClosed(TRY_AGAIN_LATER, "sign-in cannot be checked right now") from None
    if user is None:
        raise SessionClosed(POLICY_VIOLATION, "the sign-in token is invalid or has expired")
    return user


PROTOCOL_DOC = Path(__file__).with_name("protocol.md")


@router.get("/docs/voice", include_in_schema=False)
async def protocol_page() -> PlainTextResponse:
    """The voice protocol, as Markdown (linked from /docs)."""
    return PlainTextResponse(PROTOCOL_DOC.read_text(encoding="utf-8"), media_type="text/markdown; charset=utf-8")


@router.websocket("/api/voice")
async def voice(websocket: WebSocket, session_id: str = "") -> None:
    """A live spoken interview; the protocol is at /docs/voice."""
    state = websocket.app.state
    settings: Settings = state.settings
    slots: VoiceSlots = state.voice_slots
    await websocket.accept()
    if not origin_allowed(websocket, settings.cors_origins):
        await websocket.close(POLICY_VIOLATION, "origin not allowed")
        return
    if not slots.take():
        await websocket.close(TRY_AGAIN_LATER, "too many voice interviews on this server; try again later")
        return
    try:
        await _serve(websocket, session_id, settings)
    except SessionClosed as closed:
        await _close(websocket, closed.code, closed.reason)
    except WebSocketDisconnect:
        pass
    except Exception:
        log.exception("voice: session failed")
        await _close(websocket, SERVER_ERROR, "internal error")
    else:
        await _close(websocket, 1000, "interview ended")
    finally:
        slots.give_back()


async def _serve(websocket: WebSocket, session_id: str, settings: Settings) -> None:
    state = websocket.app.state
    user = await _authenticate(websocket, state.verifier, state.sign_in_throttle)
    runner: TurnRunner = state.turn_runner
    try:
        latest = await runner.latest(user, session_id)
    except NotFound:
        raise SessionClosed(NOT_FOUND, "interview not found") from None
    except AppError as error:
        raise SessionClosed(SERVER_ERROR, error.message) from None
    stt = state.engines.stt
    voice = state.engines.voice
    if not isinstance(voice, PcmVoice):
        raise SessionClosed(SERVER_ERROR, "voice interviews need speech-to-text and a PCM voice on this server")
    if latest.end:
        await websocket.send_json({"type": "reply", **(latest.payload or {}), "end": True})
        return
    session = VoiceSession(
        websocket,
        runner=runner,
        stt=stt,
        voice=voice,
        user=user,
        session_id=session_id,
        style=latest.voice_style,
        config=live_config(settings),
    )
    await session.run(greeting=latest.voice, greeting_seq=latest.reply_seq, pending_answer=latest.pending_answer)


async def _close(websocket: WebSocket, code: int, reason: str) -> None:
    if websocket.application_state == WebSocketState.CONNECTED:
        with contextlib.suppress(RuntimeError, OSError):  # the client may have left first
            await websocket.close(code, reason)
