"""Idempotency records: one run per key, replayed responses, per-user isolation, TTLs and bounds."""

from __future__ import annotations

import asyncio

import pytest
from redis.asyncio import Redis

from interviewsim.shared.idempotency import IdempotencyStore, MemoryIdempotencyStore, RedisIdempotencyStore, record_id

KEY = "3f1c2a9e-7b4d-4e1a-9c0b-5d6e7f8a9b0c"
RESPONSE = {"reply": "Tell me about a time you disagreed with a teammate.", "turn": 3, "done": False}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def store(request: pytest.FixtureRequest) -> IdempotencyStore:
    if request.param == "memory":
        return MemoryIdempotencyStore()
    return RedisIdempotencyStore(request.getfixturevalue("redis_client"), request.getfixturevalue("prefix"))


async def test_claim_once_then_replay_the_stored_response(store: IdempotencyStore) -> None:
    assert await store.get("alice", KEY) is None
    assert await store.claim("alice", KEY, ttl=60) is True
    assert await store.claim("alice", KEY, ttl=60) is False
    assert await store.get("alice", KEY) is None
    await store.put("alice", KEY, RESPONSE, ttl=3600)
    assert await store.get("alice", KEY) == RESPONSE
    assert await store.claim("alice", KEY, ttl=60) is False


async def test_only_one_of_many_concurrent_requests_runs(store: IdempotencyStore) -> None:
    claims = await asyncio.gather(*(store.claim("alice", KEY, ttl=60) for _ in range(20)))
    assert claims.count(True) == 1


async def test_users_never_see_each_others_records(store: IdempotencyStore) -> None:
    assert await store.claim("alice", KEY)
    await store.put("alice", KEY, RESPONSE)
    assert await store.get("bob", KEY) is None
    assert await store.claim("bob", KEY) is True
    await store.put("bob", KEY, {"reply": "bob's"})
    assert await store.get("alice", KEY) == RESPONSE
    assert await store.get("bob", KEY) == {"reply": "bob's"}
    assert record_id("ab", "c") != record_id("a", "bc")


async def test_release_frees_a_failed_claim_but_not_a_stored_response(store: IdempotencyStore) -> None:
    assert await store.claim("alice", KEY)
    await store.release("alice", KEY)
    assert await store.claim("alice", KEY)
    await store.put("alice", KEY, RESPONSE)
    await store.release("alice", KEY)
    assert await store.get("alice", KEY) == RESPONSE
    await store.release("alice", "never-claimed")


async def test_records_and_claims_expire(store: IdempotencyStore) -> None:
    await store.put("alice", KEY, RESPONSE, ttl=0.1)
    assert await store.claim("alice", "other-key", ttl=0.1)
    await asyncio.sleep(0.25)
    assert await store.get("alice", KEY) is None
    assert await store.claim("alice", "other-key", ttl=60)


async def test_bad_inputs_are_refused(store: IdempotencyStore) -> None:
    for ttl in (0, -1, float("inf"), float("nan")):
        with pytest.raises(ValueError, match="ttl"):
            await store.claim("alice", KEY, ttl=ttl)
    with pytest.raises(TypeError):
        await store.put("alice", KEY, {"when": object()})
    assert await store.get("alice", KEY) is None


async def test_redis_keys_hide_the_user_and_key_and_expire(redis_client: Redis, prefix: str) -> None:
    store = RedisIdempotencyStore(redis_client, prefix)
    await store.put("alice@example.com", KEY, RESPONSE)
    keys = [key async for key in redis_client.scan_iter(match=f"{prefix}*")]
    assert keys == [f"{prefix}idempotency:{record_id('alice@example.com', KEY)}".encode()]
    assert b"alice" not in keys[0] and KEY.encode() not in keys[0]
    assert 24 * 3600 - 5 <= await redis_client.ttl(keys[0]) <= 24 * 3600


async def test_two_redis_stores_share_records(redis_client: Redis, other_redis_client: Redis, prefix: str) -> None:
    one, two = RedisIdempotencyStore(redis_client, prefix), RedisIdempotencyStore(other_redis_client, prefix)
    assert await one.claim("alice", KEY)
    assert not await two.claim("alice", KEY)
    await one.put("alice", KEY, RESPONSE)
    assert await two.get("alice", KEY) == RESPONSE


async def test_memory_store_is_bounded_and_drops_the_oldest_first() -> None:
    clock = Clock()
    store = MemoryIdempotencyStore(max_entries=3, clock=clock)
    for number in range(5):
        await store.put("alice", f"key-{number}", {"n": number})
    assert len(store) == 3
    assert await store.get("alice", "key-0") is None and await store.get("alice", "key-1") is None
    assert await store.get("alice", "key-4") == {"n": 4}
    clock.now += 25 * 3600
    assert await store.get("alice", "key-4") is None
    with pytest.raises(ValueError, match="max_entries"):
        MemoryIdempotencyStore(max_entries=0)
