"""A SQLite file used on the event loop's own thread: one reading connection, one writing, one writer at a time.

An interview's statements are primary-key reads and small inserts of tens of microseconds. Sent to a
worker thread (aiosqlite), each one cost more in hand-offs than in SQLite: a queue, a wake-up, the
GIL taken back and forth, a loop wake-up. Under a burst the thread waited for the GIL behind the
loop, and chat's added latency grew by hundreds of milliseconds (bench/RESULTS.md). So statements
run inline, and nothing here may block the loop for long:

- A request's writes wait for its commit and run as one `BEGIN IMMEDIATE ... COMMIT` with no await
  in between, so no other request's statement can land inside the transaction.
- Another process holding SQLite's write lock (`serve --workers N`) is never waited for inside
  SQLite: connections have no busy timeout, and a busy database is retried after an `await`ed pause.
- A read runs on the writing connection whenever no transaction is open there, and on the reading
  connection only while one is. SQLite drops a connection's whole page cache when another connection
  has committed since its last read, so a separate reader re-read its pages from the file after
  every commit: 11.5 read calls a request under the burst, 3 without (bench/RESULTS.md).
- The WAL is not checkpointed by a commit (`wal_autocheckpoint=0`), which would write the pages back
  and fsync inline; a worker thread checkpoints every `CHECKPOINT_EVERY` commits instead.

Values are stored exactly as SQLAlchemy stores them, so Alembic's migrations and the rows agree.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from sqlalchemy.engine import make_url

from interviewsim.errors import DatabaseUnavailable

log = logging.getLogger(__name__)

BUSY_TIMEOUT_SECONDS = 30.0  # another process's writer: retry this long, as the SQLAlchemy engine waits
CHECKPOINT_EVERY = 200  # commits between background checkpoints (a few pages each: about SQLite's default)
_FIRST_PAUSE, _LONGEST_PAUSE = 0.001, 0.05  # seconds between tries of a busy database
_PRAGMAS = ("PRAGMA journal_mode=WAL", "PRAGMA foreign_keys=ON", "PRAGMA synchronous=NORMAL")
T = TypeVar("T")


def sqlite_file(database_url: str) -> Path | None:
    """The database file of a file-backed SQLite DATABASE_URL, else None (PostgreSQL, `:memory:`)."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database)


def unavailable(error: sqlite3.OperationalError) -> DatabaseUnavailable:
    """The 503 for an unusable database (unopenable file, disk error, lock held past the timeout), logged."""
    log.warning("database unavailable: %s", error)
    return DatabaseUnavailable()


def _busy(error: sqlite3.OperationalError) -> bool:
    return getattr(error, "sqlite_errorcode", None) in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


class SqliteDatabase:
    """The file's two connections, opened on first use, and the gate that queues this process's writers.

    SQLite allows one writer. The gate makes this process's writers take turns in arrival order;
    a transaction that must stay open across awaits (a read of its own pending writes) holds it.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.write_gate = asyncio.Lock()
        self._reader: sqlite3.Connection | None = None
        self._writer: sqlite3.Connection | None = None
        self._closed = False
        self._commits = 0
        self._checkpoint: asyncio.Future[None] | None = None

    async def read(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """`work` on a connection that sees only committed rows: the writing one when it has no transaction open."""
        return await self._run(work, writer=False)

    async def write(self, work: Callable[[sqlite3.Connection], T], *, retry_busy: bool = True) -> T:
        """`work` on the writing connection; the caller holds `write_gate`.

        `retry_busy=False` inside an open transaction: there a busy error cannot be retried from the start.
        """
        return await self._run(work, writer=True, retry_busy=retry_busy)

    def committed(self) -> None:
        """Count a commit; every `CHECKPOINT_EVERY`, write the WAL back to the file on a worker thread."""
        self._commits += 1
        if self._commits % CHECKPOINT_EVERY == 0 and (self._checkpoint is None or self._checkpoint.done()):
            self._checkpoint = asyncio.get_running_loop().run_in_executor(None, self._checkpoint_now)

    async def close(self) -> None:
        """Close both connections (the last one to close checkpoints the WAL)."""
        self._closed = True
        if self._checkpoint is not None:
            with contextlib.suppress(sqlite3.Error):
                await self._checkpoint
        for connection in (self._reader, self._writer):
            if connection is not None:
                with contextlib.suppress(sqlite3.Error):
                    connection.close()
        self._reader = self._writer = None

    async def _run(self, work: Callable[[sqlite3.Connection], T], *, writer: bool, retry_busy: bool = True) -> T:
        """Run `work` inline; while another process holds the lock, retry after a pause that lets the loop run."""
        # try/except, not a context manager: this runs for every statement, and entering one costs more.
        deadline, pause = time.monotonic() + BUSY_TIMEOUT_SECONDS, _FIRST_PAUSE
        while True:
            try:
                return work(self._connection(writer=writer))
            except sqlite3.OperationalError as error:
                if not (retry_busy and _busy(error)) or time.monotonic() + pause > deadline:
                    raise unavailable(error) from None
            await asyncio.sleep(pause)
            pause = min(pause * 2, _LONGEST_PAUSE)

    def _connection(self, *, writer: bool) -> sqlite3.Connection:
        if self._closed:
            raise DatabaseUnavailable()
        if not writer and self._writer is not None and not self._writer.in_transaction:
            # Between transactions the writer sees exactly what is committed, with its page cache still warm.
            return self._writer
        connection = self._writer if writer else self._reader
        if connection is None:
            connection = self._open(writer=writer)
            if writer:
                self._writer = connection
            else:
                self._reader = connection
        return connection

    def _open(self, *, writer: bool) -> sqlite3.Connection:
        # Autocommit (transactions are explicit); timeout=0: a busy database is retried by _run, not waited for.
        connection = sqlite3.connect(self.path, timeout=0, isolation_level=None, check_same_thread=False)
        try:
            for pragma in (*_PRAGMAS, "PRAGMA wal_autocheckpoint=0") if writer else _PRAGMAS:
                connection.execute(pragma)
        except BaseException:
            connection.close()
            raise
        return connection

    def _checkpoint_now(self) -> None:
        """A passive checkpoint on a connection of its own (it never blocks readers or the writer)."""
        try:
            with contextlib.closing(sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_SECONDS)) as connection:
                connection.execute("PRAGMA wal_checkpoint(PASSIVE)")
        except sqlite3.Error as error:
            log.warning("sqlite checkpoint failed: %s", error)
