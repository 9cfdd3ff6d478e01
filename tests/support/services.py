"""The services some tests need (PostgreSQL, Redis, a browser): a one-line skip locally, a failure under CI=true.

Tests say what they need with the `postgres`, `redis` and `browser` markers (tests/conftest.py also adds
them to every test using the `postgres_url`, `redis_url` or `browser` fixtures, and those fixtures check
again for tests that reach them dynamically).
"""

from __future__ import annotations

import asyncio
import functools
import os
import shutil
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import asyncpg
import pytest
import redis

POSTGRES_ADMIN_URL = os.environ.get("INTERVIEWSIM_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("INTERVIEWSIM_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
SERVICES = ("postgres", "redis", "browser")


def in_ci() -> bool:
    """Whether this run is CI's, where every service must be present."""
    return os.environ.get("CI", "").lower() in {"true", "1"}


def _postgres_problem() -> str | None:
    async def probe() -> None:
        connection = await asyncpg.connect(POSTGRES_ADMIN_URL, timeout=3)
        await connection.close()

    try:
        # A thread of its own: the caller may already be inside an event loop.
        with ThreadPoolExecutor(max_workers=1) as thread:
            thread.submit(asyncio.run, probe()).result()
    except (TimeoutError, OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
        return f"PostgreSQL at {POSTGRES_ADMIN_URL} is not reachable ({type(error).__name__})"
    return None


def _redis_problem() -> str | None:
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2, socket_timeout=2)
    try:
        client.ping()
    except redis.RedisError as error:
        return f"Redis at {REDIS_URL} does not answer PING ({type(error).__name__})"
    finally:
        client.close()
    return None


def _browser_problem() -> str | None:
    if not (CHROMIUM.is_file() or shutil.which(str(CHROMIUM))):
        return f"no Chromium at {CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)"
    return None


_PROBES: dict[str, Callable[[], str | None]] = {
    "postgres": _postgres_problem,
    "redis": _redis_problem,
    "browser": _browser_problem,
}


@functools.cache
def problem(service: str) -> str | None:
    """Why `service` cannot be used in this run, or None when it can (asked once per run)."""
    return _PROBES[service]()


def require(service: str, *, ci: bool | None = None) -> None:
    """Skip the calling test when `service` is missing locally; fail it when CI should have provided it."""
    reason = problem(service)
    if reason is None:
        return
    if in_ci() if ci is None else ci:
        pytest.fail(f"{reason}; CI must provide it", pytrace=False)
    pytest.skip(reason)
