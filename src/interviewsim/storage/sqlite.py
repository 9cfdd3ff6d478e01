"""A small pool of aiosqlite connections for the interview routes on a SQLite file, with its write gate.

Through SQLAlchemy's aiosqlite adapter one turn's database work took 6.1 ms of CPU; on aiosqlite
directly, 1.5 ms (bench/RESULTS.md): the adapter adds thread hand-offs and greenlet switches to
every statement. Values are stored exactly as SQLAlchemy stores them, so both read each other's rows.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import aiosqlite
from sqlalchemy.engine import make_url

from interviewsim.errors import DatabaseUnavailable

log = logging.getLogger(__name__)

BUSY_TIMEOUT_SECONDS = 30.0  # another process's writer: wait this long, as the SQLAlchemy engine does
_PRAGMAS = ("PRAGMA journal_mode=WAL", "PRAGMA foreign_keys=ON", "PRAGMA synchronous=NORMAL")


def sqlite_file(database_url: str) -> Path | None:
    """The database file of a file-backed SQLite DATABASE_URL, else None (PostgreSQL, `:memory:`)."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database)


@contextlib.contextmanager
def unavailable_on_failure() -> Iterator[None]:
    """Turn an unusable database (unopenable file, disk error, lock held past the timeout) into a 503."""
    try:
        yield
    except sqlite3.OperationalError as error:
        log.warning("database unavailable: %s", error)
        raise DatabaseUnavailable() from None


class SqlitePool:
    """Up to `max_size` autocommit connections to one file, reused newest first; one writer at a time.

    SQLite allows one writer; a second one waits in SQLite's busy handler, which sleeps up to
    100 ms between tries and lets newcomers overtake it. The gate queues this process's writers in
    arrival order instead, so a writer starts the moment the previous one commits.
    """

    def __init__(self, path: Path, *, max_size: int) -> None:
        self.path = path
        self.write_gate = asyncio.Lock()
        self._slots = asyncio.Semaphore(max_size)
        self._idle: list[aiosqlite.Connection] = []
        self._closed = False

    async def acquire(self) -> aiosqlite.Connection:
        """A connection of this pool, opened if none is idle (waits while `max_size` are in use)."""
        if self._closed:
            raise DatabaseUnavailable()
        await self._slots.acquire()
        try:
            if self._idle:
                return self._idle.pop()
            with unavailable_on_failure():
                return await self._connect()
        except BaseException:
            self._slots.release()
            raise

    async def release(self, connection: aiosqlite.Connection) -> None:
        """Take a connection back; one left inside a transaction (a cancelled request) is rolled back first."""
        try:
            if connection.in_transaction:
                await connection.rollback()
            if self._closed:
                await connection.close()
            else:
                self._idle.append(connection)
        except (sqlite3.Error, ValueError):  # ValueError: aiosqlite's connection already closed
            with contextlib.suppress(sqlite3.Error, ValueError):
                await connection.close()
        finally:
            self._slots.release()

    async def close(self) -> None:
        """Close the idle connections; ones still in use close when they come back."""
        self._closed = True
        idle, self._idle = self._idle, []
        for connection in idle:
            with contextlib.suppress(sqlite3.Error, ValueError):
                await connection.close()

    async def _connect(self) -> aiosqlite.Connection:
        connection = await aiosqlite.connect(self.path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
        try:
            for pragma in _PRAGMAS:
                await connection.execute(pragma)
        except BaseException:
            await connection.close()
            raise
        return connection
