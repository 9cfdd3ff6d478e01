"""All SQL for interviews: sessions, messages and evaluations, always scoped to a user."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from interviewsim.interviews.models import EvaluationRecord, InterviewSession, Message


class InterviewRepository:
    """Reads and writes interview rows inside the request's transaction."""

    def __init__(self, db: AsyncSession) -> None:
        self.db = db

    async def add_session(self, session: InterviewSession) -> None:
        """Insert a new interview (written with the next flush or commit)."""
        self.db.add(session)

    async def get_session(self, session_id: str, user_id: str, *, for_update: bool = False) -> InterviewSession | None:
        """The user's interview, or None when it does not exist or belongs to someone else."""
        query = select(InterviewSession).where(InterviewSession.id == session_id, InterviewSession.user_id == user_id)
        if for_update:
            query = query.with_for_update()
        return (await self.db.execute(query)).scalar_one_or_none()

    async def list_sessions(self, user_id: str, limit: int, offset: int = 0) -> list[InterviewSession]:
        """The user's interviews, newest first."""
        query = (
            select(InterviewSession)
            .where(InterviewSession.user_id == user_id)
            .order_by(InterviewSession.created_at.desc(), InterviewSession.id)
            .limit(limit)
            .offset(offset)
        )
        return list((await self.db.execute(query)).scalars())

    async def messages(self, session_id: str) -> list[Message]:
        """The transcript in order."""
        query = select(Message).where(Message.session_id == session_id).order_by(Message.seq)
        return list((await self.db.execute(query)).scalars())

    def append_message(self, session_id: str, seq: int, **fields: Any) -> Message:
        """Add a turn as number `seq` of the transcript (written with the next flush or commit).

        The caller knows `seq` from the transcript it loaded under the session's row lock; the
        `(session_id, seq)` unique constraint still rejects a turn written twice.
        """
        message = Message(session_id=session_id, seq=seq, **fields)
        self.db.add(message)
        return message

    async def get_evaluation(self, session_id: str) -> EvaluationRecord | None:
        """The stored evaluation of an interview, if any."""
        return await self.db.get(EvaluationRecord, session_id)

    def add_evaluation(self, record: EvaluationRecord) -> None:
        """Store an interview's evaluation (written with the next flush or commit)."""
        self.db.add(record)

    async def commit(self) -> None:
        """Make what is written so far durable (the candidate's answer before a provider call)."""
        await self.db.commit()
