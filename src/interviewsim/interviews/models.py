"""Tables: interview sessions, their messages, and their evaluations; each owned by a user."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from interviewsim.storage.base import Base
from interviewsim.storage.types import UTCDateTime, utcnow


class InterviewSession(Base):
    """One interview: what the candidate chose and where the flow stands."""

    __tablename__ = "interview_sessions"
    __table_args__ = (Index("ix_interview_sessions_user_created", "user_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(128))
    domain: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(200))
    interview_type: Mapped[str] = mapped_column(String(20))
    difficulty: Mapped[str] = mapped_column(String(20))
    duration: Mapped[int] = mapped_column(Integer)
    voice_style: Mapped[str] = mapped_column(String(10))
    job_description: Mapped[str | None] = mapped_column(Text, default=None)
    resume: Mapped[str | None] = mapped_column(Text, default=None)
    seed: Mapped[int] = mapped_column(Integer)
    phase: Mapped[str] = mapped_column(String(20))
    warmup_exchanges: Mapped[int] = mapped_column(Integer, default=0)
    questions_asked: Mapped[int] = mapped_column(Integer, default=0)
    questions_planned: Mapped[int] = mapped_column(Integer)
    consecutive_rude: Mapped[int] = mapped_column(Integer, default=0)
    ended_by: Mapped[str | None] = mapped_column(String(20), default=None)
    score: Mapped[int | None] = mapped_column(Integer, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # A drill re-asks one question of an earlier interview: which interview, and which of its core questions (from 0).
    drill_of: Mapped[str | None] = mapped_column(String(36), default=None)
    drill_question: Mapped[int | None] = mapped_column(Integer, default=None)

    messages: Mapped[list[Message]] = relationship(
        back_populates="session", order_by="Message.seq", cascade="all, delete-orphan", lazy="raise"
    )


class Message(Base):
    """One turn of the transcript."""

    __tablename__ = "messages"
    __table_args__ = (UniqueConstraint("session_id", "seq", name="uq_messages_session_seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("interview_sessions.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(10))
    text: Mapped[str] = mapped_column(Text)
    voice_text: Mapped[str | None] = mapped_column(Text, default=None)
    kind: Mapped[str | None] = mapped_column(String(30), default=None)
    question_id: Mapped[str | None] = mapped_column(String(80), default=None)
    provider: Mapped[str | None] = mapped_column(String(40), default=None)
    usage: Mapped[dict[str, int] | None] = mapped_column(JSON, default=None)  # vendor token counts
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # How a spoken answer was delivered (speech.delivery.Delivery, measured by the server); None when typed.
    delivery: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    # A reply the candidate talked over before it finished (the live voice loop sets it).
    interrupted: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    session: Mapped[InterviewSession] = relationship(back_populates="messages", lazy="raise")


class EvaluationRecord(Base):
    """The stored evaluation of an interview, computed once."""

    __tablename__ = "evaluations"

    session_id: Mapped[str] = mapped_column(ForeignKey("interview_sessions.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(128), index=True)
    evaluator: Mapped[str] = mapped_column(String(40))
    score: Mapped[int] = mapped_column(Integer)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    usage: Mapped[dict[str, int] | None] = mapped_column(JSON, default=None)  # vendor token counts
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ShareLink(Base):
    """A read-only link to one interview's report, opted into by its owner; revocable and expiring."""

    __tablename__ = "share_links"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)  # SHA-256 of the token; never the token
    session_id: Mapped[str] = mapped_column(ForeignKey("interview_sessions.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
