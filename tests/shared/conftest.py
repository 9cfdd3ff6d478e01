"""A real Redis for the shared-state tests: a one-line skip locally when it is missing, a failure under CI=true."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from interviewsim.shared.redis import connect
from tests.support.services import REDIS_URL, require


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The URL of a Redis that answers PING (a skip locally, a failure under CI=true, when none does)."""
    require("redis")
    return REDIS_URL


@pytest.fixture
async def redis_client(redis_url: str) -> AsyncIterator[Redis]:
    """A client of the test Redis, closed after the test."""
    client = await connect(redis_url)
    yield client
    await client.aclose()


@pytest.fixture
async def other_redis_client(redis_url: str) -> AsyncIterator[Redis]:
    """A second, independent client: another worker process as far as Redis can tell."""
    client = await connect(redis_url)
    yield client
    await client.aclose()


@pytest.fixture
async def prefix(redis_client: Redis) -> AsyncIterator[str]:
    """A key prefix of this test's own; every key under it is deleted afterwards."""
    unique = f"test:{uuid.uuid4().hex}:"
    yield unique
    async for key in redis_client.scan_iter(match=f"{unique}*", count=500):
        await redis_client.delete(key)
