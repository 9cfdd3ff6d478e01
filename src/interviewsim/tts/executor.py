"""The bounded thread pool speech synthesis runs in, apart from the default pool that token checks use."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")

SYNTHESIS_THREADS = 2  # one per core: espeak-ng is serialised anyway and Piper's ONNX runs use both cores


@functools.cache
def synthesis_executor() -> ThreadPoolExecutor:
    """The process's synthesis pool, created on first use."""
    return ThreadPoolExecutor(max_workers=SYNTHESIS_THREADS, thread_name_prefix="synthesis")


async def run_synthesis(work: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run blocking synthesis work in the synthesis pool."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(synthesis_executor(), functools.partial(work, *args, **kwargs))
