"""A Redis client helper and the key namespace every shared store writes under."""

from __future__ import annotations

from dataclasses import dataclass

from redis.asyncio import BlockingConnectionPool, Redis

DEFAULT_PREFIX = "interviewsim:"


# Connections one process opens to Redis. Past this, a command waits for a free connection (up to
# POOL_WAIT_SECONDS) instead of failing: redis-py's default pool raises "Too many connections" at 100,
# which hundreds of concurrent turns per worker reach (bench/RESULTS.md).
MAX_CONNECTIONS = 200
POOL_WAIT_SECONDS = 5.0


def connection_pool(url: str, **options: object) -> BlockingConnectionPool:
    """A pool for `url` whose commands queue for a connection when all are busy."""
    return BlockingConnectionPool.from_url(url, max_connections=MAX_CONNECTIONS, timeout=POOL_WAIT_SECONDS, **options)


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
