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

from interviewsim.errors import Conflict, Unavailable
from interviewsim.shared.redis import DEFAULT_PREFIX, RedisNamespace

logger = logging.getLogger(__name__)

# A lease, not a deadline for the turn: renewed while the turn runs, it bounds only how long a
# killed worker keeps its session busy.
DEFAULT_TTL_SECONDS = 5.0
# Renewals per lease: a failed renewal is retried several times before the lease runs out.
RENEWALS_PER_TTL = 5

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


class LockLost(Unavailable):
    """The turn was stopped because its lock could not be renewed before the lease ran out (a 503)."""

    code = "turn_interrupted"

    def __init__(self, session_id: str) -> None:
        super().__init__(
            "The reply was interrupted because this interview's turn could not be kept exclusive; "
            "send your answer again.",
            retry_after=1,
        )
        self.session_id = session_id


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
            if entry.users == 1:
                # No one else holds or waits: acquiring cannot wait, so no deadline is armed (every turn comes here).
                await entry.lock.acquire()
            else:
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
    """Turn locks shared by every worker: `SET NX PX` with a random token, a short lease renewed while held.

    A holder that cannot renew in time is stopped (its `async with` body is cancelled and `hold` raises
    `LockLost`) a renewal interval before its lease ends, so it never runs on once another worker may hold
    the lock. Enter and leave `hold` in one task, as `async with` does.
    """

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
        renew_every = ttl_seconds / RENEWALS_PER_TTL if renew_every_seconds is None else renew_every_seconds
        if ttl_seconds <= 0:
            raise ValueError("ttl_seconds must be positive")
        if not 0 < renew_every < ttl_seconds / 2:
            raise ValueError("renew_every_seconds must be positive and under half of ttl_seconds")
        if not 0 < poll_seconds <= max_poll_seconds:
            raise ValueError("poll_seconds must be positive and at most max_poll_seconds")
        self._redis = redis
        self._namespace = RedisNamespace(prefix).child("turnlock")
        self._ttl = ttl_seconds
        self._ttl_ms = max(1, round(ttl_seconds * 1000))
        self._renew_every = renew_every
        self._poll_seconds = poll_seconds
        self._max_poll_seconds = max_poll_seconds
        self._extend = redis.register_script(_EXTEND)
        self._release = redis.register_script(_RELEASE)

    @asynccontextmanager
    async def hold(self, session_id: str, wait_seconds: float) -> AsyncIterator[None]:
        """Hold the session's lock; `LockTimeout` if it stays busy for `wait_seconds`, `LockLost` if it slips."""
        key = self._namespace.key(session_id)
        token = secrets.token_hex(16)
        leased_at = await self._acquire(key, token, session_id, wait_seconds)
        done = asyncio.Event()
        renewer: asyncio.Task[None] | None = None
        scope: asyncio.Timeout | None = None
        try:
            async with asyncio.timeout(None) as scope:
                lease = _Lease(leased_at + self._ttl, scope, done)
                renewer = asyncio.create_task(
                    self._keep_alive(key, token, session_id, lease), name=f"turn-lock:{session_id}"
                )
                yield
        except Exception as error:
            # The scope turns its own cancellation into TimeoutError. A CancelledError (a client that left)
            # or GeneratorExit (a caller's generator closed) is not an Exception and propagates as itself.
            if scope is not None and scope.expired():
                raise LockLost(session_id) from error
            raise
        finally:
            # The event stops the renewer even when the Redis call it is in swallows the cancellation
            # (redis-py does for about 1 in 40 cancels that land mid-command; this wait then hung).
            done.set()
            if renewer is not None:
                renewer.cancel()
                await asyncio.wait({renewer})
                if not renewer.cancelled() and (failure := renewer.exception()) is not None:
                    logger.error("renewing the turn lock of session %s failed", session_id, exc_info=failure)
            # Shielded: a cancelled turn still frees its session instead of blocking it for a whole lease.
            await asyncio.shield(self._give_back(key, token, session_id, expect_held=True))
        if scope is not None and scope.expired():
            # The body finished although it was told to stop (it swallowed the cancellation): still refused.
            raise LockLost(session_id)

    async def _acquire(self, key: str, token: str, session_id: str, wait_seconds: float) -> float:
        """Take the lock; return the loop time the winning SET was sent (its lease runs from no earlier)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(0.0, wait_seconds)
        delay = self._poll_seconds
        while True:
            sent = loop.time()
            try:
                acquired = await self._redis.set(key, token, nx=True, px=self._ttl_ms)
            except BaseException:
                # The SET may have landed before the failure or cancellation; don't leave the session locked.
                await asyncio.shield(self._give_back(key, token, session_id, expect_held=False))
                raise
            if acquired:
                return sent
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise LockTimeout(session_id, wait_seconds)
            # Jitter keeps workers waiting on the same session from polling in lockstep.
            await asyncio.sleep(min(remaining, delay * random.uniform(0.5, 1.0)))
            delay = min(delay * 2, self._max_poll_seconds)

    async def _keep_alive(self, key: str, token: str, session_id: str, lease: _Lease) -> None:
        """Renew the lease every interval; stop the holder while the lease still has an interval to run."""
        loop = asyncio.get_running_loop()
        next_renewal = lease.valid_until - self._ttl + self._renew_every
        while True:
            await asyncio.sleep(max(0.0, next_renewal - loop.time()))
            if lease.done.is_set():
                return
            try:
                async with asyncio.timeout_at(lease.valid_until - self._renew_every):
                    sent, extended = await self._renew(key, token, session_id)
            except TimeoutError:
                lease.stop_holder()
                logger.error("could not renew the turn lock of session %s in time; stopping the turn", session_id)
                return
            if lease.done.is_set():
                return
            if not extended:
                lease.stop_holder()
                logger.error("the turn lock of session %s lapsed while held; stopping the turn", session_id)
                return
            # Redis expires the key no earlier than ttl after it receives the renewal, so one sent at
            # `sent` keeps the lock ours until at least sent + ttl, whatever the round trip took.
            lease.valid_until = sent + self._ttl
            next_renewal = sent + self._renew_every

    async def _renew(self, key: str, token: str, session_id: str) -> tuple[float, bool]:
        """Extend the lease, retrying Redis errors (the caller bounds how long); the send time and the outcome."""
        loop = asyncio.get_running_loop()
        while True:
            sent = loop.time()
            try:
                return sent, bool(await self._extend(keys=[key], args=[token, self._ttl_ms]))
            except RedisError:
                logger.warning("could not extend the turn lock of session %s; will retry", session_id, exc_info=True)
                await asyncio.sleep(self._renew_every / 4)

    async def _give_back(self, key: str, token: str, session_id: str, *, expect_held: bool) -> None:
        try:
            # Waiting longer than a lease is pointless: by then the key has lapsed by itself.
            async with asyncio.timeout(self._ttl):
                released = await self._release(keys=[key], args=[token])
        except (RedisError, TimeoutError):
            logger.warning(
                "could not release the turn lock of session %s; it lapses within %.1fs",
                session_id,
                self._ttl,
                exc_info=True,
            )
            return
        if expect_held and not released:
            logger.warning("the turn lock of session %s had already lapsed before release", session_id)


@dataclass
class _Lease:
    """What the renewer of one held lock knows: until when the lock is surely ours, and how to stop its holder."""

    valid_until: float
    scope: asyncio.Timeout
    done: asyncio.Event

    def stop_holder(self) -> None:
        """Cancel the holder's `async with` body now (it then raises `LockLost`), unless it already ended."""
        if not self.done.is_set():
            self.scope.reschedule(asyncio.get_running_loop().time())
