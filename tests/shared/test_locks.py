"""Per-session turn locks: mutual exclusion, bounded waits, owner-only release and renewal while held."""

from __future__ import annotations

import asyncio
import random
import signal
import sys
import time
from typing import Any

import pytest
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError

from interviewsim.config import Settings
from interviewsim.errors import Conflict
from interviewsim.shared.locks import (
    DEFAULT_TTL_SECONDS,
    LockLost,
    LockTimeout,
    MemoryTurnLocks,
    RedisTurnLocks,
    TurnLocks,
)
from interviewsim.shared.redis import RedisNamespace, connect
from tests.support.tcpproxy import SilencingProxy

SESSION = "session-0001"


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def two_workers(request: pytest.FixtureRequest) -> tuple[TurnLocks, TurnLocks]:
    """Two lock handles on the same sessions: one shared object in memory, two clients of one Redis."""
    if request.param == "memory":
        locks = MemoryTurnLocks()
        return locks, locks
    prefix = request.getfixturevalue("prefix")
    one = RedisTurnLocks(request.getfixturevalue("redis_client"), prefix)
    two = RedisTurnLocks(request.getfixturevalue("other_redis_client"), prefix)
    return one, two


def lock_key(prefix: str, session_id: str = SESSION) -> str:
    return RedisNamespace(prefix).key("turnlock", session_id)


async def test_one_turn_at_a_time_across_workers(two_workers: tuple[TurnLocks, TurnLocks]) -> None:
    inside = 0
    most_inside = 0
    order: list[int] = []

    async def turn(locks: TurnLocks, number: int) -> None:
        nonlocal inside, most_inside
        async with locks.hold(SESSION, wait_seconds=10):
            inside += 1
            most_inside = max(most_inside, inside)
            await asyncio.sleep(0.01)
            order.append(number)
            inside -= 1

    await asyncio.gather(*(turn(two_workers[n % 2], n) for n in range(12)))
    assert most_inside == 1
    assert sorted(order) == list(range(12))


async def test_other_sessions_are_not_blocked(two_workers: tuple[TurnLocks, TurnLocks]) -> None:
    one, two = two_workers
    async with one.hold(SESSION, wait_seconds=0), two.hold("session-0002", wait_seconds=0):
        pass


async def test_a_busy_session_times_out_after_the_bound(two_workers: tuple[TurnLocks, TurnLocks]) -> None:
    one, two = two_workers
    async with one.hold(SESSION, wait_seconds=0):
        started = time.monotonic()
        with pytest.raises(LockTimeout) as timeout:
            async with two.hold(SESSION, wait_seconds=0.3):
                pytest.fail("acquired a lock someone else holds")
        waited = time.monotonic() - started
        assert 0.3 <= waited < 1.0
        assert timeout.value.session_id == SESSION
        assert isinstance(timeout.value, Conflict) and timeout.value.retry_after == 1

        started = time.monotonic()
        with pytest.raises(LockTimeout):
            async with two.hold(SESSION, wait_seconds=0):
                pass
        assert time.monotonic() - started < 0.1
    async with two.hold(SESSION, wait_seconds=0):
        pass


async def test_a_waiter_gets_the_lock_as_soon_as_it_is_released(two_workers: tuple[TurnLocks, TurnLocks]) -> None:
    one, two = two_workers
    released = asyncio.Event()

    async def holder() -> None:
        async with one.hold(SESSION, wait_seconds=0):
            await asyncio.sleep(0.2)
        released.set()

    task = asyncio.create_task(holder())
    await asyncio.sleep(0.05)
    async with two.hold(SESSION, wait_seconds=5):
        assert released.is_set()
    await task


async def test_an_error_or_a_cancellation_in_the_turn_releases_the_lock(
    two_workers: tuple[TurnLocks, TurnLocks],
) -> None:
    one, two = two_workers
    with pytest.raises(RuntimeError):
        async with one.hold(SESSION, wait_seconds=0):
            raise RuntimeError("the model failed")

    entered = asyncio.Event()

    async def stuck_turn() -> None:
        async with one.hold(SESSION, wait_seconds=0):
            entered.set()
            await asyncio.sleep(60)

    task = asyncio.create_task(stuck_turn())
    await entered.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    async with two.hold(SESSION, wait_seconds=1):
        pass


async def test_a_waiter_cancelled_while_waiting_leaves_the_lock_to_its_holder(
    two_workers: tuple[TurnLocks, TurnLocks],
) -> None:
    one, two = two_workers
    async with one.hold(SESSION, wait_seconds=0):
        waiter = asyncio.create_task(_hold_briefly(two, SESSION, wait_seconds=5))
        await asyncio.sleep(0.1)
        waiter.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiter
        with pytest.raises(LockTimeout):
            async with two.hold(SESSION, wait_seconds=0):
                pass
    async with two.hold(SESSION, wait_seconds=0):
        pass


async def test_memory_locks_forget_sessions_nobody_holds() -> None:
    locks = MemoryTurnLocks()
    async with locks.hold(SESSION, wait_seconds=0):
        waiter = asyncio.create_task(_hold_briefly(locks, SESSION, wait_seconds=5))
        timed_out = asyncio.create_task(_hold_briefly(locks, SESSION, wait_seconds=0.05))
        cancelled = asyncio.create_task(_hold_briefly(locks, SESSION, wait_seconds=5))
        await asyncio.sleep(0.1)
        cancelled.cancel()
        assert len(locks._entries) == 1
    await waiter
    with pytest.raises(LockTimeout):
        await timed_out
    with pytest.raises(asyncio.CancelledError):
        await cancelled
    for number in range(100):
        async with locks.hold(f"session-{number}", wait_seconds=0):
            pass
    assert locks._entries == {}


async def _hold_briefly(locks: TurnLocks, session_id: str, wait_seconds: float) -> None:
    async with locks.hold(session_id, wait_seconds=wait_seconds):
        await asyncio.sleep(0.01)


async def test_only_the_owner_releases_a_redis_lock(
    redis_client: Redis, other_redis_client: Redis, prefix: str
) -> None:
    one = RedisTurnLocks(redis_client, prefix)
    two = RedisTurnLocks(other_redis_client, prefix)
    async with one.hold(SESSION, wait_seconds=0):
        ours = await redis_client.get(lock_key(prefix))
        assert ours is not None and len(ours) == 32
        # As if the lock lapsed during a stall: another worker takes it while the first still runs.
        await redis_client.delete(lock_key(prefix))
        second_turn = two.hold(SESSION, wait_seconds=0)
        await second_turn.__aenter__()
    theirs = await redis_client.get(lock_key(prefix))
    assert theirs is not None and theirs != ours
    with pytest.raises(LockTimeout):
        async with one.hold(SESSION, wait_seconds=0):
            pass
    await second_turn.__aexit__(None, None, None)
    assert await redis_client.exists(lock_key(prefix)) == 0


async def test_renewal_keeps_a_turn_longer_than_the_ttl_safe(
    redis_client: Redis, other_redis_client: Redis, prefix: str
) -> None:
    one = RedisTurnLocks(redis_client, prefix, ttl_seconds=0.3)
    two = RedisTurnLocks(other_redis_client, prefix, ttl_seconds=0.3)
    async with one.hold(SESSION, wait_seconds=0):
        for _ in range(6):
            await asyncio.sleep(0.2)
            assert 0 < await redis_client.pttl(lock_key(prefix)) <= 300
            with pytest.raises(LockTimeout):
                async with two.hold(SESSION, wait_seconds=0):
                    pass
    assert await redis_client.exists(lock_key(prefix)) == 0


async def test_a_crashed_holder_blocks_the_session_only_until_the_ttl(redis_client: Redis, prefix: str) -> None:
    locks = RedisTurnLocks(redis_client, prefix, ttl_seconds=0.3)
    await redis_client.set(lock_key(prefix), b"token-of-a-dead-worker", px=300)
    started = time.monotonic()
    async with locks.hold(SESSION, wait_seconds=2):
        assert 0.2 <= time.monotonic() - started < 1.0


async def test_a_lapsed_lock_is_not_extended_for_its_new_owner_and_its_old_holder_stops(
    redis_client: Redis, prefix: str, caplog: pytest.LogCaptureFixture
) -> None:
    locks = RedisTurnLocks(redis_client, prefix, ttl_seconds=0.3)
    finished = False
    with pytest.raises(LockLost) as lost:
        async with locks.hold(SESSION, wait_seconds=0):
            await redis_client.set(lock_key(prefix), b"someone-else", px=5000)
            await asyncio.sleep(0.25)
            finished = True
    assert not finished
    assert lost.value.status == 503 and lost.value.retry_after == 1
    assert await redis_client.get(lock_key(prefix)) == b"someone-else"
    assert await redis_client.pttl(lock_key(prefix)) > 4000
    assert "lapsed while held" in caplog.text


async def test_a_held_lock_outlives_its_lease_many_times_while_renewed(
    redis_client: Redis, other_redis_client: Redis, prefix: str
) -> None:
    one = RedisTurnLocks(redis_client, prefix, ttl_seconds=1.0)
    two = RedisTurnLocks(other_redis_client, prefix, ttl_seconds=1.0)
    loop = asyncio.get_running_loop()
    async with one.hold(SESSION, wait_seconds=0):
        held_until = loop.time() + 4.0
        while loop.time() < held_until:
            with pytest.raises(LockTimeout):
                async with two.hold(SESSION, wait_seconds=0.2):
                    pass
    async with two.hold(SESSION, wait_seconds=0):
        pass


async def test_a_holder_cut_off_from_redis_stops_before_anyone_else_gets_the_lock(
    redis_url: str, redis_client: Redis, prefix: str, caplog: pytest.LogCaptureFixture
) -> None:
    # The holder reaches the real Redis through a proxy that then goes silent: its renewals hang.
    redis_port = int(redis_url.rsplit(":", 1)[1].split("/")[0])
    proxy = SilencingProxy("127.0.0.1", redis_port)
    port = await proxy.start()
    cut_off = await connect(f"redis://127.0.0.1:{port}/0")
    holder = RedisTurnLocks(cut_off, prefix, ttl_seconds=1.0)
    other = RedisTurnLocks(redis_client, prefix, ttl_seconds=1.0)
    loop = asyncio.get_running_loop()
    stopped_at = None
    silenced = asyncio.Event()

    async def turn() -> None:
        nonlocal stopped_at
        async with holder.hold(SESSION, wait_seconds=0):
            proxy.silence()
            silenced.set()
            try:
                await asyncio.sleep(30)
            finally:
                stopped_at = loop.time()

    try:
        held = asyncio.create_task(turn())
        await silenced.wait()
        silenced_at = loop.time()
        async with other.hold(SESSION, wait_seconds=10):
            taken_at = loop.time()
        with pytest.raises(LockLost):
            await held
    finally:
        await proxy.aclose()
        await cut_off.aclose()
    assert stopped_at is not None and stopped_at < taken_at, "two turns overlapped"
    # The next turn waited out the lease (at most 1 s, plus the polling step), not a renewal timeout.
    assert taken_at - silenced_at < 1.0 + 0.5
    assert "could not renew the turn lock" in caplog.text


HOLD_IN_A_WORKER = """
import asyncio, sys
from interviewsim.config import Settings
from interviewsim.shared.state import build_shared_state

async def main() -> None:
    state = await build_shared_state(Settings(redis_url=sys.argv[1], redis_prefix=sys.argv[2]))
    async with state.locks.hold(sys.argv[3], wait_seconds=0):
        print("held", flush=True)
        await asyncio.sleep(600)

asyncio.run(main())
"""


async def test_a_killed_workers_lock_is_free_within_the_default_lease(
    redis_url: str, redis_client: Redis, prefix: str
) -> None:
    worker = await asyncio.create_subprocess_exec(
        sys.executable, "-c", HOLD_IN_A_WORKER, redis_url, prefix, SESSION, stdout=asyncio.subprocess.PIPE
    )
    try:
        assert worker.stdout is not None
        async with asyncio.timeout(30):
            assert await worker.stdout.readline() == b"held\n"
    finally:
        worker.send_signal(signal.SIGKILL)
        await worker.wait()
    assert worker.returncode == -signal.SIGKILL
    killed_at = time.monotonic()
    locks = RedisTurnLocks(redis_client, prefix)
    with pytest.raises(LockTimeout):
        async with locks.hold(SESSION, wait_seconds=0):
            pass
    async with locks.hold(SESSION, wait_seconds=30):
        freed_after = time.monotonic() - killed_at
    # Free once the dead worker's last renewal (at most a lease ago) lapses, plus polling slack.
    assert freed_after < DEFAULT_TTL_SECONDS + 1.5
    assert Settings().turn_lock_ttl_seconds == DEFAULT_TTL_SECONDS == 5.0


@pytest.mark.parametrize(
    "options",
    [
        {"ttl_seconds": 0},
        {"ttl_seconds": 1, "renew_every_seconds": 1},
        {"poll_seconds": 0},
        {"poll_seconds": 1, "max_poll_seconds": 0.5},
    ],
)
def test_redis_lock_options_are_checked(redis_client: Redis, options: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        RedisTurnLocks(redis_client, **options)


async def test_redis_locks_make_no_connection_until_used() -> None:
    unreachable = Redis.from_url("redis://127.0.0.1:1/0")
    locks = RedisTurnLocks(unreachable)
    with pytest.raises(RedisConnectionError):
        async with locks.hold(SESSION, wait_seconds=0):
            pass
    await unreachable.aclose()


async def test_leaving_a_held_lock_never_waits_on_a_renewal_that_swallowed_its_cancellation(
    redis_client: Redis, prefix: str
) -> None:
    # redis-py sometimes swallows a task's cancellation when it lands mid-command; renewing almost
    # continuously makes most exits cancel the renewer inside a Redis call.
    locks = RedisTurnLocks(redis_client, prefix, ttl_seconds=5, renew_every_seconds=0.0005)
    for turn in range(300):
        async with asyncio.timeout(2):
            async with locks.hold(f"{SESSION}-{turn}", wait_seconds=0):
                await asyncio.sleep(random.uniform(0, 0.003))
