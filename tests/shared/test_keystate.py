"""Key state shared by workers: RedisKeyStateStore against a real Redis, next to the in-memory store."""

from __future__ import annotations

import asyncio
import math
import time

import pytest
from redis.asyncio import Redis

from interviewsim.shared.keystate import KeyStateStore, MemoryKeyStateStore, RedisKeyStateStore
from interviewsim.shared.redis import RedisNamespace
from interviewsim.vendors.keyring import KeyRing, fingerprint

FP = "key#sha256:0123abcd"


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def store(request: pytest.FixtureRequest) -> KeyStateStore:
    if request.param == "memory":
        return MemoryKeyStateStore()
    return RedisKeyStateStore(request.getfixturevalue("redis_client"), request.getfixturevalue("prefix"))


async def test_unknown_key_has_no_state(store: KeyStateStore) -> None:
    assert await store.get_until(FP) is None


async def test_a_rest_and_a_retirement_read_back(store: KeyStateStore) -> None:
    until = time.time() + 30.5
    await store.set_until(FP, until, "busy")
    assert await store.get_until(FP) == until
    await store.set_until("key#sha256:ffff0000", math.inf, "invalid_api_key")
    assert await store.get_until("key#sha256:ffff0000") == math.inf


async def test_two_stores_share_state_like_two_workers(
    redis_client: Redis, other_redis_client: Redis, prefix: str
) -> None:
    one, two = RedisKeyStateStore(redis_client, prefix), RedisKeyStateStore(other_redis_client, prefix)
    until = time.time() + 60
    await one.set_until(FP, until, "busy")
    assert await two.get_until(FP) == until
    await two.set_until("key#sha256:99999999", math.inf, "invalid_api_key")
    assert await one.get_until("key#sha256:99999999") == math.inf
    assert await RedisKeyStateStore(redis_client, prefix + "elsewhere:").get_until(FP) is None


async def test_retired_key_stays_retired_and_never_expires(redis_client: Redis, prefix: str) -> None:
    store = RedisKeyStateStore(redis_client, prefix)
    key = RedisNamespace(prefix).key("keystate", FP)
    await store.set_until(FP, time.time() + 30, "busy")
    await store.set_until(FP, math.inf, "invalid_api_key")
    await store.set_until(FP, time.time() + 3600, "quota_exceeded")
    assert await store.get_until(FP) == math.inf
    assert await redis_client.ttl(key) == -1
    assert await redis_client.hget(key, "until") == b"inf"
    assert await redis_client.hget(key, "reason") == b"invalid_api_key"


async def test_a_rest_expires_shortly_after_it_ends(redis_client: Redis, prefix: str) -> None:
    store = RedisKeyStateStore(redis_client, prefix, grace_seconds=10)
    key = RedisNamespace(prefix).key("keystate", FP)
    await store.set_until(FP, time.time() + 20, "busy")
    assert 29_000 < await redis_client.pttl(key) <= 30_000
    await store.set_until("key#sha256:00000001", time.time() - 100, "long over")
    assert 0 < await redis_client.pttl(RedisNamespace(prefix).key("keystate", "key#sha256:00000001")) <= 10_000

    quick = RedisKeyStateStore(redis_client, prefix, grace_seconds=0)
    await quick.set_until("key#sha256:00000002", time.time() + 0.05, "busy")
    await asyncio.sleep(0.2)
    assert await quick.get_until("key#sha256:00000002") is None


async def test_a_stale_write_never_shortens_a_longer_rest(redis_client: Redis, prefix: str) -> None:
    store = RedisKeyStateStore(redis_client, prefix)
    long_rest = time.time() + 6 * 3600
    await store.set_until(FP, long_rest, "quota_exceeded")
    await store.set_until(FP, time.time() + 5, "busy")
    assert await store.get_until(FP) == long_rest
    longer = long_rest + 60
    await store.set_until(FP, longer, "quota_exceeded")
    assert await store.get_until(FP) == longer


async def test_rejects_times_that_are_not_times(redis_client: Redis, prefix: str) -> None:
    store = RedisKeyStateStore(redis_client, prefix)
    for bad in (math.nan, -math.inf):
        with pytest.raises(ValueError, match="epoch seconds"):
            await store.set_until(FP, bad, "nonsense")
    with pytest.raises(ValueError, match="grace_seconds"):
        RedisKeyStateStore(redis_client, prefix, grace_seconds=-1)


async def test_two_rings_agree_whatever_order_each_worker_lists_the_keys(
    redis_client: Redis, other_redis_client: Redis, prefix: str
) -> None:
    secrets = ["sk_first_key_000000001111", "sk_second_key_00000002222", "sk_third_key_000000003333"]
    one = KeyRing(secrets, store=RedisKeyStateStore(redis_client, prefix))
    two = KeyRing(list(reversed(secrets)), store=RedisKeyStateStore(other_redis_client, prefix))
    first_in_one = one.keys[0]
    first_in_two = next(key for key in two.keys if key.reveal() == secrets[0])
    assert first_in_one.fingerprint == first_in_two.fingerprint == fingerprint(secrets[0])

    await one.retire(first_in_one, f"401 for {secrets[0]}")
    await two.rest(first_in_two, 60, "busy")
    second_in_two = next(key for key in two.keys if key.reveal() == secrets[1])
    await two.rest(second_in_two, 60, "busy")

    states = {entry["key"]: entry["state"] for entry in await one.status()}
    assert states == {
        fingerprint(secrets[0]): "retired",
        fingerprint(secrets[1]): "resting",
        fingerprint(secrets[2]): "healthy",
    }
    assert [await two.acquire() for _ in range(2)] == [two.keys[0]] * 2
    assert two.keys[0].reveal() == secrets[2]
    stored_reason = await redis_client.hget(RedisNamespace(prefix).key("keystate", fingerprint(secrets[0])), "reason")
    assert stored_reason is not None and secrets[0].encode() not in stored_reason
