"""Send a vendor request's body within the call, not a loop round later (aiohttp on Python 3.11).

aiohttp buffers a request's headers and writes them with the body from a task of its own. From
Python 3.12 it starts that task eagerly, so a small body leaves before the call first waits; on 3.11
the task runs in the loop's next round, behind every other request's ready work: under a burst of
200 candidates the vendor request left 40 ms late on average, 100 ms at p90 (bench/RESULTS.md).
`install` gives the loop a task factory that runs that one coroutine's first step at once, as 3.12's
eager tasks do, and hands the rest, if it has to wait, to an ordinary task. Every other task is
created exactly as the loop would create it.
"""

from __future__ import annotations

import asyncio
import contextvars
import sys
import types
from collections.abc import Coroutine, Generator
from typing import Any, TypeVar

from aiohttp.client_reqrep import ClientRequest

# None should a later aiohttp rename it: then tasks are left as they are.
_WRITE_BYTES = getattr(getattr(ClientRequest, "write_bytes", None), "__code__", None)
T = TypeVar("T")


def install(loop: asyncio.AbstractEventLoop) -> bool:
    """Start aiohttp's request-body writes eagerly on `loop`; False (nothing set) on 3.12+ or beside a factory."""
    if sys.version_info >= (3, 12) or _WRITE_BYTES is None or loop.get_task_factory() is not None:
        return False  # aiohttp starts them eagerly itself; a factory already set is someone else's choice
    loop.set_task_factory(eager_body_writes)
    return True


def uninstall(loop: asyncio.AbstractEventLoop) -> None:
    """Give `loop` back its default tasks, if `install` set the factory."""
    if loop.get_task_factory() is eager_body_writes:
        loop.set_task_factory(None)


def eager_body_writes(
    loop: asyncio.AbstractEventLoop, coro: Coroutine[Any, Any, T] | Generator[Any, None, T], /, **kwargs: Any
) -> asyncio.Future[T]:
    """The loop's task for `coro`; aiohttp's body write is started eagerly, everything else as usual."""
    if isinstance(coro, types.CoroutineType) and coro.cr_code is _WRITE_BYTES:
        return start_eagerly(loop, coro, kwargs.get("context"))
    return asyncio.Task(coro, loop=loop, **kwargs)


def start_eagerly(
    loop: asyncio.AbstractEventLoop, coro: Coroutine[Any, Any, T], context: contextvars.Context | None = None
) -> asyncio.Future[T]:
    """Run `coro`'s first step now, in `context` (a copy of the current one); a task drives the rest, if any.

    Done at once, the answer is a finished future (aiohttp asks only whether it is done), as 3.12's
    eager task would be.
    """
    context = contextvars.copy_context() if context is None else context
    outcome: asyncio.Future[T] = loop.create_future()
    try:
        awaited = context.run(coro.send, None)
    except StopIteration as stop:
        outcome.set_result(stop.value)
        return outcome
    except asyncio.CancelledError:
        outcome.cancel()
        return outcome
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as error:
        outcome.set_exception(error)
        return outcome
    rest = _continued(coro, awaited)
    next(rest)  # to its first pause: a task cancelled before its first step still reaches `coro`
    return asyncio.Task(rest, loop=loop, context=context)


@types.coroutine
def _continued(coro: Coroutine[Any, Any, Any], awaited: Any) -> Generator[Any, Any, Any]:
    """`coro` from where its first step paused on `awaited`, for a task to drive; primed by one `next`."""
    pauses = [None, awaited]  # the priming stop, then what `coro` waits on
    while pauses:
        try:
            yield pauses.pop(0)
        except BaseException as error:  # the task was cancelled while it waited: `coro` handles it
            try:
                pauses = [coro.throw(error)]
            except StopIteration as stop:
                return stop.value
    return (yield from coro)
