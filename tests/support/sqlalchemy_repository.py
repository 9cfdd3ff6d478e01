"""A reference InterviewRepository on a SQLAlchemy session (tests only).

The app runs on the two raw drivers; the tests hold their rows against what SQLAlchemy itself
(the library Alembic's migrations use) writes and reads.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Table, bindparam, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from interviewsim.interviews.repository import (
    EVALUATIONS,
    MESSAGES,
    SESSIONS,
    SHARE_LINKS,
    InterviewRepository,
    RawSql,
    Row,
)

_RAW = RawSql(lambda n: f":p{n}")

_OWNED_SESSION = select(SESSIONS).where(
    SESSIONS.c.id == bindparam("session_id"), SESSIONS.c.user_id == bindparam("user_id")
)
_OWNED_SESSION_FOR_UPDATE = _OWNED_SESSION.with_for_update()
_TRANSCRIPT = select(MESSAGES).where(MESSAGES.c.session_id == bindparam("session_id")).order_by(MESSAGES.c.seq)
_EVALUATION = select(EVALUATIONS).where(EVALUATIONS.c.session_id == bindparam("session_id"))
_INSERTS = {table.name: insert(table) for table in (SESSIONS, MESSAGES, EVALUATIONS, SHARE_LINKS)}
_SAVE_PROGRESS = update(SESSIONS).where(SESSIONS.c.id == bindparam("where_id"))
_MARK_INTERRUPTED = (
    update(MESSAGES)
    .where(
        MESSAGES.c.session_id == bindparam("where_session"),
        MESSAGES.c.seq == bindparam("where_seq"),
        MESSAGES.c.role == "assistant",
    )
    .values(text=bindparam("spoken"), voice_text=bindparam("spoken"), interrupted=True)
)


class SqlAlchemyInterviewRepository(InterviewRepository):
    """Interview rows through the request's AsyncSession."""

    def __init__(self, db: AsyncSession) -> None:
        super().__init__()
        self.db = db

    async def rollback(self) -> None:
        await self.db.rollback()

    async def release(self) -> None:
        await self.db.close()

    async def _insert(self, table: Table, values: dict[str, Any]) -> None:
        await self.db.execute(_INSERTS[table.name], values)

    async def _session_row(self, session_id: str, user_id: str, *, for_update: bool) -> Row | None:
        query = _OWNED_SESSION_FOR_UPDATE if for_update else _OWNED_SESSION
        return (await self.db.execute(query, {"session_id": session_id, "user_id": user_id})).mappings().first()

    async def _session_rows(self, user_id: str, limit: int, offset: int) -> Iterable[Row]:
        query = (
            select(SESSIONS)
            .where(SESSIONS.c.user_id == user_id)
            .order_by(SESSIONS.c.created_at.desc(), SESSIONS.c.id)
            .limit(limit)
            .offset(offset)
        )
        return (await self.db.execute(query)).mappings().all()

    async def _transcript_rows(self, session_id: str) -> Iterable[Row]:
        return (await self.db.execute(_TRANSCRIPT, {"session_id": session_id})).mappings().all()

    async def _evaluation_row(self, session_id: str) -> Row | None:
        return (await self.db.execute(_EVALUATION, {"session_id": session_id})).mappings().first()

    async def _update_progress(self, session_id: str, values: dict[str, Any]) -> None:
        await self.db.execute(_SAVE_PROGRESS, {"where_id": session_id, **values})

    async def mark_interrupted(self, session_id: str, seq: int, spoken: str) -> bool:
        result = await self.db.execute(
            _MARK_INTERRUPTED, {"where_session": session_id, "where_seq": seq, "spoken": spoken}
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]  # an UPDATE's CursorResult

    async def _commit(self) -> None:
        await self.db.commit()

    @property
    def _sql(self) -> RawSql:
        return _RAW

    async def _scalar(self, sql: str, *arguments: Any) -> Any:
        return (await self.db.execute(text(sql), _params(arguments))).scalar()

    async def _rows(self, table: Table, sql: str, *arguments: Any) -> Iterable[Row]:
        statement = text(sql).columns(*table.columns)
        return (await self.db.execute(statement, _params(arguments))).mappings().all()

    async def _write(self, sql: str, *arguments: Any) -> int:
        return int((await self.db.execute(text(sql), _params(arguments))).rowcount)  # type: ignore[attr-defined]


def _params(arguments: tuple[Any, ...]) -> dict[str, Any]:
    return {f"p{n}": value for n, value in enumerate(arguments, start=1)}


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded objects usable after commit."""
    return async_sessionmaker(engine, expire_on_commit=False)
