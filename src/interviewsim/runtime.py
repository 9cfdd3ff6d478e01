"""Process tuning for a long-running server."""

from __future__ import annotations

import contextlib
import ctypes
import gc
import os
import sys

# Young-generation size before a collection (CPython's default is 700), then how many young and
# middle collections before the next older one. Requests allocate thousands of short-lived objects.
GC_THRESHOLDS = (7000, 10, 10)
# glibc's malloc keeps up to 8 arenas per core, one per thread that contends; the model, synthesis and
# decoding pools each fragment their own. Two took peak RSS with Whisper and Piper loaded from 728 to
# 687 MB in back-to-back bench.speech runs (the peak varies by up to 80 MB from run to run).
MALLOC_ARENAS = 2
_M_ARENA_MAX = -8  # mallopt's parameter number, from glibc's malloc.h


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


def limit_malloc_arenas() -> None:
    """Cap glibc's malloc arenas for this process and the workers it starts, unless MALLOC_ARENA_MAX is set."""
    if not sys.platform.startswith("linux") or "MALLOC_ARENA_MAX" in os.environ:
        return
    os.environ["MALLOC_ARENA_MAX"] = str(MALLOC_ARENAS)  # read by each worker process's glibc at start
    with contextlib.suppress(OSError, AttributeError):  # not glibc (musl has no arenas to cap)
        ctypes.CDLL(None).mallopt(_M_ARENA_MAX, MALLOC_ARENAS)
