"""A Redis client helper and the key namespace every shared store writes under."""

from __future__ import annotations

from dataclasses import dataclass

from redis.asyncio import Redis

DEFAULT_PREFIX = "interviewsim:"


async def connect(url: str, *, timeout_seconds: float = 5.0) -> Redis:
    """A client for `url` that speaks bytes; it connects lazily, so callers `ping` it to check health."""
    return Redis.from_url(
        url,
        decode_responses=False,
        socket_connect_timeout=timeout_seconds,
        socket_timeout=timeout_seconds,
        health_check_interval=30,
    )


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
