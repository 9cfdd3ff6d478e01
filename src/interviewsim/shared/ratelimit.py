"""Per-user rate limits, moving window: in this process (shared.moving_window) or shared through Redis (`limits`)."""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Mapping
from typing import Any, NoReturn, cast

from limits import RateLimitItem, parse_many
from limits.aio.storage import RedisStorage
from limits.aio.strategies import MovingWindowRateLimiter
from redis.asyncio import ConnectionPool, Redis

from interviewsim.errors import RateLimited
from interviewsim.shared.moving_window import MovingWindows
from interviewsim.shared.redis import DEFAULT_PREFIX, RedisNamespace, connection_pool

_REDIS_SCHEMES = ("redis://", "rediss://", "unix://")


def parse_rule(rule: str) -> list[RateLimitItem]:
    """The limits in `rule` ("30/minute", "20/hour;5/minute"); ValueError naming the rule when it is invalid."""
    try:
        items = parse_many(rule)
    except ValueError:
        raise ValueError(
            f"invalid rate limit rule {rule!r}: use the limits notation, e.g. '30/minute' or '20/hour;5/minute'"
        ) from None
    if any(item.amount < 1 for item in items):
        raise ValueError(f"invalid rate limit rule {rule!r}: each limit must allow at least one request")
    return items


class RateLimiter:
    """Counts each user's hits per bucket; over the limit, `hit` raises `RateLimited` with a Retry-After."""

    def __init__(
        self,
        storage_uri: str | None = None,
        *,
        rules: Mapping[str, str | None] | None = None,
        prefix: str = DEFAULT_PREFIX,
    ) -> None:
        self._rules: dict[str, list[RateLimitItem]] = {}
        for bucket, rule in (rules or {}).items():
            # A bucket whose rule is None is known and unlimited: no items, so every hit passes.
            self._rules[bucket] = parse_rule(rule) if rule is not None else []
        self._parsed: dict[str, list[RateLimitItem]] = {}
        self._pool: ConnectionPool | None = None
        self._redis: Redis | None = None
        self._key_prefix = RedisNamespace(prefix).key("ratelimit")
        # Moving window: exact "N in any window" with no burst of 2N at a window edge, and its oldest entry tells
        # precisely when the next request is allowed; it keeps one timestamp per hit, little for per-user limits.
        self._memory: MovingWindows | None = None
        self._strategy: MovingWindowRateLimiter | None = None
        uri = (storage_uri or "memory://").removeprefix("async+")
        if uri == "memory://":
            self._memory = MovingWindows()
        elif uri.startswith(_REDIS_SCHEMES):
            # Our own pool (lazy: no connection until the first hit) so `aclose` can disconnect it.
            self._pool = connection_pool(uri)
            self._redis = Redis(connection_pool=self._pool)
            options = cast(Any, {"connection_pool": self._pool})
            storage = RedisStorage(f"async+{uri}", implementation="redispy", key_prefix=self._key_prefix, **options)
            self._strategy = MovingWindowRateLimiter(storage)
        else:
            raise ValueError(f"unsupported rate limit storage {storage_uri!r}: use memory:// or a redis:// URL")

    async def hit(self, bucket: str, user_id: str, rule: str | None = None) -> None:
        """Count one request by `user_id` in `bucket` (against `rule`, else the bucket's configured rule)."""
        subject = _subject(user_id)
        for item in self._items(bucket, rule):
            if (wait := await self._wait(item, bucket, subject, count=True)) is not None:
                _refuse(item, bucket, wait)

    async def check(self, bucket: str, user_id: str, rule: str | None = None) -> None:
        """Raise `RateLimited` if `user_id` is already at the limit in `bucket`, without counting a hit."""
        subject = _subject(user_id)
        for item in self._items(bucket, rule):
            if (wait := await self._wait(item, bucket, subject, count=False)) is not None:
                _refuse(item, bucket, wait)

    async def _wait(self, item: RateLimitItem, bucket: str, subject: str, *, count: bool) -> float | None:
        """None when `item` allows the request (counted, with `count`), else the seconds until it does."""
        if self._memory is not None:
            measure = self._memory.hit if count else self._memory.test
            return measure(item.key_for(bucket, subject), item.amount, item.get_expiry())
        assert self._strategy is not None
        allowed = await (self._strategy.hit if count else self._strategy.test)(item, bucket, subject)
        if allowed:
            return None
        stats = await self._strategy.get_window_stats(item, bucket, subject)
        return stats.reset_time - time.time()

    async def reset(self) -> None:
        """Forget every count this limiter can see (for tests)."""
        if self._memory is not None:
            self._memory.clear()
            return
        assert self._redis is not None
        # Only this limiter's prefix: other limiters and stores sharing the Redis keep their keys.
        async for key in self._redis.scan_iter(match=f"{self._key_prefix}:*", count=500):
            await self._redis.delete(key)

    async def aclose(self) -> None:
        """Disconnect from Redis, if this limiter uses it."""
        if self._pool is not None:
            await self._pool.aclose()

    def _items(self, bucket: str, rule: str | None) -> list[RateLimitItem]:
        if rule is None:
            try:
                return self._rules[bucket]
            except KeyError:
                raise ValueError(f"no rate limit rule for bucket {bucket!r}: pass one or configure it") from None
        items = self._parsed.get(rule)
        if items is None:
            items = self._parsed[rule] = parse_rule(rule)
        return items


def _refuse(item: RateLimitItem, bucket: str, wait: float) -> NoReturn:
    """Raise the 429 of `bucket`'s `item`, allowed again in `wait` seconds."""
    retry_after = max(1, math.ceil(wait))
    raise RateLimited(
        f"Too many {bucket} requests: the limit is {_describe(item)}. "
        f"Try again in {retry_after} second{'s' if retry_after != 1 else ''}.",
        retry_after=retry_after,
    )


def _subject(user_id: str) -> str:
    """The key a user's hits are counted under (hashed: no user id or address is stored)."""
    return hashlib.sha256(user_id.encode()).hexdigest()[:32]


def _describe(item: RateLimitItem) -> str:
    """`30 per minute` or `5 per 2 minutes`."""
    unit = item.GRANULARITY.name
    if item.multiples == 1:
        return f"{item.amount} per {unit}"
    return f"{item.amount} per {item.multiples} {unit}s"
