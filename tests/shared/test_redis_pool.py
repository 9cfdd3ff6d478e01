"""A worker's Redis client queues commands when every connection is busy instead of failing them."""

from __future__ import annotations

import asyncio

from redis.asyncio import Redis

from interviewsim.config import Settings
from interviewsim.shared.redis import MAX_CONNECTIONS
from interviewsim.shared.state import build_shared_state


async def test_more_concurrent_commands_than_connections_all_succeed(redis_client: Redis, prefix: str) -> None:
    commands = MAX_CONNECTIONS + 50  # each holds its connection for the whole blocking pop
    popped = await asyncio.wait_for(
        asyncio.gather(*(redis_client.blpop([f"{prefix}empty"], timeout=0.2) for _ in range(commands))), timeout=10
    )
    assert popped == [None] * commands


async def test_rate_limits_hold_under_more_concurrent_hits_than_connections(redis_url: str, prefix: str) -> None:
    settings = Settings(redis_url=redis_url, redis_prefix=prefix, rate_limit_chat="100000/minute")  # type: ignore[call-arg]
    shared = await build_shared_state(settings)
    try:
        await asyncio.wait_for(
            asyncio.gather(*(shared.limiter.hit("chat", f"user-{n % 7}") for n in range(MAX_CONNECTIONS * 3))),
            timeout=20,
        )
    finally:
        await shared.aclose()
