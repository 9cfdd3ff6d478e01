"""InterviewRepository on raw aiosqlite: a SQLite file without SQLAlchemy's adapter per statement.

Values go in and out in SQLAlchemy's own storage format (timestamps as `YYYY-MM-DD HH:MM:SS.ffffff`
UTC text, JSON as text), so files written before, and the SQLAlchemy code that still reads them
(migrations, the active-interviews gauge), see the same rows.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

import aiosqlite
from sqlalchemy import JSON, Boolean, Column, Table

from interviewsim.interviews.repository import (
    EVALUATIONS,
    MESSAGES,
    PROGRESS_WRITTEN,
    SESSIONS,
    TABLES,
    InterviewRepository,
    RawSql,
    Row,
    insert_values,
    inserted_columns,
)
from interviewsim.storage.sqlite import SqlitePool, unavailable_on_failure
from interviewsim.storage.types import UTCDateTime

_TIMESTAMP = "%Y-%m-%d %H:%M:%S.%f"  # SQLAlchemy's SQLite DATETIME storage format


def _timestamp_in(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).strftime(_TIMESTAMP)


def _timestamp_out(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value).replace(tzinfo=UTC)


def _json_in(value: Any) -> str:
    return json.dumps(value)  # None too: SQLAlchemy's JSON type stores it as 'null'


def _json_out(value: str | None) -> Any:
    return None if value is None else json.loads(value)


def _converters(column: Column[Any]) -> tuple[Callable[[Any], Any] | None, Callable[[Any], Any] | None]:
    """How a column's value goes into SQLite and comes back out (None: as it is)."""
    if isinstance(column.type, UTCDateTime):
        return _timestamp_in, _timestamp_out
    if isinstance(column.type, JSON):
        return _json_in, _json_out
    if isinstance(column.type, Boolean):
        return None, bool  # SQLite keeps booleans as 0 and 1
    return None, None


_SQL = RawSql(lambda _: "?")
# Per table: how each column's value comes back out, and how each inserted column's goes in.
_OUTPUTS = {table.name: tuple(_converters(column)[1] for column in table.columns) for table in TABLES}
_INPUTS = {table.name: tuple(_converters(column)[0] for column in inserted_columns(table)) for table in TABLES}


def _row(table: Table, values: Sequence[Any]) -> Row:
    """A fetched tuple as a row by column name, values converted back."""
    return {
        column.name: value if convert is None or value is None else convert(value)
        for column, convert, value in zip(table.columns, _OUTPUTS[table.name], values, strict=True)
    }


def _argument(value: Any) -> Any:
    """A statement argument as SQLite stores it (timestamps as SQLAlchemy's text)."""
    return _timestamp_in(value) if isinstance(value, datetime) else value


def _stored(convert: Callable[[Any], Any] | None, value: Any) -> Any:
    return value if convert is None else convert(value)


class AiosqliteInterviewRepository(InterviewRepository):
    """Interview rows through a SqlitePool; a write transaction holds the pool's write gate until it ends.

    SQLite has no row locks: `for_update` reads are plain reads, and the turn lock plus the
    `(session_id, seq)` constraint keep turns apart, as on the SQLAlchemy path.
    """

    def __init__(self, pool: SqlitePool) -> None:
        super().__init__()
        self.pool = pool
        self._connection: aiosqlite.Connection | None = None
        self._holds_gate = False

    async def rollback(self) -> None:
        if self._connection is not None and self._connection.in_transaction:
            # A connection that failed has nothing left to undo; the pool closes it.
            with contextlib.suppress(sqlite3.Error, ValueError):
                await self._connection.rollback()
        await self.release()

    async def release(self) -> None:
        """Give the connection back (the pool rolls back a transaction left open), then the write gate."""
        connection, self._connection = self._connection, None
        try:
            if connection is not None:
                await self.pool.release(connection)
        finally:
            # After the rollback: the next writer must not find SQLite's lock still held.
            if self._holds_gate:
                self._holds_gate = False
                self.pool.write_gate.release()

    async def _begin(self) -> aiosqlite.Connection:
        """The connection of the open write transaction, opening one (and passing the gate) if none is."""
        if self._connection is None:
            self._connection = await self.pool.acquire()
        if not self._holds_gate:
            # The connection first: a writer holding the gate must never wait for the pool, whose
            # connections may all belong to requests queued at the gate.
            await self.pool.write_gate.acquire()
            self._holds_gate = True
        if not self._connection.in_transaction:
            with unavailable_on_failure():
                await self._connection.execute("BEGIN IMMEDIATE")
        return self._connection

    @contextlib.asynccontextmanager
    async def _reading(self) -> AsyncIterator[aiosqlite.Connection]:
        """The open transaction's connection, else one borrowed for this read alone."""
        if self._connection is not None:
            with unavailable_on_failure():
                yield self._connection
            return
        connection = await self.pool.acquire()
        try:
            with unavailable_on_failure():
                yield connection
        finally:
            await self.pool.release(connection)

    async def _fetch(self, table: Table, sql: str, *arguments: Any) -> list[Row]:
        # One trip to the connection's thread (execute, fetch and close a cursor took three).
        async with self._reading() as connection:
            return [_row(table, values) for values in await connection.execute_fetchall(sql, arguments)]

    async def _insert(self, table: Table, values: dict[str, Any]) -> None:
        arguments = map(_stored, _INPUTS[table.name], insert_values(table, values))
        connection = await self._begin()
        with unavailable_on_failure():
            await connection.execute(_SQL.inserts[table.name], list(arguments))

    async def _session_row(self, session_id: str, user_id: str, *, for_update: bool) -> Row | None:
        rows = await self._fetch(SESSIONS, _SQL.owned_session, session_id, user_id)
        return rows[0] if rows else None

    async def _session_rows(self, user_id: str, limit: int, offset: int) -> Iterable[Row]:
        return await self._fetch(SESSIONS, _SQL.sessions_of_user, user_id, limit, offset)

    async def _transcript_rows(self, session_id: str) -> Iterable[Row]:
        return await self._fetch(MESSAGES, _SQL.transcript, session_id)

    async def _evaluation_row(self, session_id: str) -> Row | None:
        rows = await self._fetch(EVALUATIONS, _SQL.evaluation, session_id)
        return rows[0] if rows else None

    async def _update_progress(self, session_id: str, values: dict[str, Any]) -> None:
        ordered = (values[name] for name in PROGRESS_WRITTEN)
        arguments = [_timestamp_in(value) if isinstance(value, datetime) else value for value in ordered]
        connection = await self._begin()
        with unavailable_on_failure():
            await connection.execute(_SQL.save_progress, [*arguments, session_id])

    async def _rows(self, table: Table, sql: str, *arguments: Any) -> Iterable[Row]:
        return await self._fetch(table, sql, *map(_argument, arguments))

    async def _write(self, sql: str, *arguments: Any) -> int:
        connection = await self._begin()
        with unavailable_on_failure():
            cursor = await connection.execute(sql, [_argument(value) for value in arguments])
        return int(cursor.rowcount)

    @property
    def _sql(self) -> RawSql:
        return _SQL

    async def _scalar(self, sql: str, *arguments: Any) -> Any:
        stored = [_timestamp_in(value) if isinstance(value, datetime) else value for value in arguments]
        async with self._reading() as connection:
            rows = list(await connection.execute_fetchall(sql, stored))
        return rows[0][0] if rows else None

    async def _commit(self) -> None:
        try:
            if self._connection is not None and self._connection.in_transaction:
                with unavailable_on_failure():
                    await self._connection.commit()
        finally:
            await self.release()
