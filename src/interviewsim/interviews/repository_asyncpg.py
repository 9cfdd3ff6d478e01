"""InterviewRepository on raw asyncpg: PostgreSQL without an ORM or Core layer per statement.

One turn's database work took 1.7 ms of CPU through SQLAlchemy Core and 0.5 ms here
(bench/RESULTS.md). The SQL text comes from the table definitions (repository.RawSql), so the
migrations stay the single source of the schema; asyncpg prepares each statement once per connection.

Writes wait for the commit and go as one statement (data-modifying CTEs): one round trip instead
of BEGIN, one per write and COMMIT, and still all-or-nothing. Round trips were the largest CPU
cost of a turn under load (bench/RESULTS.md).
"""

from __future__ import annotations

import contextlib
import functools
import re
from collections.abc import AsyncIterator, Iterable, Sequence
from typing import Any

import asyncpg
from asyncpg.pool import PoolConnectionProxy
from asyncpg.transaction import Transaction
from sqlalchemy import Table

from interviewsim.errors import TurnCollision
from interviewsim.interviews.repository import (
    PROGRESS_WRITTEN,
    SESSIONS,
    TRANSCRIPT_SEQ_CONSTRAINT,
    InterviewRepository,
    RawSql,
    Row,
    insert_values,
)
from interviewsim.storage.postgres import CONNECTION_FAILURES, acquire, release, unavailable_on_disconnect

_SQL = RawSql(lambda n: f"${n}")
_PARAMETER = re.compile(r"\$(\d+)")
Write = tuple[str, Sequence[Any]]


def _shifted(offset: int, parameter: re.Match[str]) -> str:
    return f"${int(parameter.group(1)) + offset}"


def one_statement(writes: Sequence[Write]) -> Write:
    """INSERTs and UPDATEs as one statement: all but the last become data-modifying CTEs, parameters renumbered.

    They run on one snapshot, so none may touch a row another of them writes (see `_update_progress`).
    """
    sql = _joined(tuple(sql for sql, _ in writes), tuple(len(values) for _, values in writes))
    return sql, [value for _, values in writes for value in values]


# A turn writes the same few combinations of statements over and over.
@functools.lru_cache(maxsize=256)
def _joined(statements: tuple[str, ...], counts: tuple[int, ...]) -> str:
    """`statements` as one: all but the last as CTEs, the parameters of each shifted past those before it."""
    parts: list[str] = []
    offset = 0
    for sql, count in zip(statements, counts, strict=True):
        parts.append(_PARAMETER.sub(functools.partial(_shifted, offset), sql))
        offset += count
    *earlier, last = parts
    if not earlier:
        return last
    return f"WITH {', '.join(f'w{n} AS ({sql})' for n, sql in enumerate(earlier))} {last}"


class AsyncpgInterviewRepository(InterviewRepository):
    """Interview rows through an asyncpg pool.

    A connection is held from a turn's first read (`for_update`) or the first write that needs a
    transaction until commit or rollback, else for one plain read: never while a provider works
    between commits. There is no row lock: the turn lock keeps an interview's turns apart, and the
    `(session_id, seq)` constraint turns a race it could not prevent into TurnCollision.
    """

    def __init__(self, pool: asyncpg.Pool) -> None:
        super().__init__()
        self.pool = pool
        self._connection: PoolConnectionProxy | None = None
        self._transaction: Transaction | None = None
        self._writes: list[Write] = []  # sent at the commit, or before the next read
        self._new_sessions: set[str] = set()  # interviews inserted by a pending write

    async def rollback(self) -> None:
        self._forget_writes()
        transaction, self._transaction = self._transaction, None
        if transaction is not None:
            # A connection that dropped has nothing left to undo; the pool replaces it.
            with contextlib.suppress(*CONNECTION_FAILURES):
                await transaction.rollback()
        await self.release()

    async def release(self) -> None:
        """Give the connection back to the pool (its reset rolls back a transaction still open); drop unsent writes."""
        self._forget_writes()
        connection, self._connection = self._connection, None
        self._transaction = None
        if connection is not None:
            await release(self.pool, connection)

    async def _begin(self) -> PoolConnectionProxy:
        """The connection of the open transaction, opening one if none is (after the last commit)."""
        if self._connection is None:
            self._connection = await acquire(self.pool)
        if self._transaction is None:
            transaction = self._connection.transaction()
            with unavailable_on_disconnect():
                await transaction.start()
            self._transaction = transaction
        return self._connection

    def _forget_writes(self) -> None:
        self._writes.clear()
        self._new_sessions.clear()

    async def _send_writes(self) -> None:
        """The pending writes as one statement: in the open transaction, else on their own (atomic all the same)."""
        if not self._writes:
            return
        sql, arguments = one_statement(self._writes)
        self._forget_writes()
        async with self._reading(settled=True) as connection:
            try:
                await connection.execute(sql, *arguments)
            except asyncpg.UniqueViolationError as error:
                if error.constraint_name == TRANSCRIPT_SEQ_CONSTRAINT:
                    raise TurnCollision() from None
                raise

    async def _settle(self) -> None:
        """Before a read: pending writes go first, in a transaction, so the read sees them and they stay atomic."""
        if self._writes:
            await self._begin()
            await self._send_writes()

    @contextlib.asynccontextmanager
    async def _reading(self, *, settled: bool = False) -> AsyncIterator[PoolConnectionProxy]:
        """The open transaction's connection, else one borrowed for this read alone.

        A plain read needs no transaction: under READ COMMITTED each statement sees its own snapshot anyway.
        """
        if not settled:
            await self._settle()
        if self._connection is not None:
            with unavailable_on_disconnect():
                yield self._connection
            return
        connection = await acquire(self.pool)
        try:
            with unavailable_on_disconnect():
                yield connection
        finally:
            await release(self.pool, connection)

    async def _insert(self, table: Table, values: dict[str, Any]) -> None:
        self._writes.append((_SQL.inserts[table.name], insert_values(table, values)))
        if table is SESSIONS:
            self._new_sessions.add(values["id"])

    async def _session_row(self, session_id: str, user_id: str, *, for_update: bool) -> Row | None:
        if for_update and self._connection is None:
            # Kept for the turn's reads and its commit: one pooled connection, no BEGIN or COMMIT round trips.
            self._connection = await acquire(self.pool)
        async with self._reading() as connection:
            return await connection.fetchrow(_SQL.owned_session, session_id, user_id)

    async def _session_rows(self, user_id: str, limit: int, offset: int) -> Iterable[Row]:
        async with self._reading() as connection:
            return await connection.fetch(_SQL.sessions_of_user, user_id, limit, offset)

    async def _transcript_rows(self, session_id: str) -> Iterable[Row]:
        async with self._reading() as connection:
            return await connection.fetch(_SQL.transcript, session_id)

    async def _evaluation_row(self, session_id: str) -> Row | None:
        async with self._reading() as connection:
            return await connection.fetchrow(_SQL.evaluation, session_id)

    async def _update_progress(self, session_id: str, values: dict[str, Any]) -> None:
        arguments = [*(values[name] for name in PROGRESS_WRITTEN), session_id]
        if session_id not in self._new_sessions:
            self._writes.append((_SQL.save_progress, arguments))
            return
        # Its INSERT is pending, and one statement's parts cannot see each other's rows: insert first, in a transaction.
        await self._settle()
        connection = await self._begin()
        with unavailable_on_disconnect():
            await connection.execute(_SQL.save_progress, *arguments)

    async def _rows(self, table: Table, sql: str, *arguments: Any) -> Iterable[Row]:
        async with self._reading() as connection:
            return await connection.fetch(sql, *arguments)

    async def _write(self, sql: str, *arguments: Any) -> int:
        await self._settle()  # after the writes already pending, in order
        connection = await self._begin()
        with unavailable_on_disconnect():
            status = await connection.execute(sql, *arguments)
        return int(status.rsplit(" ", 1)[-1])  # "UPDATE <rows>" / "DELETE <rows>"

    @property
    def _sql(self) -> RawSql:
        return _SQL

    async def _scalar(self, sql: str, *arguments: Any) -> Any:
        async with self._reading() as connection:
            return await connection.fetchval(sql, *arguments)

    async def _commit(self) -> None:
        try:
            await self._send_writes()
        except BaseException:
            await self.rollback()
            raise
        transaction, self._transaction = self._transaction, None
        try:
            if transaction is not None:
                with unavailable_on_disconnect():
                    await transaction.commit()
        finally:
            await self.release()
