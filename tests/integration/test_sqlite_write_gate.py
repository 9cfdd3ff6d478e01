"""SQLite on the event loop: writers take turns at the write gate in arrival order and never block the loop."""

from __future__ import annotations

import asyncio
import itertools
import sqlite3
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from interviewsim.errors import DatabaseUnavailable
from interviewsim.interviews.repository_sqlite import SqliteInterviewRepository
from interviewsim.storage import sqlite as sqlite_storage
from interviewsim.storage.db import create_engine, migrate
from interviewsim.storage.sqlite import SqliteDatabase
from tests.support.databases import new_interview


async def _pool(path: Path) -> tuple[SqliteDatabase, str]:
    """A migrated database file with one interview; its database and the interview's id."""
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    await migrate(engine)
    await engine.dispose()
    pool = SqliteDatabase(path)
    interview = new_interview("alice")
    repository = SqliteInterviewRepository(pool)
    await repository.add_session(interview)
    await repository.commit()
    return pool, interview.id


@pytest.fixture
async def pool(tmp_path: Path) -> AsyncIterator[tuple[SqliteDatabase, str]]:
    pool, interview_id = await _pool(tmp_path / "gate.db")
    yield pool, interview_id
    await pool.close()


async def _write(
    pool: SqliteDatabase,
    interview_id: str,
    seq: int,
    *,
    fail: bool = False,
    commit: bool = True,
    arrivals: list[int] | None = None,
    read_first: bool = True,
) -> None:
    repository = SqliteInterviewRepository(pool)
    try:
        if read_first:
            await repository.messages(interview_id)  # reads never wait at the gate
        if arrivals is not None:
            arrivals.append(seq)
        await repository.append_message(interview_id, seq, role="user", text=f"answer {seq}")
        await asyncio.sleep(0.005)  # a writer that awaits something else before committing
        if fail:
            raise RuntimeError("the request failed mid-write")
        if commit:
            await repository.commit()
    except BaseException:
        await repository.rollback()
        raise
    finally:
        await repository.release()


def _stored(pool: SqliteDatabase) -> list[int]:
    with sqlite3.connect(pool.path) as connection:
        return [seq for (seq,) in connection.execute("SELECT seq FROM messages ORDER BY id")]


async def test_concurrent_writers_commit_in_arrival_order(pool: tuple[SqliteDatabase, str]) -> None:
    gated, interview_id = pool
    arrivals: list[int] = []

    writers = (_write(gated, interview_id, seq, arrivals=arrivals) for seq in range(1, 41))
    await asyncio.wait_for(asyncio.gather(*writers), timeout=10)

    order = _stored(gated)
    assert sorted(order) == list(range(1, 41))
    assert order == arrivals  # no writer overtook another while it waited


async def test_a_read_of_its_own_writes_opens_the_transaction_and_holds_the_gate(
    pool: tuple[SqliteDatabase, str],
) -> None:
    database, interview_id = pool
    first = SqliteInterviewRepository(database)
    await first.append_message(interview_id, 1, role="user", text="answer 1")
    assert [m.text for m in await first.messages(interview_id)] == ["answer 1"]  # its own, uncommitted
    assert database.write_gate.locked()
    other = SqliteInterviewRepository(database)
    assert await other.messages(interview_id) == []  # others see only what is committed
    second = asyncio.create_task(_write(database, interview_id, 2))
    await asyncio.sleep(0.05)
    assert not second.done()  # the second writer waits for the open transaction
    await first.commit()
    await asyncio.wait_for(second, timeout=2)
    assert _stored(database) == [1, 2]
    assert not database.write_gate.locked()


def _read_calls() -> int:
    """This process's read system calls so far (SQLite reads its pages with pread)."""
    counters = dict(line.split(": ") for line in Path("/proc/self/io").read_text().splitlines())
    return int(counters["syscr"])


async def test_a_read_after_a_commit_finds_the_pages_in_memory(pool: tuple[SqliteDatabase, str]) -> None:
    database, interview_id = pool
    await _write(database, interview_id, 1)
    before = _read_calls()
    for seq in range(2, 42):
        await _write(database, interview_id, seq, read_first=False)
        reader = SqliteInterviewRepository(database)
        assert await reader.get_session(interview_id, "alice") is not None
        assert len(await reader.messages(interview_id)) == seq
        await reader.release()
    # A reading connection of its own lost its page cache at every commit: 5 read calls a cycle.
    assert (_read_calls() - before) / 40 < 1


async def test_another_process_holding_the_lock_is_waited_for_without_blocking_the_loop(
    pool: tuple[SqliteDatabase, str],
) -> None:
    database, interview_id = pool
    holder = sqlite3.connect(database.path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # as another worker's writer would
    ticks: list[float] = []

    async def ticker() -> None:
        while True:
            ticks.append(time.monotonic())
            await asyncio.sleep(0.01)

    ticking = asyncio.create_task(ticker())
    writer = asyncio.create_task(_write(database, interview_id, 1))
    await asyncio.sleep(0.3)
    assert not writer.done()
    holder.execute("COMMIT")
    holder.close()
    await asyncio.wait_for(writer, timeout=2)
    ticking.cancel()
    assert _stored(database) == [1]
    assert max(b - a for a, b in itertools.pairwise(ticks)) < 0.1  # the loop ran while the writer waited


async def test_a_lock_held_past_the_timeout_is_a_clear_503(
    pool: tuple[SqliteDatabase, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    database, interview_id = pool
    monkeypatch.setattr(sqlite_storage, "BUSY_TIMEOUT_SECONDS", 0.2)
    holder = sqlite3.connect(database.path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(DatabaseUnavailable):
            await _write(database, interview_id, 1)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert not database.write_gate.locked()
    await _write(database, interview_id, 2)
    assert _stored(database) == [2]


async def test_the_wal_is_checkpointed_off_the_loop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    async def wal_bytes_after_commits(name: str) -> int:
        database, interview_id = await _pool(tmp_path / name)
        try:
            for seq in range(1, 61):
                await _write(database, interview_id, seq, read_first=False)
                await asyncio.sleep(0.005)  # room for a checkpoint on its worker thread
            return (tmp_path / f"{name}-wal").stat().st_size
        finally:
            await database.close()

    monkeypatch.setattr(sqlite_storage, "CHECKPOINT_EVERY", 10**9)
    never = await wal_bytes_after_commits("never.db")  # commits do not checkpoint: the WAL only grows
    monkeypatch.setattr(sqlite_storage, "CHECKPOINT_EVERY", 5)
    checkpointed = await wal_bytes_after_commits("checkpointed.db")
    assert checkpointed < never / 2, (checkpointed, never)


async def test_a_failed_or_abandoned_writer_gives_the_gate_back(pool: tuple[SqliteDatabase, str]) -> None:
    gated, interview_id = pool
    with pytest.raises(RuntimeError):
        await _write(gated, interview_id, 1, fail=True)  # rolled back
    await _write(gated, interview_id, 2, commit=False)  # released without committing

    await asyncio.wait_for(_write(gated, interview_id, 3), timeout=2)  # would hang if either kept the gate

    assert _stored(gated) == [3]
    assert not gated.write_gate.locked()


async def test_a_cancelled_writer_gives_the_gate_and_its_transaction_back(pool: tuple[SqliteDatabase, str]) -> None:
    gated, interview_id = pool
    writer = asyncio.create_task(_write(gated, interview_id, 1))
    await asyncio.sleep(0.002)  # inside its transaction, before the commit
    writer.cancel()
    with pytest.raises(asyncio.CancelledError):
        await writer

    await asyncio.wait_for(_write(gated, interview_id, 2), timeout=2)
    assert _stored(gated) == [2]
