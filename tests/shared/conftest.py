"""A real Redis for the shared-state tests: started here if missing, a failure (never a skip) if unavailable."""

from __future__ import annotations

import os
import subprocess
import time
import uuid
from collections.abc import AsyncIterator

import pytest
import redis
from redis.asyncio import Redis

from interviewsim.shared.redis import connect

REDIS_URL = os.environ.get("INTERVIEWSIM_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
START_REDIS = [
    "redis-server",
    "--daemonize",
    "yes",
    "--bind",
    "127.0.0.1",
    "-::1",
    "--port",
    "6379",
    "--save",
    "",
    "--appendonly",
    "no",
    "--dir",
    "/var/lib/redis",
    "--logfile",
    "/var/log/redis/ci.log",
]


def _answers(url: str) -> bool:
    client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False
    finally:
        client.close()


def ensure_redis(url: str, *, in_ci: bool) -> None:
    """Fail the run unless `url` answers PING; outside CI, first try starting a local redis-server."""
    if _answers(url):
        return
    if in_ci:
        pytest.fail(f"Redis at {url} does not answer PING; CI must provide it")
    try:
        subprocess.run(START_REDIS, check=True, capture_output=True, timeout=10)
    except (OSError, subprocess.SubprocessError) as error:
        pytest.fail(f"Redis at {url} does not answer PING and could not be started: {error}")
    deadline = time.monotonic() + 5
    while not _answers(url):
        if time.monotonic() > deadline:
            pytest.fail(f"started redis-server, but {url} still does not answer PING")
        time.sleep(0.05)


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The URL of a Redis that answers PING."""
    ensure_redis(REDIS_URL, in_ci=os.environ.get("CI", "").lower() in {"true", "1"})
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
