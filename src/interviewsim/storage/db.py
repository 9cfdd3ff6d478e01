"""Database engine, per-request sessions, and migrations applied at start."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import time
from collections.abc import AsyncIterator
from importlib import resources
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry


def create_engine(url: str, *, pool_size: int = 20, max_overflow: int = 10) -> AsyncEngine:
    """An async engine; SQLite gets WAL and a busy timeout so readers never block writers.

    The pool keeps `pool_size` connections open: an overflow connection is closed when returned, and
    opening one (a thread for SQLite, a TCP and TLS handshake for PostgreSQL) costs more than a turn.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        pool: dict[str, int] = {}
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            pool = {"pool_size": pool_size, "max_overflow": max_overflow}  # :memory: has a one-connection pool
        engine = create_async_engine(url, connect_args={"timeout": 30}, **pool)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    engine = create_async_engine(url, pool_recycle=POOL_RECYCLE_SECONDS, pool_size=pool_size, max_overflow=max_overflow)
    ping_connections_idle_longer_than(engine, IDLE_PING_SECONDS)
    return engine


# A busy pool's connections are seconds old and healthy, so checking every checkout (pool_pre_ping)
# costs a round trip per request for nothing; only a connection idle this long is pinged first.
IDLE_PING_SECONDS = 10.0
POOL_RECYCLE_SECONDS = 1800
_CHECKED_IN_AT = "interviewsim_checked_in_at"


def ping_connections_idle_longer_than(engine: AsyncEngine, seconds: float) -> None:
    """Replace, at checkout, a pooled connection that sat idle `seconds` and no longer answers a ping."""
    sync_engine = engine.sync_engine

    def remember_checkin(_: object, record: ConnectionPoolEntry) -> None:
        record.info[_CHECKED_IN_AT] = time.monotonic()

    def ping_if_idle(dbapi_connection: DBAPIConnection, record: ConnectionPoolEntry, _: object) -> None:
        checked_in_at = record.info.get(_CHECKED_IN_AT)
        if checked_in_at is None or time.monotonic() - checked_in_at < seconds:
            return
        try:
            sync_engine.dialect.do_ping(dbapi_connection)
        except Exception as error:
            # The pool discards this connection and checks out (or opens) another one.
            raise DisconnectionError("a pooled connection went away while idle") from error

    event.listen(sync_engine, "checkin", remember_checkin)
    event.listen(sync_engine, "checkout", ping_if_idle)


def _sqlite_pragmas(dbapi_connection: object, _: object) -> None:
    """WAL journal and enforced foreign keys on every SQLite connection."""
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def alembic_config() -> Config:
    """Alembic configuration pointing at the migrations shipped in the package."""
    config = Config()
    config.set_main_option("script_location", str(resources.files("interviewsim.storage") / "migrations"))
    return config


MIGRATION_LOCK_ID = 7_346_921_088  # any constant; all workers take the same advisory lock


async def migrate(engine: AsyncEngine) -> None:
    """Bring the schema to the latest revision, one process at a time (workers start together)."""
    database = engine.url.database
    if engine.dialect.name == "sqlite" and database and database != ":memory:":
        async with _file_lock(Path(f"{database}.migrate.lock")):
            await _migrate_now(engine)
        return
    await _migrate_now(engine)


async def _migrate_now(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            await connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": MIGRATION_LOCK_ID})
        await connection.run_sync(_upgrade)


@contextlib.asynccontextmanager
async def _file_lock(path: Path) -> AsyncIterator[None]:
    """An exclusive lock on `path` across processes (SQLite has no advisory locks of its own)."""
    with path.open("a") as handle:
        await asyncio.to_thread(fcntl.flock, handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _upgrade(connection: Connection) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, "head")
