"""A vendor request's body leaves within the call; the eager start keeps every task semantic it touches."""

from __future__ import annotations

import asyncio
import contextvars
import socket
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvloop

from interviewsim.app import create_app
from interviewsim.config import Settings
from interviewsim.vendors import eager_writes
from interviewsim.vendors.common import vendor_http_client

BODY = b"x" * 2000
label: contextvars.ContextVar[str] = contextvars.ContextVar("label", default="caller")


class VendorOnAThread:
    """An HTTP/1.1 keep-alive server on its own thread: it notes each body's arrival whatever our loop does."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.body_arrived = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._answer, args=(connection,), daemon=True).start()

    def _answer(self, connection: socket.socket) -> None:
        buffer = b""
        with connection:
            while True:
                while b"\r\n\r\n" not in buffer:
                    if not (chunk := connection.recv(65536)):
                        return
                    buffer += chunk
                head, _, buffer = buffer.partition(b"\r\n\r\n")
                length = next(
                    int(line.split(b":")[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length")
                )
                while len(buffer) < length:
                    if not (chunk := connection.recv(65536)):
                        return
                    buffer += chunk
                buffer = buffer[length:]
                self.body_arrived.set()
                connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok")

    def close(self) -> None:
        self.listener.close()


@pytest.fixture
def vendor() -> Iterator[VendorOnAThread]:
    server = VendorOnAThread()
    yield server
    server.close()


async def body_left_within_the_call(vendor: VendorOnAThread, *, eager: bool) -> bool:
    """Whether a POST's body reached the vendor before the loop ran the work queued behind the call's first step."""
    loop = asyncio.get_running_loop()
    installed = eager and eager_writes.install(loop)
    client = vendor_http_client(httpx.Timeout(10))
    try:
        url = f"http://127.0.0.1:{vendor.port}/v1/messages"
        assert (await client.post(url, content=b"warm-up")).text == "ok"  # a kept-alive connection, as under load
        vendor.body_arrived.clear()
        call = asyncio.create_task(client.post(url, content=BODY))
        arrived: list[bool] = []
        # Queued behind the call's first step, in the same round of the loop: the other requests' work.
        loop.call_soon(lambda: arrived.append(vendor.body_arrived.wait(timeout=1.0)))
        assert (await call).text == "ok"
        return arrived == [True]
    finally:
        await client.aclose()
        if installed:
            eager_writes.uninstall(loop)


# Python 3.12's aiohttp starts the write eagerly by itself; 3.11's waits for the loop's next round.
@pytest.mark.parametrize("eager", [True, False], ids=["with the factory", "without"])
async def test_the_body_reaches_the_vendor_before_the_loop_runs_anything_else(
    vendor: VendorOnAThread, eager: bool
) -> None:
    assert await body_left_within_the_call(vendor, eager=eager) == (eager or sys.version_info >= (3, 12))


@pytest.mark.parametrize("eager", [True, False], ids=["with the factory", "without"])
def test_the_same_on_uvloop_the_server_s_loop(vendor: VendorOnAThread, eager: bool) -> None:
    assert uvloop.run(body_left_within_the_call(vendor, eager=eager)) == (eager or sys.version_info >= (3, 12))


async def test_install_leaves_another_task_factory_alone() -> None:
    loop = asyncio.get_running_loop()

    def their_factory(loop: asyncio.AbstractEventLoop, coro: object, **kwargs: object) -> asyncio.Future[object]:
        return asyncio.Task(coro, loop=loop, **kwargs)  # type: ignore[arg-type]

    loop.set_task_factory(their_factory)  # type: ignore[arg-type]
    try:
        assert eager_writes.install(loop) is False
        eager_writes.uninstall(loop)
        assert loop.get_task_factory() is their_factory
    finally:
        loop.set_task_factory(None)


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="aiohttp starts its writes eagerly itself from 3.12")
async def test_install_then_uninstall_gives_the_loop_back_its_default() -> None:
    loop = asyncio.get_running_loop()
    assert eager_writes.install(loop) is True
    assert loop.get_task_factory() is eager_writes.eager_body_writes
    eager_writes.uninstall(loop)
    assert loop.get_task_factory() is None


async def test_every_other_coroutine_becomes_an_ordinary_task_started_later() -> None:
    steps: list[str] = []

    async def work() -> str:
        steps.append("ran")
        return "done"

    task = eager_writes.eager_body_writes(asyncio.get_running_loop(), work())
    assert isinstance(task, asyncio.Task) and steps == []
    assert await task == "done"


async def test_a_coroutine_done_in_its_first_step_is_a_finished_future() -> None:
    async def immediate() -> int:
        return 5

    outcome = eager_writes.start_eagerly(asyncio.get_running_loop(), immediate())
    assert outcome.done() and outcome.result() == 5


async def test_an_error_in_the_first_step_is_the_future_s_exception() -> None:
    async def broken() -> None:
        raise ValueError("boom")

    outcome = eager_writes.start_eagerly(asyncio.get_running_loop(), broken())
    assert outcome.done() and isinstance(outcome.exception(), ValueError)


async def test_a_coroutine_that_waits_runs_its_first_step_now_and_the_rest_in_a_task() -> None:
    loop = asyncio.get_running_loop()
    gate: asyncio.Future[int] = loop.create_future()
    steps: list[str] = []

    async def waits() -> int:
        steps.append("first step")
        value = await gate
        steps.append("rest")
        return value * 2

    outcome = eager_writes.start_eagerly(loop, waits())
    assert steps == ["first step"] and not outcome.done()
    gate.set_result(21)
    assert await outcome == 42 and steps == ["first step", "rest"]


@pytest.mark.parametrize("when", ["before its first step", "while it waits"])
async def test_cancelling_the_task_reaches_the_coroutine(when: str) -> None:
    loop = asyncio.get_running_loop()
    gate: asyncio.Future[None] = loop.create_future()
    seen: list[str] = []

    async def waits() -> None:
        try:
            await gate
        except asyncio.CancelledError:
            seen.append("cancelled")  # aiohttp closes the connection here
            raise

    outcome = eager_writes.start_eagerly(loop, waits())
    if when == "while it waits":
        await asyncio.sleep(0)  # the task's first step: it now waits on the gate
    outcome.cancel()
    with pytest.raises(asyncio.CancelledError):
        await outcome
    assert seen == ["cancelled"] and outcome.cancelled()


async def test_the_coroutine_runs_in_a_context_of_its_own_from_first_step_to_last() -> None:
    loop = asyncio.get_running_loop()
    gate: asyncio.Future[None] = loop.create_future()

    async def labels() -> str:
        label.set("writer")
        await gate
        return label.get()

    outcome = eager_writes.start_eagerly(loop, labels())
    assert label.get() == "caller"  # the first step's change stays in its own context
    gate.set_result(None)
    assert await outcome == "writer"


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="aiohttp starts its writes eagerly itself from 3.12")
async def test_the_app_starts_vendor_writes_eagerly_while_it_runs_and_not_after(tmp_path: Path) -> None:
    loop = asyncio.get_running_loop()
    app = create_app(Settings(data_dir=tmp_path, local_token="local-test-token"))
    async with app.router.lifespan_context(app):
        assert loop.get_task_factory() is eager_writes.eager_body_writes
    assert loop.get_task_factory() is None
