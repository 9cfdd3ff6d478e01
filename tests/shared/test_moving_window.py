"""In-process moving windows: exact counts, the wait until the next hit, idle keys forgotten, no task or thread."""

from __future__ import annotations

import asyncio
import threading

from interviewsim.shared import moving_window
from interviewsim.shared.moving_window import MovingWindows
from interviewsim.shared.ratelimit import RateLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_amount_hits_in_any_window_then_the_wait_until_the_oldest_leaves() -> None:
    clock = Clock()
    windows = MovingWindows(clock)
    for step in range(3):
        clock.now = 1000.0 + step
        assert windows.hit("k", 3, 10) is None
    clock.now = 1005.0
    assert windows.test("k", 3, 10) == 5.0  # the first hit, at 1000, leaves at 1010
    assert windows.hit("k", 3, 10) == 5.0
    clock.now = 1010.0  # exactly one window after the first hit: it no longer counts
    assert windows.test("k", 3, 10) is None
    assert windows.hit("k", 3, 10) is None
    assert windows.hit("k", 3, 10) == 1.0  # now the hit at 1001 is the oldest
    assert windows.hit("other", 3, 10) is None  # keys are counted apart


def test_a_refused_or_tested_hit_is_not_counted() -> None:
    clock = Clock()
    windows = MovingWindows(clock)
    assert windows.hit("k", 1, 60) is None
    for _ in range(5):
        assert windows.hit("k", 1, 60) is not None
        assert windows.test("k", 1, 60) is not None
    clock.now += 60
    assert windows.hit("k", 1, 60) is None


def test_keys_with_no_hit_left_in_their_window_are_forgotten() -> None:
    clock = Clock()
    windows = MovingWindows(clock)
    for user in range(100):
        windows.hit(f"idle-{user}", 5, 60)
    clock.now += 61
    for _ in range(moving_window._SWEEP_EVERY + 1):
        windows.hit("busy", 1_000_000, 60)
    assert set(windows._windows) == {"busy"}


async def test_the_limiter_in_memory_starts_no_task_and_no_thread() -> None:
    """The `limits` memory storage it replaces expired its windows from a task handing each key to a thread."""
    limiter = RateLimiter(rules={"chat": "1000000/second"})
    tasks, threads = len(asyncio.all_tasks()), threading.active_count()
    for user in range(200):
        for _ in range(5):
            await limiter.hit("chat", f"user-{user}")
    await asyncio.sleep(0.05)
    assert (len(asyncio.all_tasks()), threading.active_count()) == (tasks, threads)
