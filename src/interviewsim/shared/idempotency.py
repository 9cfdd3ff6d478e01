"""Stored responses for `Idempotency-Key` requests, so a retried chat turn or result is answered, not re-run."""

from __future__ import annotations

import hashlib
import json
import math
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Protocol

from redis.asyncio import Redis

from interviewsim.shared.redis import DEFAULT_PREFIX, RedisNamespace

DEFAULT_TTL_SECONDS = 24 * 3600.0
DEFAULT_CLAIM_TTL_SECONDS = 120.0
# Not JSON, so no stored response can be mistaken for a claim still running.
_PENDING = b"\x00pending"

_RELEASE_PENDING = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


class IdempotencyStore(Protocol):
    """Per-user records of finished requests plus claims on requests still running.

    The flow: `get` → replay if found; else `claim` → if refused, `get` again and answer 409 when still None;
    run the request; `put` its response, or `release` the claim when it failed so the client may retry.
    """

    async def get(self, user_id: str, key: str) -> dict[str, Any] | None:
        """The stored response for this user's key, or None (also while only claimed)."""
        ...

    async def put(self, user_id: str, key: str, response: dict[str, Any], ttl: float = DEFAULT_TTL_SECONDS) -> None:
        """Store the response (JSON-serialisable) for `ttl` seconds, replacing the claim."""
        ...

    async def claim(self, user_id: str, key: str, ttl: float = DEFAULT_CLAIM_TTL_SECONDS) -> bool:
        """True for the one caller that may run the request; False while claimed or already stored."""
        ...

    async def release(self, user_id: str, key: str) -> None:
        """Drop a claim whose request failed; a stored response stays."""
        ...


def record_id(user_id: str, key: str) -> str:
    """A sha256 of the user id and the key: one user's key never names another user's record."""
    # Length-prefixed so ("ab", "c") and ("a", "bc") never hash the same input.
    return hashlib.sha256(f"{len(user_id)}:{user_id}:{key}".encode()).hexdigest()


def _encode(response: dict[str, Any]) -> bytes:
    return json.dumps(response, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def _decode(raw: bytes) -> dict[str, Any] | None:
    if raw == _PENDING:
        return None
    value = json.loads(raw)
    return value if isinstance(value, dict) else None


def _check_ttl(ttl: float) -> None:
    if not (ttl > 0 and math.isfinite(ttl)):
        raise ValueError(f"ttl must be a positive number of seconds, not {ttl!r}")


class MemoryIdempotencyStore:
    """Records in this process: at most `max_entries`, the oldest dropped first, each gone after its TTL."""

    def __init__(self, max_entries: int = 10_000, *, clock: Callable[[], float] = time.monotonic) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self._max_entries = max_entries
        self._clock = clock
        self._records: OrderedDict[str, tuple[float, bytes]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._records)

    async def get(self, user_id: str, key: str) -> dict[str, Any] | None:
        """The stored response for this user's key, or None (also while only claimed)."""
        raw = self._live(record_id(user_id, key))
        return None if raw is None else _decode(raw)

    async def put(self, user_id: str, key: str, response: dict[str, Any], ttl: float = DEFAULT_TTL_SECONDS) -> None:
        """Store the response (JSON-serialisable) for `ttl` seconds, replacing the claim."""
        _check_ttl(ttl)
        self._store(record_id(user_id, key), _encode(response), ttl)

    async def claim(self, user_id: str, key: str, ttl: float = DEFAULT_CLAIM_TTL_SECONDS) -> bool:
        """True for the one caller that may run the request; False while claimed or already stored."""
        _check_ttl(ttl)
        record = record_id(user_id, key)
        if self._live(record) is not None:
            return False
        self._store(record, _PENDING, ttl)
        return True

    async def release(self, user_id: str, key: str) -> None:
        """Drop a claim whose request failed; a stored response stays."""
        record = record_id(user_id, key)
        if self._live(record) == _PENDING:
            del self._records[record]

    def _live(self, record: str) -> bytes | None:
        entry = self._records.get(record)
        if entry is None:
            return None
        if entry[0] <= self._clock():
            del self._records[record]
            return None
        return entry[1]

    def _store(self, record: str, value: bytes, ttl: float) -> None:
        self._records[record] = (self._clock() + ttl, value)
        self._records.move_to_end(record)
        while len(self._records) > self._max_entries:
            self._records.popitem(last=False)


class RedisIdempotencyStore:
    """Records in Redis, shared by every worker; each key expires with its TTL (24 h for responses)."""

    def __init__(self, redis: Redis, prefix: str = DEFAULT_PREFIX) -> None:
        self._redis = redis
        self._namespace = RedisNamespace(prefix).child("idempotency")
        self._release_pending = redis.register_script(_RELEASE_PENDING)

    async def get(self, user_id: str, key: str) -> dict[str, Any] | None:
        """The stored response for this user's key, or None (also while only claimed)."""
        raw = await self._redis.get(self._key(user_id, key))
        if raw is None:
            return None
        return _decode(raw if isinstance(raw, bytes) else str(raw).encode())

    async def put(self, user_id: str, key: str, response: dict[str, Any], ttl: float = DEFAULT_TTL_SECONDS) -> None:
        """Store the response (JSON-serialisable) for `ttl` seconds, replacing the claim."""
        _check_ttl(ttl)
        await self._redis.set(self._key(user_id, key), _encode(response), px=_millis(ttl))

    async def claim(self, user_id: str, key: str, ttl: float = DEFAULT_CLAIM_TTL_SECONDS) -> bool:
        """True for the one caller that may run the request; False while claimed or already stored."""
        _check_ttl(ttl)
        return bool(await self._redis.set(self._key(user_id, key), _PENDING, nx=True, px=_millis(ttl)))

    async def release(self, user_id: str, key: str) -> None:
        """Drop a claim whose request failed; a stored response stays."""
        await self._release_pending(keys=[self._key(user_id, key)], args=[_PENDING])

    def _key(self, user_id: str, key: str) -> str:
        return self._namespace.key(record_id(user_id, key))


def _millis(seconds: float) -> int:
    return max(1, math.ceil(seconds * 1000))
