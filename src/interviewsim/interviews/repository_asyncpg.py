"""InterviewRepository on raw asyncpg: PostgreSQL without an ORM or Core layer per statement.

One turn's database work took 1.7 ms of CPU through SQLAlchemy Core and 0.5 ms here
(bench/RESULTS.md). The SQL text comes from the table definitions (repository.RawSql), so the
migrations stay the single source of the schema; asyncpg prepares each statement once per connection.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterable
from typing import Any

import asyncpg
from asyncpg.pool import PoolConnectionProxy
from asyncpg.transaction import Transaction
from sqlalchemy import Table

from interviewsim.interviews.repository import PROGRESS_WRITTEN, InterviewRepository, RawSql, Row, insert_values
from interviewsim.storage.postgres import CONNECTION_FAILURES, acquire, release, unavailable_on_disconnect

_SQL = RawSql(lambda n: f"${n}")
_OWNED_SESSION_FOR_UPDATE = f"{_SQL.owned_session} FOR UPDATE"


class AsyncpgInterviewRepository(InterviewRepository):
    """Interview rows through an asyncpg pool.

    A connection is held only while a transaction is open (from the first write or row lock to
    commit or rollback) or for one plain read: never while a provider works between commits.
    """

    def __init__(self, pool: asyncpg.Pool) -> None:
        super().__init__()
        self.pool = pool
        self._connection: PoolConnectionProxy | None = None
        self._transaction: Transaction | None = None

    async def rollback(self) -> None:
        transaction, self._transaction = self._transaction, None
        if transaction is not None:
            # A connection that dropped has nothing left to undo; the pool replaces it.
            with contextlib.suppress(*CONNECTION_FAILURES):
                await transaction.rollback()
        await self.release()

    async def release(self) -> None:
        """Give the connection back to the pool (its reset rolls back a transaction still open)."""
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

    @contextlib.asynccontextmanager
    async def _reading(self) -> AsyncIterator[PoolConnectionProxy]:
        """The open transaction's connection, else one borrowed for this read alone.

        A plain read needs no transaction: under READ COMMITTED each statement sees its own snapshot anyway.
        """
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
        connection = await self._begin()
        with unavailable_on_disconnect():
            await connection.execute(_SQL.inserts[table.name], *insert_values(table, values))

    async def _session_row(self, session_id: str, user_id: str, *, for_update: bool) -> Row | None:
        if for_update:
            connection = await self._begin()
            with unavailable_on_disconnect():
                return await connection.fetchrow(_OWNED_SESSION_FOR_UPDATE, session_id, user_id)
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
        connection = await self._begin()
        with unavailable_on_disconnect():
            await connection.execute(_SQL.save_progress, *(values[name] for name in PROGRESS_WRITTEN), session_id)

    async def _update(self, sql: str, *arguments: Any) -> int:
        connection = await self._begin()
        with unavailable_on_disconnect():
            status = await connection.execute(sql, *arguments)
        return int(status.rsplit(" ", 1)[-1])  # "UPDATE <rows>"

    @property
    def _sql(self) -> RawSql:
        return _SQL

    async def _scalar(self, sql: str, *arguments: Any) -> Any:
        async with self._reading() as connection:
            return await connection.fetchval(sql, *arguments)

    async def _commit(self) -> None:
        transaction, self._transaction = self._transaction, None
        try:
            if transaction is not None:
                with unavailable_on_disconnect():
                    await transaction.commit()
        finally:
            await self.release()
