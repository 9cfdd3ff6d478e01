"""Transcribed answers kept briefly under an unguessable id, so /api/chat stores the server's own delivery metrics."""

from __future__ import annotations

import json
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from redis.asyncio import Redis

from interviewsim.shared.redis import DEFAULT_PREFIX, RedisNamespace

DEFAULT_TTL_SECONDS = 3600.0


@dataclass(frozen=True)
class SpeechRecord:
    """What /api/stt heard for one user: the transcript and its delivery metrics (a JSON object)."""

    user_id: str
    text: str
    delivery: dict[str, Any]


class SpeechRecords(Protocol):
    """Records by speech id; a record is found only by the user it belongs to, and only until its TTL."""

    async def put(self, record: SpeechRecord, ttl: float = DEFAULT_TTL_SECONDS) -> str:
        """Store `record`; return its new speech id."""
        ...

    async def get(self, user_id: str, speech_id: str) -> SpeechRecord | None:
        """The user's record, or None when it is unknown, expired or someone else's."""
        ...


def new_speech_id() -> str:
    """192 random bits, URL-safe."""
    return secrets.token_urlsafe(24)


def _encode(record: SpeechRecord) -> bytes:
    return json.dumps({"user_id": record.user_id, "text": record.text, "delivery": record.delivery}).encode()


def _decode(raw: bytes | str) -> SpeechRecord:
    value = json.loads(raw)
    return SpeechRecord(str(value["user_id"]), str(value["text"]), dict(value["delivery"]))


class MemorySpeechRecords:
    """Records in this process: at most `max_entries`, the oldest dropped first."""

    def __init__(self, max_entries: int = 10_000, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._max_entries = max_entries
        self._clock = clock
        self._records: OrderedDict[str, tuple[float, SpeechRecord]] = OrderedDict()

    async def put(self, record: SpeechRecord, ttl: float = DEFAULT_TTL_SECONDS) -> str:
        """Store `record`; return its new speech id."""
        speech_id = new_speech_id()
        self._records[speech_id] = (self._clock() + ttl, record)
        while len(self._records) > self._max_entries:
            self._records.popitem(last=False)
        return speech_id

    async def get(self, user_id: str, speech_id: str) -> SpeechRecord | None:
        """The user's record, or None when it is unknown, expired or someone else's."""
        entry = self._records.get(speech_id)
        if entry is None:
            return None
        if entry[0] <= self._clock():
            del self._records[speech_id]
            return None
        return entry[1] if secrets.compare_digest(entry[1].user_id, user_id) else None


class RedisSpeechRecords:
    """Records in Redis, shared by every worker, each expiring with its TTL."""

    def __init__(self, redis: Redis, prefix: str = DEFAULT_PREFIX) -> None:
        self._redis = redis
        self._namespace = RedisNamespace(prefix).child("speech")

    async def put(self, record: SpeechRecord, ttl: float = DEFAULT_TTL_SECONDS) -> str:
        """Store `record`; return its new speech id."""
        speech_id = new_speech_id()
        await self._redis.set(self._namespace.key(speech_id), _encode(record), px=max(1, int(ttl * 1000)))
        return speech_id

    async def get(self, user_id: str, speech_id: str) -> SpeechRecord | None:
        """The user's record, or None when it is unknown, expired or someone else's."""
        raw = await self._redis.get(self._namespace.key(speech_id))
        if raw is None:
            return None
        record = _decode(raw)
        return record if secrets.compare_digest(record.user_id, user_id) else None
