"""ElevenLabs' refusal rules, shared by its voice and its speech-to-text: which refusals rest, retire or fail."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

import httpx

from interviewsim.vendors.errors import ProviderError
from interviewsim.vendors.keyring import Key, KeyRing

PROVIDER = "elevenlabs"
_MAX_ERROR_BODY_BYTES = 16 * 1024
_MAX_ERROR_MESSAGE_CHARS = 300


class VoiceUnavailable(ProviderError):
    """No ElevenLabs key can serve now (`retry_after` says when one can), or ever when all are invalid."""

    def __init__(self, message: str, *, retry_after: float | None) -> None:
        super().__init__(PROVIDER, message, retryable=retry_after is not None, status=503, retry_after=retry_after)


@dataclass(frozen=True)
class Refusal:
    """A non-200 answer: HTTP status, ElevenLabs' `detail.status` reason and its message."""

    status: int
    reason: str
    message: str


async def judge_refusal(ring: KeyRing, key: Key, refusal: Refusal, *, quota_rest: float, busy_cooldown: float) -> None:
    """ElevenLabs' rules for a refused key: rest it (quota, busy, 5xx), retire it (bad key), or raise (bad request)."""
    if refusal.status == httpx.codes.UNAUTHORIZED and refusal.reason == "quota_exceeded":
        await ring.rest(key, quota_rest, "quota_exceeded")
    elif refusal.status == httpx.codes.UNAUTHORIZED:
        await ring.retire(key, refusal.reason or "unauthorized")
    elif refusal.status in (httpx.codes.REQUEST_TIMEOUT, httpx.codes.TOO_MANY_REQUESTS) or refusal.status >= 500:
        await ring.rest(key, busy_cooldown, f"{refusal.status} {refusal.reason}".strip())
    else:
        message = ring.redact(f"rejected the request ({refusal.status} {refusal.reason}): {refusal.message}")
        raise ProviderError(PROVIDER, message, retryable=False, status=refusal.status)


async def unavailable(ring: KeyRing) -> VoiceUnavailable:
    """The error for a request no key could serve."""
    wait = await ring.next_available_in()
    if wait is None:
        return VoiceUnavailable("all ElevenLabs keys are invalid", retry_after=None)
    retry_after = max(1, math.ceil(wait))
    return VoiceUnavailable(f"no ElevenLabs key is free; retry in {retry_after}s", retry_after=float(retry_after))


async def read_refusal(response: httpx.Response) -> Refusal:
    """Read at most a small error body and pull out ElevenLabs' reason and message."""
    raw = bytearray()
    async for chunk in response.aiter_bytes():
        raw += chunk
        if len(raw) >= _MAX_ERROR_BODY_BYTES:
            break
    return parse_refusal(response.status_code, bytes(raw[:_MAX_ERROR_BODY_BYTES]))


def parse_refusal(status: int, raw: bytes) -> Refusal:
    """`{"detail": {"status", "message"}}` when the body has that shape, else the start of the body as the message."""
    try:
        payload: Any = json.loads(raw)
    except ValueError:
        payload = None
    detail = payload.get("detail") if isinstance(payload, dict) else None
    if isinstance(detail, dict):
        reason, message = str(detail.get("status") or ""), str(detail.get("message") or "")
    elif detail is not None:
        reason, message = "", detail if isinstance(detail, str) else json.dumps(detail)
    else:
        reason, message = "", raw.decode(errors="replace")
    return Refusal(status, reason, message[:_MAX_ERROR_MESSAGE_CHARS])
