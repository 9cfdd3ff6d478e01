"""All SQL for interviews: sessions, messages and evaluations, always scoped to a user.

The statements are built once and run as Core SQL with bound parameters: an interview turn is
a handful of primary-key reads and inserts, and the ORM's unit of work cost more CPU than the
rest of the turn (bench/RESULTS.md). Rows come back as the mapped classes, detached from any
ORM session, and are written back only through the methods below.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from interviewsim.interviews.models import EvaluationRecord, InterviewSession, Message
from interviewsim.storage.base import Base
from interviewsim.storage.db import before_write
from interviewsim.storage.types import utcnow

SESSIONS: Table = Base.metadata.tables["interview_sessions"]
MESSAGES: Table = Base.metadata.tables["messages"]
EVALUATIONS: Table = Base.metadata.tables["evaluations"]

# The columns an interview turn changes; everything else is fixed when the interview starts.
PROGRESS_COLUMNS = (
    "voice_style",
    "phase",
    "warmup_exchanges",
    "questions_asked",
    "consecutive_rude",
    "ended_by",
    "ended_at",
    "score",
)

_OWNED_SESSION = select(SESSIONS).where(
    SESSIONS.c.id == bindparam("session_id"), SESSIONS.c.user_id == bindparam("user_id")
)
_OWNED_SESSION_FOR_UPDATE = _OWNED_SESSION.with_for_update()
_TRANSCRIPT = select(MESSAGES).where(MESSAGES.c.session_id == bindparam("session_id")).order_by(MESSAGES.c.seq)
_EVALUATION = select(EVALUATIONS).where(EVALUATIONS.c.session_id == bindparam("session_id"))
_INSERT_SESSION = insert(SESSIONS)
_INSERT_MESSAGE = insert(MESSAGES)
_INSERT_EVALUATION = insert(EVALUATIONS)
_SAVE_PROGRESS = update(SESSIONS).where(SESSIONS.c.id == bindparam("where_id"))

MESSAGE_COLUMNS = tuple(column.name for column in MESSAGES.columns if column.name != "id")


def _columns(table: Table, obj: object) -> dict[str, Any]:
    """The values of `obj` for every column of `table` that it has set."""
    return {column.name: getattr(obj, column.name) for column in table.columns if column.name in vars(obj)}


class InterviewRepository:
    """Reads and writes interview rows inside the request's transaction."""

    def __init__(self, db: AsyncSession) -> None:
        self.db = db
        # Each interview read or added here, with its progress as last read or written: commit()
        # writes whatever the flow changed since, so no caller can forget to.
        self._tracked: dict[str, tuple[InterviewSession, tuple[Any, ...]]] = {}

    async def add_session(self, session: InterviewSession) -> None:
        """Insert a new interview."""
        await before_write(self.db)
        session.updated_at = session.created_at
        await self.db.execute(_INSERT_SESSION, _columns(SESSIONS, session))
        self._tracked[session.id] = (session, _progress(session))

    async def get_session(self, session_id: str, user_id: str, *, for_update: bool = False) -> InterviewSession | None:
        """The user's interview, or None when it does not exist or belongs to someone else."""
        query = _OWNED_SESSION_FOR_UPDATE if for_update else _OWNED_SESSION
        row = (await self.db.execute(query, {"session_id": session_id, "user_id": user_id})).mappings().first()
        if row is None:
            return None
        session = InterviewSession(**row)
        self._tracked[session.id] = (session, _progress(session))
        return session

    async def list_sessions(self, user_id: str, limit: int, offset: int = 0) -> list[InterviewSession]:
        """The user's interviews, newest first."""
        query = (
            select(SESSIONS)
            .where(SESSIONS.c.user_id == user_id)
            .order_by(SESSIONS.c.created_at.desc(), SESSIONS.c.id)
            .limit(limit)
            .offset(offset)
        )
        return [InterviewSession(**row) for row in (await self.db.execute(query)).mappings()]

    async def messages(self, session_id: str) -> list[Message]:
        """The transcript in order."""
        rows = (await self.db.execute(_TRANSCRIPT, {"session_id": session_id})).mappings()
        return [Message(**row) for row in rows]

    async def append_message(self, session_id: str, seq: int, **fields: Any) -> Message:
        """Insert a turn as number `seq` of the transcript.

        The caller knows `seq` from the transcript it loaded under the session's row lock; the
        `(session_id, seq)` unique constraint still rejects a turn written twice.
        """
        values = dict.fromkeys(MESSAGE_COLUMNS) | fields | {"session_id": session_id, "seq": seq}
        await before_write(self.db)
        values["created_at"] = values["created_at"] or utcnow()
        await self.db.execute(_INSERT_MESSAGE, values)
        return Message(**values)

    async def get_evaluation(self, session_id: str) -> EvaluationRecord | None:
        """The stored evaluation of an interview, if any."""
        row = (await self.db.execute(_EVALUATION, {"session_id": session_id})).mappings().first()
        return None if row is None else EvaluationRecord(**row)

    async def add_evaluation(self, record: EvaluationRecord) -> None:
        """Store an interview's evaluation."""
        await before_write(self.db)
        await self.db.execute(_INSERT_EVALUATION, _columns(EVALUATIONS, record))

    async def commit(self) -> None:
        """Write what the interviews' flow changed, then make everything durable (an answer before a provider call)."""
        for session, saved in list(self._tracked.values()):
            progress = _progress(session)
            if progress != saved:
                await self._save_progress(session, progress)
        await self.db.commit()

    async def _save_progress(self, session: InterviewSession, progress: tuple[Any, ...]) -> None:
        await before_write(self.db)
        session.updated_at = utcnow()
        values = dict(zip(PROGRESS_COLUMNS, progress, strict=True))
        await self.db.execute(_SAVE_PROGRESS, {"where_id": session.id, "updated_at": session.updated_at, **values})
        self._tracked[session.id] = (session, progress)


def _progress(session: InterviewSession) -> tuple[Any, ...]:
    return tuple(getattr(session, name) for name in PROGRESS_COLUMNS)
