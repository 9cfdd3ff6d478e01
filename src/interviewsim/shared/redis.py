"""A Redis client helper and the key namespace every shared store writes under."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from redis.asyncio import ConnectionPool, Redis

DEFAULT_PREFIX = "interviewsim:"


# Connections one pool may open to Redis (each worker has two pools: shared state and rate limits).
# redis-py's default, 100, failed turns with "Too many connections" at 600 concurrent interviews on
# two workers (bench/RESULTS.md); connections are opened only as concurrent commands need them.
MAX_CONNECTIONS = 500


def connection_pool(url: str, **options: Any) -> ConnectionPool:
    """A pool for `url` that opens up to MAX_CONNECTIONS connections."""
    return ConnectionPool.from_url(url, max_connections=MAX_CONNECTIONS, **options)


async def connect(url: str, *, timeout_seconds: float = 5.0) -> Redis:
    """A client for `url` that speaks bytes; it connects lazily, so callers `ping` it to check health."""
    pool = connection_pool(
        url,
        decode_responses=False,
        socket_connect_timeout=timeout_seconds,
        socket_timeout=timeout_seconds,
        health_check_interval=30,
    )
    return Redis.from_pool(pool)  # the client owns the pool and closes it with itself


@dataclass(frozen=True, slots=True)
class RedisNamespace:
    """A key prefix such as `interviewsim:`; `key("locks", "abc")` gives `interviewsim:locks:abc`."""

    prefix: str = DEFAULT_PREFIX

    def __post_init__(self) -> None:
        if self.prefix and not self.prefix.endswith(":"):
            object.__setattr__(self, "prefix", self.prefix + ":")

    def key(self, *parts: str) -> str:
        """The prefixed key made of `parts` joined by colons."""
        return self.prefix + ":".join(parts)

    def child(self, *parts: str) -> RedisNamespace:
        """A namespace nested under this one."""
        return RedisNamespace(self.key(*parts) + ":")
