"""Per-user rate limits in memory and shared through a real Redis."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Mapping

import pytest
from redis.asyncio import Redis

from interviewsim.errors import RateLimited
from interviewsim.shared.ratelimit import RateLimiter, parse_rule

MakeLimiter = Callable[..., RateLimiter]


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def storage_uri(request: pytest.FixtureRequest) -> str | None:
    return None if request.param == "memory" else str(request.getfixturevalue("redis_url"))


@pytest.fixture
async def make_limiter(storage_uri: str | None, prefix: str) -> AsyncIterator[MakeLimiter]:
    """Limiters on one storage (each its own Redis connection: another worker) under this test's prefix."""
    made: list[RateLimiter] = []

    def make(rules: Mapping[str, str | None] | None = None) -> RateLimiter:
        limiter = RateLimiter(storage_uri, prefix=prefix, rules=rules)
        made.append(limiter)
        return limiter

    yield make
    for limiter in made:
        await limiter.aclose()


async def test_allows_n_then_refuses_with_retry_after(make_limiter: MakeLimiter) -> None:
    limiter = make_limiter()
    for _ in range(3):
        await limiter.hit("chat", "alice", "3/minute")
    with pytest.raises(RateLimited) as refused:
        await limiter.hit("chat", "alice", "3/minute")
    assert refused.value.retry_after is not None and 55 <= refused.value.retry_after <= 60
    assert refused.value.status == 429
    assert refused.value.message.startswith("Too many chat requests: the limit is 3 per minute. Try again in ")


async def test_users_and_buckets_are_counted_apart(make_limiter: MakeLimiter) -> None:
    limiter = make_limiter(rules={"chat": "2/minute", "start": "1/hour"})
    await limiter.hit("chat", "alice")
    await limiter.hit("chat", "alice")
    await limiter.hit("chat", "bob")
    await limiter.hit("start", "alice")
    with pytest.raises(RateLimited):
        await limiter.hit("chat", "alice")
    with pytest.raises(RateLimited) as hourly:
        await limiter.hit("start", "alice")
    assert hourly.value.retry_after is not None and 3590 <= hourly.value.retry_after <= 3600
    await limiter.hit("chat", "bob")


async def test_retry_after_is_at_least_one_second_and_the_window_moves(make_limiter: MakeLimiter) -> None:
    limiter = make_limiter()
    await limiter.hit("tts", "alice", "1/second")
    with pytest.raises(RateLimited) as refused:
        await limiter.hit("tts", "alice", "1/second")
    assert refused.value.retry_after == 1
    assert "Try again in 1 second." in refused.value.message
    await asyncio.sleep(1.05)
    await limiter.hit("tts", "alice", "1/second")


async def test_every_limit_of_a_compound_rule_applies(make_limiter: MakeLimiter) -> None:
    limiter = make_limiter()
    await limiter.hit("chat", "alice", "5/hour;1/second")
    with pytest.raises(RateLimited, match="1 per second"):
        await limiter.hit("chat", "alice", "5/hour;1/second")


async def test_reset_forgets_the_counts(make_limiter: MakeLimiter) -> None:
    limiter = make_limiter()
    await limiter.hit("chat", "alice", "1/hour")
    await limiter.reset()
    await limiter.hit("chat", "alice", "1/hour")


async def test_a_limit_hit_through_one_worker_holds_in_another(
    redis_url: str, prefix: str, redis_client: Redis
) -> None:
    one = RateLimiter(redis_url, prefix=prefix, rules={"chat": "3/minute"})
    two = RateLimiter(redis_url, prefix=prefix, rules={"chat": "3/minute"})
    try:
        await one.hit("chat", "alice")
        await one.hit("chat", "alice")
        await two.hit("chat", "alice")
        with pytest.raises(RateLimited):
            await two.hit("chat", "alice")
        with pytest.raises(RateLimited):
            await one.hit("chat", "alice")
        keys = [key async for key in redis_client.scan_iter(match=f"{prefix}*")]
        assert keys and all(key.startswith(f"{prefix}ratelimit:".encode()) for key in keys)
        assert all(b"alice" not in key for key in keys)

        elsewhere = RateLimiter(redis_url, prefix=prefix + "other:", rules={"chat": "3/minute"})
        await elsewhere.hit("chat", "alice")
        await elsewhere.reset()
        await elsewhere.aclose()
        with pytest.raises(RateLimited):
            await one.hit("chat", "alice")
    finally:
        await one.aclose()
        await two.aclose()


@pytest.mark.parametrize("rule", ["", "twenty per hour", "20/fortnight", "0/minute", "20/hour;"])
def test_bad_rules_are_refused_at_construction_naming_the_rule(rule: str) -> None:
    with pytest.raises(ValueError, match="invalid rate limit rule") as refused:
        RateLimiter(rules={"chat": rule})
    assert repr(rule) in str(refused.value)


async def test_a_bucket_needs_a_rule_and_a_passed_rule_is_checked() -> None:
    limiter = RateLimiter(rules={"chat": "5/minute"})
    with pytest.raises(ValueError, match="no rate limit rule for bucket 'start'"):
        await limiter.hit("start", "alice")
    with pytest.raises(ValueError, match="'lots/day'"):
        await limiter.hit("chat", "alice", "lots/day")


async def test_a_bucket_without_a_rule_is_known_and_unlimited(make_limiter: MakeLimiter) -> None:
    limiter = make_limiter({"sessions": None, "chat": "2/minute"})
    for _ in range(50):
        await limiter.hit("sessions", "alice")
    await limiter.hit("chat", "alice")
    await limiter.hit("chat", "alice")
    with pytest.raises(RateLimited):
        await limiter.hit("chat", "alice")


def test_storage_must_be_memory_or_redis() -> None:
    with pytest.raises(ValueError, match="unsupported rate limit storage"):
        RateLimiter("memcached://127.0.0.1:11211")
    RateLimiter("memory://")
    RateLimiter("redis://127.0.0.1:1/0")


def test_parse_rule_reads_the_limits_notation() -> None:
    assert [(item.amount, item.get_expiry()) for item in parse_rule("20/hour; 30 per minute")] == [(20, 3600), (30, 60)]
