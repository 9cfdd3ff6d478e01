"""Process tuning for a long-running server."""

from __future__ import annotations

import gc

# Young-generation size before a collection (CPython's default is 700), then how many young and
# middle collections before the next older one. Requests allocate thousands of short-lived objects.
GC_THRESHOLDS = (7000, 10, 10)


def settle_heap_for_serving() -> None:
    """Hide the startup heap from the garbage collector and collect less often.

    The vendor SDKs, FastAPI and SQLAlchemy leave a large heap of long-lived objects, and every
    full collection walked all of it: 125-157 ms pauses of the event loop under load, the main
    source of the tail latency in bench/RESULTS.md. Frozen objects stay alive and reachable; the
    collector just stops re-checking them.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
