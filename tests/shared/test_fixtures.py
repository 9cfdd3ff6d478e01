"""The Redis fixture itself: in CI a missing Redis fails the run instead of skipping."""

from __future__ import annotations

import pytest

from tests.shared.conftest import ensure_redis


def test_a_missing_redis_fails_in_ci() -> None:
    with pytest.raises(pytest.fail.Exception, match="CI must provide it"):
        ensure_redis("redis://127.0.0.1:1/0", in_ci=True)


def test_a_running_redis_passes(redis_url: str) -> None:
    ensure_redis(redis_url, in_ci=True)
