"""One turn at a time per interview session: in this process, or across every worker through Redis."""

from __future__ import annotations

import asyncio
import logging
import random
import secrets
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from typing import Protocol

from redis.asyncio import Redis
from redis.exceptions import RedisError

from interviewsim.errors import Conflict
from interviewsim.shared.redis import DEFAULT_PREFIX, RedisNamespace

logger = logging.getLogger(__name__)

DEFAULT_TTL_SECONDS = 120.0

# Both scripts act only while the key still holds our token, so a holder whose lock expired and passed
# to another worker can neither extend nor delete the new holder's lock.
_EXTEND = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


class LockTimeout(Conflict):
    """The session's turn lock stayed busy for the whole wait (a 409 with Retry-After)."""

    def __init__(self, session_id: str, wait_seconds: float) -> None:
        super().__init__("A reply is still being generated for this interview; try again in a moment.", retry_after=1)
        self.session_id = session_id
        self.wait_seconds = wait_seconds


class TurnLocks(Protocol):
    """A lock per session id, held for the body of `async with locks.hold(...)`."""

    def hold(self, session_id: str, wait_seconds: float) -> AbstractAsyncContextManager[None]:
        """Hold the session's lock; raises `LockTimeout` if it stays busy for `wait_seconds`."""
        ...


@dataclass
class _Entry:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    users: int = 0


class MemoryTurnLocks:
    """Turn locks for one process; an entry lives only while someone holds or waits for it."""

    def __init__(self) -> None:
        self._entries: dict[str, _Entry] = {}

    @asynccontextmanager
    async def hold(self, session_id: str, wait_seconds: float) -> AsyncIterator[None]:
        """Hold the session's lock; raises `LockTimeout` if it stays busy for `wait_seconds`."""
        entry = self._entries.setdefault(session_id, _Entry())
        entry.users += 1
        try:
            try:
                async with asyncio.timeout(max(0.0, wait_seconds)):
                    await entry.lock.acquire()
            except TimeoutError:
                raise LockTimeout(session_id, wait_seconds) from None
            try:
                yield
            finally:
                entry.lock.release()
        finally:
            entry.users -= 1
            if entry.users == 0:
                del self._entries[session_id]


class RedisTurnLocks:
    """Turn locks shared by every worker: `SET NX PX` with a random token, renewed while held."""

    def __init__(
        self,
        redis: Redis,
        prefix: str = DEFAULT_PREFIX,
        *,
        ttl_seconds: float = DEFAULT_TTL_SECONDS,
        renew_every_seconds: float | None = None,
        poll_seconds: float = 0.01,
        max_poll_seconds: float = 0.25,
    ) -> None:
        renew_every = ttl_seconds / 3 if renew_every_seconds is None else renew_every_seconds
        if ttl_seconds <= 0:
            raise ValueError("ttl_seconds must be positive")
        if not 0 < renew_every < ttl_seconds:
            raise ValueError("renew_every_seconds must be positive and shorter than ttl_seconds")
        if not 0 < poll_seconds <= max_poll_seconds:
            raise ValueError("poll_seconds must be positive and at most max_poll_seconds")
        self._redis = redis
        self._namespace = RedisNamespace(prefix).child("turnlock")
        self._ttl_ms = max(1, round(ttl_seconds * 1000))
        self._renew_every = renew_every
        self._poll_seconds = poll_seconds
        self._max_poll_seconds = max_poll_seconds
        self._extend = redis.register_script(_EXTEND)
        self._release = redis.register_script(_RELEASE)

    @asynccontextmanager
    async def hold(self, session_id: str, wait_seconds: float) -> AsyncIterator[None]:
        """Hold the session's lock; raises `LockTimeout` if it stays busy for `wait_seconds`."""
        key = self._namespace.key(session_id)
        token = secrets.token_hex(16)
        await self._acquire(key, token, session_id, wait_seconds)
        done = asyncio.Event()
        renewer = asyncio.create_task(self._keep_alive(key, token, session_id, done), name=f"turn-lock:{session_id}")
        try:
            yield
        finally:
            # The event stops the renewer even when the Redis call it is in swallows the cancellation
            # (redis-py does for about 1 in 40 cancels that land mid-command; this wait then hung).
            done.set()
            renewer.cancel()
            await asyncio.wait({renewer})
            if not renewer.cancelled() and (error := renewer.exception()) is not None:
                logger.error("renewing the turn lock of session %s failed", session_id, exc_info=error)
            # Shielded: a cancelled turn still frees its session instead of blocking it for a whole TTL.
            await asyncio.shield(self._give_back(key, token, session_id, expect_held=True))

    async def _acquire(self, key: str, token: str, session_id: str, wait_seconds: float) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(0.0, wait_seconds)
        delay = self._poll_seconds
        while True:
            try:
                acquired = await self._redis.set(key, token, nx=True, px=self._ttl_ms)
            except BaseException:
                # The SET may have landed before the failure or cancellation; don't leave the session locked.
                await asyncio.shield(self._give_back(key, token, session_id, expect_held=False))
                raise
            if acquired:
                return
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise LockTimeout(session_id, wait_seconds)
            # Jitter keeps workers waiting on the same session from polling in lockstep.
            await asyncio.sleep(min(remaining, delay * random.uniform(0.5, 1.0)))
            delay = min(delay * 2, self._max_poll_seconds)

    async def _keep_alive(self, key: str, token: str, session_id: str, done: asyncio.Event) -> None:
        while True:
            await asyncio.sleep(self._renew_every)
            if done.is_set():
                return
            try:
                extended = await self._extend(keys=[key], args=[token, self._ttl_ms])
            except RedisError:
                # Renewing at a third of the TTL leaves room for another try before the lock lapses.
                logger.warning("could not extend the turn lock of session %s; will retry", session_id, exc_info=True)
                continue
            if not extended:
                logger.error("the turn lock of session %s lapsed while held; another turn may now run", session_id)
                return

    async def _give_back(self, key: str, token: str, session_id: str, *, expect_held: bool) -> None:
        try:
            released = await self._release(keys=[key], args=[token])
        except RedisError:
            logger.warning(
                "could not release the turn lock of session %s; it lapses within %.0fs",
                session_id,
                self._ttl_ms / 1000,
                exc_info=True,
            )
            return
        if expect_held and not released:
            logger.warning("the turn lock of session %s had already lapsed before release", session_id)
