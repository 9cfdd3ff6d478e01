"""Firebase sign-in keeps working while asyncio's default thread pool is full of other blocking work."""

from __future__ import annotations

import asyncio
import itertools
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from interviewsim.app import create_app
from interviewsim.config import Settings
from tests.fakes.firebase import FakeFirebaseCerts
from tests.support.servers import thread_server

PROJECT = "executor-project"
FILL_PATH = "/test/fill-default-executor"
DEFAULT_THREADS = 4


class DefaultExecutorFiller:
    """Wraps the app with one extra route that occupies every thread of the server loop's default executor."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.gate = threading.Event()
        self.queued_job_ran = threading.Event()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != FILL_PATH:
            await self.app(scope, receive, send)
            return
        loop = asyncio.get_running_loop()
        loop.set_default_executor(ThreadPoolExecutor(max_workers=DEFAULT_THREADS))
        all_started = asyncio.Event()
        started = itertools.count(1)

        def block() -> None:
            if next(started) == DEFAULT_THREADS:
                loop.call_soon_threadsafe(all_started.set)
            self.gate.wait()

        for _ in range(DEFAULT_THREADS):
            loop.run_in_executor(None, block)
        await all_started.wait()
        # Every default thread is taken; this job can only run once they are freed.
        loop.run_in_executor(None, self.queued_job_ran.set)
        await JSONResponse({"blocked": DEFAULT_THREADS})(scope, receive, send)


@pytest.fixture
def certs() -> Iterator[FakeFirebaseCerts]:
    with FakeFirebaseCerts().serve() as served:
        yield served


def test_a_signed_in_request_completes_while_the_default_executor_is_full(
    tmp_path: Path, certs: FakeFirebaseCerts
) -> None:
    settings = Settings(data_dir=tmp_path, firebase_project_id=PROJECT, firebase_certs_url=certs.url)  # type: ignore[call-arg]
    app = DefaultExecutorFiller(create_app(settings))
    token = certs.mint("busy-uid", project_id=PROJECT)
    with thread_server(app) as base_url:
        try:
            assert httpx.post(base_url + FILL_PATH, timeout=10).json() == {"blocked": DEFAULT_THREADS}
            response = httpx.get(f"{base_url}/api/sessions", headers={"Authorization": f"Bearer {token}"}, timeout=15)
            assert response.status_code == 200, response.text
            assert response.json() == {"sessions": []}
            # The pool was still full while the request was verified: the job queued behind it has not run.
            assert not app.queued_job_ran.is_set()
            assert certs.requests >= 1
        finally:
            app.gate.set()  # before the server stops: asyncio.run waits for its default executor's threads
        assert app.queued_job_ran.wait(10)
