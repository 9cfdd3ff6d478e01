"""Moving-window counts in this process: per key, the times of the hits still inside its window.

The `limits` library's in-memory storage expires its windows from a task that, after a hit, walks
every key and hands each to a worker thread (`asyncio.to_thread`): 50-70 µs of CPU per hit with
200 users, and 82 % of a core at 200 hits/s with 3,000 users in the window (bench/RESULTS.md). A
deque per key does the same counting in a few microseconds, with no task or thread at all.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

# Keys whose hits have all left their window are forgotten every this many hits.
_SWEEP_EVERY = 4096


class MovingWindows:
    """Exact "at most `amount` hits in any `seconds`" per key; not shared between processes."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._windows: dict[str, tuple[float, deque[float]]] = {}
        self._hits_since_sweep = 0

    def hit(self, key: str, amount: int, seconds: float) -> float | None:
        """Count a hit unless the window is full; None when counted, else the seconds until one is allowed."""
        now = self._clock()
        hits = self._recent(key, seconds, now)
        if len(hits) >= amount:
            return hits[0] + seconds - now
        hits.append(now)
        self._hits_since_sweep += 1
        if self._hits_since_sweep >= _SWEEP_EVERY:
            self._sweep(now)
        return None

    def test(self, key: str, amount: int, seconds: float) -> float | None:
        """What `hit` would answer, without counting: None when a hit would be allowed."""
        now = self._clock()
        hits = self._recent(key, seconds, now)
        return hits[0] + seconds - now if len(hits) >= amount else None

    def clear(self) -> None:
        """Forget every count."""
        self._windows.clear()

    def _recent(self, key: str, seconds: float, now: float) -> deque[float]:
        """The key's hits inside the window ending now (older ones dropped)."""
        window = self._windows.get(key)
        if window is None:
            window = self._windows[key] = (seconds, deque())
        hits = window[1]
        cutoff = now - seconds
        while hits and hits[0] <= cutoff:
            hits.popleft()
        return hits

    def _sweep(self, now: float) -> None:
        """Drop the keys with no hit left inside their window: idle users cost nothing."""
        self._hits_since_sweep = 0
        for key, (seconds, hits) in list(self._windows.items()):
            if not hits or hits[-1] <= now - seconds:
                del self._windows[key]
