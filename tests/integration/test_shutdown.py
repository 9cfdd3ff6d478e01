"""Shutting the app down, or a startup failing midway, closes what the app opened: thread pools, databases."""

from __future__ import annotations

import threading
from pathlib import Path

import httpx
import pytest

from interviewsim import app as app_module
from interviewsim.app import create_app
from interviewsim.config import Settings
from interviewsim.errors import DatabaseUnavailable
from tests.fakes.firebase import FakeFirebaseCerts
from tests.support.servers import thread_server

PROJECT = "shutdown-project"
POOLS = ("builtin-grader", "firebase-verify")  # the pools' thread-name prefixes


def test_shutdown_stops_the_grading_and_sign_in_threads(tmp_path: Path) -> None:
    before = set(threading.enumerate())
    with FakeFirebaseCerts().serve() as certs:
        settings = Settings(  # type: ignore[call-arg]
            data_dir=tmp_path,
            firebase_project_id=PROJECT,
            firebase_certs_url=certs.url,
            interviewer=["builtin"],
            evaluator=["builtin"],
            evaluator_min_answers=0,  # grade even this one-turn interview, so the grader's pool starts
        )
        headers = {"Authorization": f"Bearer {certs.mint('shutdown-uid', project_id=PROJECT)}"}
        with (
            thread_server(create_app(settings)) as base_url,
            httpx.Client(base_url=base_url, headers=headers, timeout=60) as api,
        ):
            started = api.post("/api/start-session", json={"domain": "software", "role": "SRE"})
            assert started.status_code == 200, started.text
            end = {"session_id": started.json()["session_id"], "user_message": "[END_INTERVIEW_MANUAL]"}
            ended = api.post("/api/chat", json=end)
            assert ended.status_code == 200 and ended.json()["details"]["evaluator"] == "builtin", ended.text
            pools = {prefix: [t for t in threading.enumerate() if t.name.startswith(prefix)] for prefix in POOLS}
            started_here = {prefix: [t for t in threads if t not in before] for prefix, threads in pools.items()}
            assert all(started_here.values()), started_here  # both pools did work for this server
    for threads in started_here.values():
        for thread in threads:
            thread.join(timeout=30)
    assert not [thread.name for threads in started_here.values() for thread in threads if thread.is_alive()]


class ClosableVerifier:
    """A verifier that remembers being closed."""

    closed = False

    async def verify(self, token: str) -> None:
        raise AssertionError("no request reaches a server that failed to start")

    def close(self) -> None:
        self.closed = True


async def test_a_startup_that_fails_midway_closes_what_it_had_opened(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_engines(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the engines could not be built")

    monkeypatch.setattr(app_module, "build_engines", broken_engines)
    verifier = ClosableVerifier()
    app = create_app(Settings(data_dir=tmp_path), verifier=verifier)  # type: ignore[call-arg]

    with pytest.raises(RuntimeError, match="could not be built"):
        async with app.router.lifespan_context(app):
            raise AssertionError("the startup should have failed")

    assert verifier.closed
    with pytest.raises(DatabaseUnavailable):
        await app.state.sqlite.read(lambda connection: connection.execute("SELECT 1").fetchone())
