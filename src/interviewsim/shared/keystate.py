"""API-key state (when a vendor key may be used again): in this process, or in Redis so every worker agrees."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Protocol

from redis.asyncio import Redis

from interviewsim.shared.redis import DEFAULT_PREFIX, RedisNamespace

_INF = "inf"

# Raise-only and atomic: a worker acting on a stale read can neither shorten another's rest nor undo a retirement.
_RAISE_UNTIL = """
local current = redis.call('HGET', KEYS[1], 'until')
local wanted = ARGV[1]
if current then
  if current == 'inf' then return 0 end
  if wanted ~= 'inf' and tonumber(current) >= tonumber(wanted) then return 0 end
end
redis.call('HSET', KEYS[1], 'until', wanted, 'reason', ARGV[2])
if wanted == 'inf' then
  redis.call('PERSIST', KEYS[1])
else
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
end
return 1
"""


class KeyStateStore(Protocol):
    """Where each key's "unusable until" time lives; a shared store lets workers agree on it."""

    async def get_until(self, fingerprint: str) -> float | None:
        """Epoch seconds until which the key is unusable (`math.inf` when retired), or None."""
        ...

    async def set_until(self, fingerprint: str, until_epoch_seconds: float, reason: str) -> None:
        """Mark the key unusable until `until_epoch_seconds` (`math.inf` retires it)."""
        ...


class MemoryKeyStateStore:
    """Key state in this process only."""

    def __init__(self) -> None:
        self._until: dict[str, tuple[float, str]] = {}

    async def get_until(self, fingerprint: str) -> float | None:
        """Epoch seconds until which the key is unusable, or None."""
        entry = self._until.get(fingerprint)
        return entry[0] if entry else None

    async def set_until(self, fingerprint: str, until_epoch_seconds: float, reason: str) -> None:
        """Mark the key unusable until `until_epoch_seconds`."""
        self._until[fingerprint] = (until_epoch_seconds, reason)


class RedisKeyStateStore:
    """A `KeyStateStore` in Redis; rests expire shortly after they end, retirements never."""

    def __init__(
        self,
        redis: Redis,
        prefix: str = DEFAULT_PREFIX,
        *,
        grace_seconds: float = 60.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if grace_seconds < 0:
            raise ValueError("grace_seconds must not be negative")
        self._redis = redis
        self._namespace = RedisNamespace(prefix).child("keystate")
        self._grace_seconds = grace_seconds
        self._clock = clock
        self._raise_until = redis.register_script(_RAISE_UNTIL)

    async def get_until(self, fingerprint: str) -> float | None:
        """Epoch seconds until which the key is unusable (`math.inf` when retired), or None."""
        raw = await self._redis.hget(self._namespace.key(fingerprint), "until")
        if raw is None:
            return None
        text = raw.decode() if isinstance(raw, bytes) else str(raw)
        return math.inf if text == _INF else float(text)

    async def set_until(self, fingerprint: str, until_epoch_seconds: float, reason: str) -> None:
        """Mark the key unusable until `until_epoch_seconds` (`math.inf` retires it); never lowers a stored time."""
        if math.isnan(until_epoch_seconds) or until_epoch_seconds == -math.inf:
            raise ValueError("until_epoch_seconds must be a number of epoch seconds or math.inf")
        if until_epoch_seconds == math.inf:
            value, ttl_ms = _INF, 0
        else:
            value = repr(float(until_epoch_seconds))
            # A TTL relative to this worker's clock, so a skewed Redis clock cannot drop a rest early.
            remaining = max(0.0, until_epoch_seconds - self._clock())
            ttl_ms = max(1, math.ceil((remaining + self._grace_seconds) * 1000))
        await self._raise_until(keys=[self._namespace.key(fingerprint)], args=[value, reason, ttl_ms])

    async def forget(self, fingerprint: str) -> None:
        """Drop the key's state, returning it to rotation (an operator's undo for a wrong retirement)."""
        await self._redis.delete(self._namespace.key(fingerprint))
