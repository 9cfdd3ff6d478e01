"""InterviewRepository on a SQLite file through the standard library's sqlite3, on the event loop's thread.

A request's writes wait for its commit and run together in one transaction with no await inside
(storage/sqlite.py says why). A read that must see this request's uncommitted writes, or a write
whose row count is needed, opens the transaction early; it then holds the write gate until the
commit or rollback.

Values go in and out in SQLAlchemy's own storage format (timestamps as `YYYY-MM-DD HH:MM:SS.ffffff`
UTC text, JSON as text), so files written before, and the SQLAlchemy code that still reads them
(migrations, the active-interviews gauge), see the same rows.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Column, Table

from interviewsim.errors import DatabaseUnavailable, TurnCollision
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
from interviewsim.storage.sqlite import SqliteDatabase
from interviewsim.storage.types import UTCDateTime


def _timestamp_in(value: datetime | None) -> str | None:
    # SQLAlchemy's `YYYY-MM-DD HH:MM:SS.ffffff`; isoformat writes it three times faster than strftime.
    return None if value is None else value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


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


Statement = tuple[str, Sequence[Any]]


class SqliteInterviewRepository(InterviewRepository):
    """Interview rows in a SqliteDatabase, one request's transaction at a time.

    SQLite has no row locks: `for_update` reads are plain reads, and the turn lock plus the
    `(session_id, seq)` constraint keep turns apart.
    """

    def __init__(self, database: SqliteDatabase) -> None:
        super().__init__()
        self.database = database
        self._pending: list[Statement] = []  # writes waiting for the commit
        self._open = False  # a transaction open on the writing connection, holding the write gate

    async def rollback(self) -> None:
        await self.release()

    async def release(self) -> None:
        """Drop what was not committed: the pending writes, and the open transaction (giving the gate back)."""
        self._pending.clear()
        if not self._open:
            return
        self._open = False
        try:
            # A connection that failed has nothing left to undo.
            with contextlib.suppress(sqlite3.Error, DatabaseUnavailable):
                await self.database.write(_rollback, retry_busy=False)
        finally:
            # After the rollback: the next writer must not find SQLite's lock still held.
            self.database.write_gate.release()

    async def _open_transaction(self) -> None:
        """Take the write gate and begin the transaction now (the pending writes go in with the next statement)."""
        if self._open:
            return
        await self.database.write_gate.acquire()
        try:
            await self.database.write(_begin)
        except BaseException:
            self.database.write_gate.release()
            raise
        self._open = True

    async def _in_transaction(self, work: Callable[[sqlite3.Connection], Any]) -> Any:
        """`work` in the open transaction, after the writes pending before it."""
        await self._open_transaction()
        pending, self._pending = self._pending, []

        def run(connection: sqlite3.Connection) -> Any:
            _execute_all(connection, pending)
            return work(connection)

        return await self.database.write(run, retry_busy=False)

    async def _read(self, work: Callable[[sqlite3.Connection], Any]) -> Any:
        """`work` in this request's transaction when it has writes of its own to see, else on committed rows."""
        if self._open or self._pending:
            return await self._in_transaction(work)
        return await self.database.read(work)

    async def _fetch(self, table: Table, sql: str, *arguments: Any) -> list[Row]:
        def fetch(connection: sqlite3.Connection) -> list[Any]:
            return connection.execute(sql, arguments).fetchall()

        return [_row(table, values) for values in await self._read(fetch)]

    async def _insert(self, table: Table, values: dict[str, Any]) -> None:
        arguments = map(_stored, _INPUTS[table.name], insert_values(table, values))
        self._pending.append((_SQL.inserts[table.name], list(arguments)))

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
        arguments = [_argument(value) for value in ordered]
        self._pending.append((_SQL.save_progress, [*arguments, session_id]))

    async def _rows(self, table: Table, sql: str, *arguments: Any) -> Iterable[Row]:
        return await self._fetch(table, sql, *map(_argument, arguments))

    async def _write(self, sql: str, *arguments: Any) -> int:
        stored = [_argument(value) for value in arguments]
        return int(await self._in_transaction(lambda connection: connection.execute(sql, stored).rowcount))

    @property
    def _sql(self) -> RawSql:
        return _SQL

    async def _scalar(self, sql: str, *arguments: Any) -> Any:
        stored = [_argument(value) for value in arguments]

        def first(connection: sqlite3.Connection) -> Any:
            row = connection.execute(sql, stored).fetchone()
            return None if row is None else row[0]

        return await self._read(first)

    async def _commit(self) -> None:
        pending, self._pending = self._pending, []
        if self._open:
            try:
                await self.database.write(lambda connection: _commit_all(connection, pending), retry_busy=False)
            finally:
                self._open = False
                self.database.write_gate.release()
        elif pending:
            async with self.database.write_gate:
                await self.database.write(lambda connection: _transaction(connection, pending))
        else:
            return
        self.database.committed()


# SQLite names the columns of a failed unique constraint, not the constraint.
_TRANSCRIPT_SEQ_FAILED = "UNIQUE constraint failed: messages.session_id, messages.seq"


def _execute_all(connection: sqlite3.Connection, statements: Iterable[Statement]) -> None:
    try:
        for sql, arguments in statements:
            connection.execute(sql, arguments)
    except sqlite3.IntegrityError as error:
        if str(error) == _TRANSCRIPT_SEQ_FAILED:
            raise TurnCollision() from None
        raise


def _begin(connection: sqlite3.Connection) -> None:
    connection.execute("BEGIN IMMEDIATE")


def _rollback(connection: sqlite3.Connection) -> None:
    if connection.in_transaction:
        connection.rollback()


def _commit_all(connection: sqlite3.Connection, statements: Iterable[Statement]) -> None:
    """The open transaction's last writes, then COMMIT; anything failing rolls it all back."""
    try:
        _execute_all(connection, statements)
        connection.execute("COMMIT")
    except BaseException:
        _rollback(connection)
        raise


def _transaction(connection: sqlite3.Connection, statements: Sequence[Statement]) -> None:
    """The writes as one transaction, all or nothing (a busy database fails at BEGIN, before any write)."""
    _begin(connection)
    _commit_all(connection, statements)
