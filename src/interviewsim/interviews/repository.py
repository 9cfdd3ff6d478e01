"""All storage of interviews: sessions, messages and evaluations, always scoped to a user.

An interview turn is a handful of primary-key reads and inserts, and the database layer's own
CPU was most of the turn's (bench/RESULTS.md). So the rows are plain mappings read and written
by two small drivers behind this one class: raw asyncpg on PostgreSQL (repository_asyncpg) and
raw aiosqlite on a SQLite file (repository_aiosqlite). They share the SQL text built here from
the table definitions (SQLAlchemy is kept for Alembic's schema and migrations only). Rows come
back as the mapped classes, detached from any ORM session, and are written back only through
the methods below.
"""

from __future__ import annotations

import functools
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar

from sqlalchemy import Column, Integer, Table
from sqlalchemy.orm import configure_mappers
from sqlalchemy.orm.instrumentation import ClassManager, manager_of_class
from sqlalchemy.sql.schema import CallableColumnDefault, ScalarElementColumnDefault

from interviewsim.interviews.domain import Phase
from interviewsim.interviews.models import EvaluationRecord, InterviewSession, Message, ShareLink
from interviewsim.storage.base import Base
from interviewsim.storage.types import utcnow

if TYPE_CHECKING:
    from _typeshed import SupportsKeysAndGetItem

SESSIONS: Table = Base.metadata.tables["interview_sessions"]
MESSAGES: Table = Base.metadata.tables["messages"]
EVALUATIONS: Table = Base.metadata.tables["evaluations"]
SHARE_LINKS: Table = Base.metadata.tables["share_links"]
TABLES = (SESSIONS, MESSAGES, EVALUATIONS, SHARE_LINKS)

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

# The unique constraint on a transcript's numbering (models.Message).
TRANSCRIPT_SEQ_CONSTRAINT = "uq_messages_session_seq"

MESSAGE_COLUMNS = tuple(column.name for column in MESSAGES.columns if column.name != "id")

PROGRESS_WRITTEN = (*PROGRESS_COLUMNS, "updated_at")

# A row by column name: SQLAlchemy's RowMapping, asyncpg's Record or a dict.
Row: TypeAlias = "SupportsKeysAndGetItem[str, Any]"
M = TypeVar("M", bound=Base)
# The marker of a statement's n-th parameter (from 1) in a driver's style: "$1" or "?".
Placeholder = Callable[[int], str]


@functools.cache
def inserted_columns(table: Table) -> tuple[Column[Any], ...]:
    """Every column but a serial primary key, which the database numbers."""
    return tuple(c for c in table.columns if not (c.primary_key and isinstance(c.type, Integer)))


def column_default(column: Column[Any]) -> Any:
    """The model's Python-side default for a column left out of an insert (as SQLAlchemy applies it)."""
    default = column.default
    if isinstance(default, CallableColumnDefault):
        return default.arg(None)  # type: ignore[arg-type]  # a plain function, wrapped to accept a context
    if isinstance(default, ScalarElementColumnDefault):
        return default.arg
    return None


def insert_values(table: Table, values: dict[str, Any]) -> list[Any]:
    """An INSERT's arguments in `inserted_columns` order; a column missing from `values` takes its default."""
    return [values[c.name] if c.name in values else column_default(c) for c in inserted_columns(table)]


def _select_from(table: Table) -> str:
    return f"SELECT {', '.join(column.name for column in table.columns)} FROM {table.name}"


class RawSql:
    """The repository's statements as SQL text, for a driver that takes SQL as it is."""

    def __init__(self, placeholder: Placeholder) -> None:
        p = placeholder
        self.owned_session = f"{_select_from(SESSIONS)} WHERE id = {p(1)} AND user_id = {p(2)}"
        self.sessions_of_user = (
            f"{_select_from(SESSIONS)} WHERE user_id = {p(1)} ORDER BY created_at DESC, id LIMIT {p(2)} OFFSET {p(3)}"
        )
        self.transcript = f"{_select_from(MESSAGES)} WHERE session_id = {p(1)} ORDER BY seq"
        self.evaluation = f"{_select_from(EVALUATIONS)} WHERE session_id = {p(1)}"
        self.inserts = {table.name: _insert_into(table, p) for table in TABLES}
        # Arguments: the PROGRESS_WRITTEN values, then the interview's id.
        assignments = ", ".join(f"{name} = {p(n)}" for n, name in enumerate(PROGRESS_WRITTEN, start=1))
        self.save_progress = f"UPDATE {SESSIONS.name} SET {assignments} WHERE id = {p(len(PROGRESS_WRITTEN) + 1)}"
        # Arguments: the text heard (twice), True, the interview's id, the message's seq (an interviewer message only).
        self.mark_interrupted = (
            f"UPDATE {MESSAGES.name} SET text = {p(1)}, voice_text = {p(2)}, interrupted = {p(3)} "
            f"WHERE session_id = {p(4)} AND seq = {p(5)} AND role = 'assistant'"
        )
        self.active_sessions = f"SELECT count(*) FROM {SESSIONS.name} WHERE phase != {p(1)} AND updated_at >= {p(2)}"
        self.evaluations_of_user = f"{_select_from(EVALUATIONS)} WHERE user_id = {p(1)} ORDER BY created_at"
        self.share_link = f"{_select_from(SHARE_LINKS)} WHERE token_hash = {p(1)}"
        self.revoke_share_links = (
            f"UPDATE {SHARE_LINKS.name} SET revoked_at = {p(1)} "
            f"WHERE session_id = {p(2)} AND user_id = {p(3)} AND revoked_at IS NULL"
        )
        self.ping = "SELECT 1"


def _insert_into(table: Table, placeholder: Placeholder) -> str:
    columns = inserted_columns(table)
    markers = ", ".join(placeholder(n) for n in range(1, len(columns) + 1))
    return f"INSERT INTO {table.name} ({', '.join(c.name for c in columns)}) VALUES ({markers})"


def loaded(cls: type[M], row: Row) -> M:
    """An instance of a mapped class holding a row's values, built as the ORM loads rows.

    The mapped constructor sends every value through an instrumented setter with its events:
    29 µs for a message against 3 µs here, and a turn builds the whole transcript (bench/RESULTS.md).
    """
    instance: M = _class_manager(cls).new_instance()
    instance.__dict__.update(row)
    return instance


@functools.cache
def _class_manager(cls: type[Base]) -> ClassManager[Any]:
    """The ORM's manager of a mapped class, its mappers configured (the constructor would otherwise do that)."""
    configure_mappers()
    return manager_of_class(cls)


def _columns(table: Table, obj: object) -> dict[str, Any]:
    """The values of `obj` for every column of `table` that it has set."""
    return {column.name: getattr(obj, column.name) for column in table.columns if column.name in vars(obj)}


class InterviewRepository(ABC):
    """Reads and writes interview rows inside one request's transaction."""

    def __init__(self) -> None:
        # Each interview read or added here, with its progress as last read or written: commit()
        # writes whatever the flow changed since, so no caller can forget to.
        self._tracked: dict[str, tuple[InterviewSession, tuple[Any, ...]]] = {}

    async def add_session(self, session: InterviewSession) -> None:
        """Insert a new interview."""
        session.updated_at = session.created_at
        await self._insert(SESSIONS, _columns(SESSIONS, session))
        self._tracked[session.id] = (session, _progress(session))

    async def get_session(self, session_id: str, user_id: str, *, for_update: bool = False) -> InterviewSession | None:
        """The user's interview, or None when it does not exist or belongs to someone else."""
        row = await self._session_row(session_id, user_id, for_update=for_update)
        if row is None:
            return None
        session = loaded(InterviewSession, row)
        self._tracked[session.id] = (session, _progress(session))
        return session

    async def list_sessions(self, user_id: str, limit: int, offset: int = 0) -> list[InterviewSession]:
        """The user's interviews, newest first."""
        return [loaded(InterviewSession, row) for row in await self._session_rows(user_id, limit, offset)]

    async def messages(self, session_id: str) -> list[Message]:
        """The transcript in order."""
        return [loaded(Message, row) for row in await self._transcript_rows(session_id)]

    async def append_message(self, session_id: str, seq: int, **fields: Any) -> Message:
        """Insert a turn as number `seq` of the transcript.

        The caller knows `seq` from the transcript it loaded under the turn lock; should two turns
        still race (processes sharing no Redis), the `(session_id, seq)` unique constraint rejects
        the second at its commit with TurnCollision.
        """
        given = fields | {"session_id": session_id, "seq": seq}
        values = {name: given[name] if name in given else column_default(MESSAGES.c[name]) for name in MESSAGE_COLUMNS}
        values["created_at"] = values["created_at"] or utcnow()
        await self._insert(MESSAGES, values)
        return loaded(Message, values)

    async def mark_interrupted(self, session_id: str, seq: int, spoken: str) -> bool:
        """Store interviewer message `seq` as the words spoken before the candidate cut in; False if there is none."""
        return await self._write(self._sql.mark_interrupted, spoken, spoken, True, session_id, seq) > 0

    async def get_evaluation(self, session_id: str) -> EvaluationRecord | None:
        """The stored evaluation of an interview, if any."""
        row = await self._evaluation_row(session_id)
        return None if row is None else loaded(EvaluationRecord, row)

    async def add_evaluation(self, record: EvaluationRecord) -> None:
        """Store an interview's evaluation."""
        await self._insert(EVALUATIONS, _columns(EVALUATIONS, record))

    async def evaluations_of_user(self, user_id: str) -> list[EvaluationRecord]:
        """Every stored evaluation of the user's interviews, oldest first."""
        return [
            EvaluationRecord(**row) for row in await self._rows(EVALUATIONS, self._sql.evaluations_of_user, user_id)
        ]

    async def add_share_link(self, link: ShareLink) -> None:
        """Store a share link (by its token's hash)."""
        await self._insert(SHARE_LINKS, _columns(SHARE_LINKS, link))

    async def share_link(self, token_hash: str) -> ShareLink | None:
        """The share link with this token hash, revoked and expired ones included."""
        rows = list(await self._rows(SHARE_LINKS, self._sql.share_link, token_hash))
        return ShareLink(**rows[0]) if rows else None

    async def revoke_share_links(self, session_id: str, user_id: str, when: datetime) -> None:
        """Revoke every live share link of the user's interview."""
        await self._write(self._sql.revoke_share_links, when, session_id, user_id)

    async def commit(self) -> None:
        """Write what the interviews' flow changed, then make everything durable (an answer before a provider call)."""
        for session, saved in list(self._tracked.values()):
            progress = _progress(session)
            if progress != saved:
                session.updated_at = utcnow()
                values = dict(zip(PROGRESS_COLUMNS, progress, strict=True))
                await self._update_progress(session.id, {**values, "updated_at": session.updated_at})
                self._tracked[session.id] = (session, progress)
        await self._commit()

    async def count_active(self, since: datetime) -> int:
        """Interviews not ended and touched since `since` (abandoned ones stop counting)."""
        return int(await self._scalar(self._sql.active_sessions, Phase.ENDED.value, since) or 0)

    async def ping(self) -> None:
        """Raise DatabaseUnavailable unless the database answers a trivial query."""
        await self._scalar(self._sql.ping)

    @abstractmethod
    async def rollback(self) -> None:
        """Undo what was not committed (the request failed or was cancelled)."""

    @abstractmethod
    async def release(self) -> None:
        """Give the connection back; a transaction still open is rolled back."""

    # The driver's part: one statement each, in the request's transaction.
    @abstractmethod
    async def _insert(self, table: Table, values: dict[str, Any]) -> None:
        """Insert one row of `table`; columns missing from `values` take their defaults."""

    @abstractmethod
    async def _session_row(self, session_id: str, user_id: str, *, for_update: bool) -> Row | None:
        """The user's interview row; `for_update` when this request goes on to write it and commit."""

    @abstractmethod
    async def _session_rows(self, user_id: str, limit: int, offset: int) -> Iterable[Row]:
        """The user's interview rows, newest first."""

    @abstractmethod
    async def _transcript_rows(self, session_id: str) -> Iterable[Row]:
        """The message rows of an interview, in order."""

    @abstractmethod
    async def _evaluation_row(self, session_id: str) -> Row | None:
        """The evaluation row of an interview."""

    @abstractmethod
    async def _update_progress(self, session_id: str, values: dict[str, Any]) -> None:
        """Write the progress columns (and updated_at) of one interview."""

    @abstractmethod
    async def _rows(self, table: Table, sql: str, *arguments: Any) -> Iterable[Row]:
        """The rows of `table` a read-only statement selects."""

    @abstractmethod
    async def _write(self, sql: str, *arguments: Any) -> int:
        """Run one UPDATE or DELETE in the transaction, after the writes already pending; the rows it changed."""

    @property
    @abstractmethod
    def _sql(self) -> RawSql:
        """The statements in this driver's placeholder style."""

    @abstractmethod
    async def _scalar(self, sql: str, *arguments: Any) -> Any:
        """The first column of the first row of a read-only statement."""

    @abstractmethod
    async def _commit(self) -> None:
        """Commit the transaction, if one is open."""


def _progress(session: InterviewSession) -> tuple[Any, ...]:
    return tuple(getattr(session, name) for name in PROGRESS_COLUMNS)
