"""A worker's Redis clients carry hundreds of concurrent commands (redis-py's default pool fails past 100)."""

from __future__ import annotations

import asyncio

from redis.asyncio import Redis

from interviewsim.config import Settings
from interviewsim.shared.state import build_shared_state


async def test_hundreds_of_concurrent_commands_all_succeed(redis_client: Redis, prefix: str) -> None:
    commands = 250  # each holds its connection for the whole blocking pop
    popped = await asyncio.wait_for(
        asyncio.gather(*(redis_client.blpop([f"{prefix}empty"], timeout=0.2) for _ in range(commands))), timeout=10
    )
    assert popped == [None] * commands


async def test_rate_limits_hold_under_hundreds_of_concurrent_hits(redis_url: str, prefix: str) -> None:
    settings = Settings(redis_url=redis_url, redis_prefix=prefix, rate_limit_chat="100000/minute")  # type: ignore[call-arg]
    shared = await build_shared_state(settings)
    try:
        await asyncio.wait_for(
            asyncio.gather(*(shared.limiter.hit("chat", f"user-{n % 7}") for n in range(400))),
            timeout=20,
        )
    finally:
        await shared.aclose()
