"""The repository, on both drivers (asyncpg on PostgreSQL, aiosqlite on a SQLite file): same rows, same rules.

Rows are also held against SQLAlchemy's own reading and writing (the library of the migrations).
"""

from __future__ import annotations

import contextlib
import socket
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from starlette.datastructures import State

from interviewsim.errors import DatabaseUnavailable, TurnCollision
from interviewsim.interviews.models import EvaluationRecord, InterviewSession, Message
from interviewsim.interviews.repository import SESSIONS, InterviewRepository
from interviewsim.interviews.repository_asyncpg import AsyncpgInterviewRepository, one_statement
from interviewsim.interviews.repository_sqlite import SqliteInterviewRepository
from interviewsim.interviews.stores import open_repository
from interviewsim.storage.db import create_engine, migrate
from interviewsim.storage.postgres import asyncpg_dsn, create_pool
from interviewsim.storage.sqlite import SqliteDatabase, sqlite_file
from interviewsim.storage.types import utcnow
from tests.support.databases import new_interview, terminate_other_backends
from tests.support.sqlalchemy_repository import SqlAlchemyInterviewRepository, session_factory


@contextlib.asynccontextmanager
async def app_storage(database_url: str) -> AsyncIterator[State]:
    """The storage the app's lifespan sets up: a migrated engine, its sessions and the raw driver's pool."""
    engine = create_engine(database_url)
    await migrate(engine)
    dsn, path = asyncpg_dsn(database_url), sqlite_file(database_url)
    state = State(
        {
            "session_factory": session_factory(engine),
            "pg_pool": dsn and await create_pool(dsn, max_size=4),
            "sqlite": path and SqliteDatabase(path),
        }
    )
    try:
        yield state
    finally:
        if state.pg_pool is not None:
            await state.pg_pool.close()
        if state.sqlite is not None:
            await state.sqlite.close()
        await engine.dispose()


async def test_each_database_gets_its_driver(database_url: str) -> None:
    async with app_storage(database_url) as state, open_repository(state) as repository:
        expected = AsyncpgInterviewRepository if "postgresql" in database_url else SqliteInterviewRepository
        assert type(repository) is expected


async def test_the_raw_drivers_read_and_write_exactly_what_sqlalchemy_does(database_url: str) -> None:
    """Rows written by SQLAlchemy read back the same through the raw driver, and the other way round."""
    when = datetime(2026, 11, 24, 6, 30, 1, 250_000, tzinfo=UTC)
    by_sqlalchemy, by_driver = new_interview("alice"), new_interview("alice")
    for interview in (by_sqlalchemy, by_driver):
        interview.created_at, interview.ended_at, interview.ended_by = when, when + timedelta(minutes=20), "manual"
    async with app_storage(database_url) as state:
        async with state.session_factory() as db:
            await _write_transcript(SqlAlchemyInterviewRepository(db), by_sqlalchemy, when)
        async with open_repository(state) as repository:
            await _write_transcript(repository, by_driver, when)

        for reader in ("sqlalchemy", "driver"):
            for written in (by_sqlalchemy, by_driver):
                session, messages, listed = await _read(state, reader, written.id)
                assert _kept(session, messages) == _kept(written, _transcript(when)), (reader, written.id)
                assert set(listed) == {by_sqlalchemy.id, by_driver.id}


def _transcript(when: datetime) -> list[Message]:
    """The messages the round-trip test writes."""
    return [
        Message(
            seq=1,
            role="assistant",
            text="Hi",
            voice_text="Hi",
            kind="greeting",
            usage={"input_tokens": 9},
            created_at=when,
        ),
        Message(seq=2, role="user", text="Héllo — ok", voice_text=None, kind=None, usage=None, created_at=when),
    ]


_MESSAGE_FIELDS = ("role", "text", "voice_text", "kind", "usage", "created_at")


async def _write_transcript(repository: InterviewRepository, interview: InterviewSession, when: datetime) -> None:
    await repository.add_session(interview)
    for message in _transcript(when):
        fields = {name: getattr(message, name) for name in _MESSAGE_FIELDS}
        await repository.append_message(interview.id, message.seq, **fields)
    await repository.commit()


async def _read(state: State, reader: str, interview_id: str) -> tuple[InterviewSession, list[Message], list[str]]:
    """An interview, its transcript and the user's listed ids, read through SQLAlchemy or the app's raw driver."""
    async with contextlib.AsyncExitStack() as stack:
        if reader == "sqlalchemy":
            repository: InterviewRepository = SqlAlchemyInterviewRepository(
                await stack.enter_async_context(state.session_factory())
            )
        else:
            repository = await stack.enter_async_context(open_repository(state))
        session = await repository.get_session(interview_id, "alice")
        messages = await repository.messages(interview_id)
        listed = [listed.id for listed in await repository.list_sessions("alice", limit=10)]
    assert session is not None
    return session, messages, listed


def _kept(session: InterviewSession, messages: list[Message]) -> tuple[dict[str, object], list[tuple[object, ...]]]:
    """What must survive the round trip: every column but the id, each message's fields (timestamps exact)."""
    columns = {name: getattr(session, name) for name in SESSIONS.columns.keys() if name != "id"}  # noqa: SIM118
    rows = [(m.seq, m.role, m.text, m.voice_text, m.kind, m.usage, m.created_at) for m in messages]
    return columns, rows


async def test_an_interrupted_reply_is_stored_as_heard_by_every_writer(database_url: str) -> None:
    """The cut interviewer message keeps only what was heard and is marked; other rows are untouched."""
    when = datetime(2026, 11, 24, 6, 30, 1, tzinfo=UTC)
    by_sqlalchemy, by_driver = new_interview("alice"), new_interview("alice")
    async with app_storage(database_url) as state:
        async with state.session_factory() as db:
            writer: InterviewRepository = SqlAlchemyInterviewRepository(db)
            await _write_transcript(writer, by_sqlalchemy, when)
            assert await writer.mark_interrupted(by_sqlalchemy.id, 1, "H...")
            assert not await writer.mark_interrupted(by_sqlalchemy.id, 2, "not an interviewer message")
            await writer.commit()
        async with open_repository(state) as repository:
            await _write_transcript(repository, by_driver, when)
            assert await repository.mark_interrupted(by_driver.id, 1, "H...")
            assert not await repository.mark_interrupted(by_driver.id, 2, "not an interviewer message")
            assert not await repository.mark_interrupted(by_driver.id, 9, "no such message")
            await repository.commit()
        for reader in ("sqlalchemy", "driver"):
            for written in (by_sqlalchemy, by_driver):
                _, messages, _ = await _read(state, reader, written.id)
                cut, answer = messages
                assert (cut.text, cut.voice_text, cut.interrupted) == ("H...", "H...", True), (reader, written.id)
                assert (answer.text, answer.interrupted) == ("Héllo — ok", False)


async def test_commit_writes_what_the_flow_changed_and_leaves_untouched_rows_alone(database_url: str) -> None:
    async with app_storage(database_url) as state:
        changed, untouched = new_interview("alice"), new_interview("alice")
        async with open_repository(state) as repository:
            await repository.add_session(changed)
            await repository.add_session(untouched)
            await repository.commit()

        async with open_repository(state) as repository:
            loaded = await repository.get_session(changed.id, "alice", for_update=True)
            other = await repository.get_session(untouched.id, "alice")
            assert loaded is not None and other is not None
            loaded.phase, loaded.questions_asked = "core", 1
            await repository.commit()

        async with open_repository(state) as repository:
            after = await repository.get_session(changed.id, "alice")
            other_after = await repository.get_session(untouched.id, "alice")
            assert await repository.get_session(changed.id, "bob") is None  # never another user's interview
        assert after is not None and other_after is not None
        assert (after.phase, after.questions_asked) == ("core", 1)
        assert after.updated_at > changed.created_at
        assert other_after.updated_at == untouched.updated_at  # no write: it stays out of "recently active"


async def test_every_column_round_trips_with_its_type(database_url: str) -> None:
    interview = new_interview("alice")
    interview.job_description, interview.resume = "Build APIs — ünïcode", None
    usage = {"input_tokens": 1200, "output_tokens": 80}
    payload = {"summary": "Solid", "scores": {"overall": 71}, "strengths": ["metrics"], "pass": True}
    async with app_storage(database_url) as state:
        async with open_repository(state) as repository:
            await repository.add_session(interview)
            await repository.append_message(interview.id, 1, role="assistant", text="Hi", kind="greeting", usage=usage)
            await repository.append_message(interview.id, 2, role="user", text="Hello")
            record = EvaluationRecord(
                session_id=interview.id,
                user_id="alice",
                evaluator="gemini",
                score=71,
                payload=payload,
                usage=None,
                created_at=utcnow(),
            )
            await repository.add_evaluation(record)
            await repository.commit()

        async with open_repository(state) as repository:
            loaded = await repository.get_session(interview.id, "alice")
            messages = await repository.messages(interview.id)
            evaluation = await repository.get_evaluation(interview.id)
            listed = await repository.list_sessions("alice", limit=10)
    assert loaded is not None and evaluation is not None
    for name in ("domain", "job_description", "resume", "seed", "phase", "duration", "warmup_exchanges", "score"):
        assert getattr(loaded, name) == getattr(interview, name), name
    # Timestamps come back aware, in UTC, to the microsecond.
    assert loaded.created_at == interview.created_at and loaded.created_at.tzinfo is not None
    assert loaded.created_at.utcoffset() == timedelta(0) and loaded.ended_at is None
    assert [(m.seq, m.role, m.text, m.kind, m.usage) for m in messages] == [
        (1, "assistant", "Hi", "greeting", usage),
        (2, "user", "Hello", None, None),
    ]
    assert all(isinstance(m.created_at, datetime) and m.created_at.tzinfo is not None for m in messages)
    assert (evaluation.payload, evaluation.usage, evaluation.score) == (payload, None, 71)
    assert [s.id for s in listed] == [interview.id]


async def test_columns_left_out_take_the_models_defaults(database_url: str) -> None:
    interview = new_interview("alice")
    for name in ("warmup_exchanges", "questions_asked", "consecutive_rude"):
        delattr(interview, name)
    async with app_storage(database_url) as state:
        async with open_repository(state) as repository:
            await repository.add_session(interview)
            await repository.commit()
        async with open_repository(state) as repository:
            loaded = await repository.get_session(interview.id, "alice")
    assert loaded is not None
    assert (loaded.warmup_exchanges, loaded.questions_asked, loaded.consecutive_rude, loaded.score) == (0, 0, 0, None)


async def test_a_failed_request_leaves_no_trace(database_url: str) -> None:
    interview = new_interview("alice")
    async with app_storage(database_url) as state:
        async with open_repository(state) as repository:
            await repository.add_session(interview)
            await repository.commit()
        async with open_repository(state) as repository:
            loaded = await repository.get_session(interview.id, "alice", for_update=True)
            assert loaded is not None
            await repository.append_message(interview.id, 1, role="user", text="lost")
            loaded.questions_asked = 5
            await repository.rollback()
        async with open_repository(state) as repository:
            assert await repository.messages(interview.id) == []
            again = await repository.get_session(interview.id, "alice")
    assert again is not None and again.questions_asked == 0


async def _greeted_interview(state: State) -> InterviewSession:
    """A stored interview of alice's whose transcript holds the interviewer's greeting, number 1."""
    interview = new_interview("alice")
    async with open_repository(state) as repository:
        await repository.add_session(interview)
        await repository.append_message(interview.id, 1, role="assistant", text="Hi")
        await repository.commit()
    return interview


async def test_a_turns_writes_are_kept_together_or_not_at_all(database_url: str) -> None:
    async with app_storage(database_url) as state:
        interview = await _greeted_interview(state)
        async with open_repository(state) as repository:
            loaded = await repository.get_session(interview.id, "alice", for_update=True)
            assert loaded is not None
            await repository.append_message(interview.id, 2, role="user", text="kept?")
            loaded.questions_asked = 4
            with pytest.raises(TurnCollision):  # at the commit: the answer and the progress are not kept either
                await repository.append_message(interview.id, 1, role="assistant", text="a turn written twice")
                await repository.commit()
            await repository.rollback()
        async with open_repository(state) as repository:
            assert [m.text for m in await repository.messages(interview.id)] == ["Hi"]
            again = await repository.get_session(interview.id, "alice")
    assert again is not None and again.questions_asked == 0


async def test_two_turns_numbered_alike_the_second_to_commit_is_a_turn_collision(database_url: str) -> None:
    """What the turn lock prevents, should it not hold (processes sharing no Redis): the second is refused whole."""
    async with app_storage(database_url) as state:
        interview = await _greeted_interview(state)
        async with open_repository(state) as first, open_repository(state) as second:
            mine = await first.get_session(interview.id, "alice", for_update=True)
            theirs = await second.get_session(interview.id, "alice", for_update=True)
            assert mine is not None and theirs is not None
            assert len(await first.messages(interview.id)) == len(await second.messages(interview.id)) == 1
            await first.append_message(interview.id, 2, role="user", text="first")
            mine.questions_asked = 1
            await second.append_message(interview.id, 2, role="user", text="second")
            theirs.questions_asked = 9
            await first.commit()
            with pytest.raises(TurnCollision) as raised:
                await second.commit()
            assert (raised.value.status, raised.value.code) == (409, "turn_collision")
            await second.rollback()
        async with open_repository(state) as repository:
            assert [m.text for m in await repository.messages(interview.id)] == ["Hi", "first"]
            again = await repository.get_session(interview.id, "alice")
    assert again is not None and again.questions_asked == 1


async def test_pending_writes_are_seen_by_later_reads_and_a_new_interviews_progress_is_kept(
    database_url: str,
) -> None:
    interview = new_interview("alice")
    async with app_storage(database_url) as state:
        async with open_repository(state) as repository:
            await repository.add_session(interview)
            await repository.append_message(interview.id, 1, role="assistant", text="Hi")
            assert [m.text for m in await repository.messages(interview.id)] == ["Hi"]  # before the commit
            interview.questions_asked = 2  # changed after its insert, in the same transaction
            await repository.append_message(interview.id, 2, role="user", text="Hello")
            await repository.commit()
        unread = new_interview("alice")
        async with open_repository(state) as repository:
            await repository.add_session(unread)
            unread.questions_asked = 3  # no read in between: its insert is still pending
            await repository.commit()
        async with open_repository(state) as repository:
            loaded = await repository.get_session(interview.id, "alice")
            assert [m.text for m in await repository.messages(interview.id)] == ["Hi", "Hello"]
            loaded_unread = await repository.get_session(unread.id, "alice")
    assert loaded is not None and loaded.questions_asked == 2
    assert loaded_unread is not None and loaded_unread.questions_asked == 3


def test_writes_become_one_statement_with_renumbered_parameters() -> None:
    sql, arguments = one_statement(
        [("INSERT INTO m (a, b) VALUES ($1, $2)", [1, 2]), ("UPDATE s SET c = $1 WHERE id = $2", [3, "x"])]
    )
    assert sql == "WITH w0 AS (INSERT INTO m (a, b) VALUES ($1, $2)) UPDATE s SET c = $3 WHERE id = $4"
    assert arguments == [1, 2, 3, "x"]
    assert one_statement([("DELETE FROM t WHERE id = $1", [7])]) == ("DELETE FROM t WHERE id = $1", [7])


async def test_a_connection_dropped_mid_transaction_is_a_clear_503_and_the_pool_recovers(postgres_url: str) -> None:
    dsn = asyncpg_dsn(postgres_url)
    assert dsn is not None
    async with app_storage(postgres_url) as state:
        interview = new_interview("alice")
        async with open_repository(state) as repository:
            await repository.add_session(interview)
            await repository.commit()
        async with open_repository(state) as repository:
            assert await repository.get_session(interview.id, "alice", for_update=True) is not None
            assert await terminate_other_backends(dsn) >= 1  # the transaction's connection among them
            with pytest.raises(DatabaseUnavailable) as raised:
                await repository.messages(interview.id)
            error = raised.value
            assert (error.status, error.code, error.retry_after) == (503, "database_unavailable", 1)
            await repository.rollback()  # nothing to undo on a dead connection, and no error either
        async with open_repository(state) as repository:
            assert await repository.get_session(interview.id, "alice") is not None


async def test_an_unreachable_database_is_a_clear_503() -> None:
    with contextlib.closing(socket.socket()) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # nothing listens here once the probe closes
    pool = await create_pool(f"postgresql://postgres@127.0.0.1:{port}/test", max_size=1)
    try:
        with pytest.raises(DatabaseUnavailable):
            await AsyncpgInterviewRepository(pool).messages("any")
    finally:
        await pool.close()


async def test_no_connection_is_held_between_transactions(postgres_url: str) -> None:
    """While a provider works between the answer's commit and the reply's, the pool has the connection back."""
    async with app_storage(postgres_url) as state:
        interview = new_interview("alice")
        async with open_repository(state) as repository:
            await repository.add_session(interview)
            # The insert waits for the commit, which sends every write as one statement: nothing is held meanwhile.
            assert state.pg_pool.get_idle_size() == state.pg_pool.get_size()
            await repository.commit()
            assert state.pg_pool.get_idle_size() == state.pg_pool.get_size()
            await repository.messages(interview.id)  # a plain read borrows a connection and returns it
            assert state.pg_pool.get_idle_size() == state.pg_pool.get_size()
        async with open_repository(state) as repository:
            # A turn keeps one connection from its first read to its commit, with no transaction of its own.
            loaded = await repository.get_session(interview.id, "alice", for_update=True)
            assert loaded is not None
            await repository.messages(interview.id)
            assert state.pg_pool.get_size() - state.pg_pool.get_idle_size() == 1
            assert isinstance(repository, AsyncpgInterviewRepository) and repository._connection is not None
            assert not repository._connection.is_in_transaction()
            await repository.append_message(interview.id, 1, role="user", text="an answer")
            loaded.questions_asked = 1
            await repository.commit()
            assert state.pg_pool.get_idle_size() == state.pg_pool.get_size()


def test_sqlalchemy_urls_become_asyncpg_dsns() -> None:
    assert asyncpg_dsn("sqlite+aiosqlite:///x.db") is None
    assert asyncpg_dsn("postgresql+asyncpg://u:p%40ss@db:5432/app?ssl=require") == (
        "postgresql://u:p%40ss@db:5432/app?sslmode=require"
    )
    assert asyncpg_dsn("postgresql://u@db/app") == "postgresql://u@db/app"


@pytest.mark.parametrize("url", ["sqlite+aiosqlite:///:memory:", "sqlite+aiosqlite://"])
def test_an_in_memory_database_is_refused_with_a_clear_message(url: str, tmp_path: Path) -> None:
    from interviewsim.config import Settings

    with pytest.raises(ValueError, match="in-memory SQLite database is not supported"):
        Settings(data_dir=tmp_path, database_url=url)  # type: ignore[call-arg]


async def test_active_interviews_are_counted_the_same_by_every_reader(database_url: str) -> None:
    """The metrics gauge and /readyz run on the app's own driver, not on a second engine."""
    async with app_storage(database_url) as state:
        running, ended, stale = new_interview("alice"), new_interview("alice"), new_interview("bob")
        ended.phase = "ended"
        stale.created_at = utcnow() - timedelta(days=3)
        async with open_repository(state) as repository:
            for interview in (running, ended, stale):
                await repository.add_session(interview)
            await repository.commit()
            await repository.ping()
        since = utcnow() - timedelta(days=1)
        async with open_repository(state) as repository:
            by_driver = await repository.count_active(since)
        async with state.session_factory() as db:
            by_sqlalchemy = await SqlAlchemyInterviewRepository(db).count_active(since)
    assert by_driver == by_sqlalchemy == 1
