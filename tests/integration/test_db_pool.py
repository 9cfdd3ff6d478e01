"""The PostgreSQL pool: no ping per checkout, a dropped idle connection replaced, a restart answered clearly."""

from __future__ import annotations

import asyncio
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from interviewsim.app import create_app
from interviewsim.config import Settings
from interviewsim.storage import db
from interviewsim.storage.sqlite import SqliteDatabase
from tests.conftest import Api
from tests.support.databases import terminate_other_backends
from tests.support.servers import thread_server


async def _backend_pid(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        return int((await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one())


async def _terminate(postgres_url: str, pid: int) -> None:
    """Drop one server connection, as a restart or an idle timeout would, and wait until it is gone."""
    admin = await asyncpg.connect(postgres_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await admin.execute("SELECT pg_terminate_backend($1)", pid)
        for _ in range(200):
            if not await admin.fetchval("SELECT count(*) FROM pg_stat_activity WHERE pid = $1", pid):
                return
            await asyncio.sleep(0.01)
        raise AssertionError(f"backend {pid} is still running")
    finally:
        await admin.close()


async def test_a_connection_dropped_while_idle_is_replaced_at_checkout(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db, "IDLE_PING_SECONDS", 0.0)  # every returned connection counts as idle
    engine = db.create_engine(postgres_url, pool_size=1, max_overflow=0)
    try:
        dropped = await _backend_pid(engine)
        await _terminate(postgres_url, dropped)

        replacement = await _backend_pid(engine)  # no error: the ping failed and the pool reconnected

        assert replacement != dropped
    finally:
        await engine.dispose()


async def test_a_connection_in_recent_use_is_not_pinged(postgres_url: str) -> None:
    engine = db.create_engine(postgres_url, pool_size=1, max_overflow=0)
    try:
        dropped = await _backend_pid(engine)
        await _terminate(postgres_url, dropped)

        # Checked in a moment ago, it is trusted without a round trip; the failure invalidates the pool...
        with pytest.raises(DBAPIError) as failure:
            await _backend_pid(engine)
        assert failure.value.connection_invalidated
        # ...so the next request gets a new connection.
        assert await _backend_pid(engine) != dropped
    finally:
        await engine.dispose()


def test_a_database_restart_between_requests_costs_the_interview_nothing(postgres_url: str, tmp_path: Path) -> None:
    """The asyncpg pool replaces connections that dropped while idle (a dropped one mid-request: test_repository)."""
    settings = Settings(data_dir=tmp_path, local_token="local-test-token", database_url=postgres_url)  # type: ignore[call-arg]
    with thread_server(create_app(settings)) as base_url:
        api = Api(base_url, "local-test-token")
        session_id = api.start()["session_id"]
        assert asyncio.run(terminate_other_backends(postgres_url)) >= 1

        answered = api.chat(session_id, "I'm well, thank you.")
        assert answered.status_code == 200, answered.text
        messages = api.client.get(f"/api/sessions/{session_id}").json()["messages"]
        assert [m["text"] for m in messages if m["role"] == "user"] == ["I'm well, thank you."]


def test_an_unreachable_sqlite_database_is_a_clear_503(tmp_path: Path) -> None:
    """A SQLite file that cannot be opened is a 503 database_unavailable, and /readyz says not ready."""
    app = create_app(Settings(data_dir=tmp_path, local_token="local-test-token"))  # type: ignore[call-arg]
    gone = tmp_path / "no-such-dir" / "interviewsim.db"  # as if the file's volume went away
    with thread_server(app) as base_url:
        api = Api(base_url, "local-test-token")
        assert api.client.get("/api/sessions").status_code == 200

        app.state.sqlite = SqliteDatabase(gone)
        failed = api.client.get("/api/sessions")
        ready = api.client.get("/readyz")

    assert failed.status_code == 503, failed.text
    assert failed.headers["retry-after"] == "1"
    assert failed.json()["code"] == "database_unavailable"
    assert ready.status_code == 503 and "database" in ready.json()["error"]
