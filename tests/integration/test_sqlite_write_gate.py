"""SQLite writers queue at the pool's write gate, in arrival order, and always give it back."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from interviewsim.interviews.repository_aiosqlite import AiosqliteInterviewRepository
from interviewsim.storage.db import create_engine, migrate
from interviewsim.storage.sqlite import SqlitePool
from tests.support.databases import new_interview


async def _pool(path: Path, max_size: int = 30) -> tuple[SqlitePool, str]:
    """A migrated database file with one interview; its pool and the interview's id."""
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    await migrate(engine)
    await engine.dispose()
    pool = SqlitePool(path, max_size=max_size)
    interview = new_interview("alice")
    repository = AiosqliteInterviewRepository(pool)
    await repository.add_session(interview)
    await repository.commit()
    return pool, interview.id


@pytest.fixture
async def pool(tmp_path: Path) -> AsyncIterator[tuple[SqlitePool, str]]:
    pool, interview_id = await _pool(tmp_path / "gate.db")
    yield pool, interview_id
    await pool.close()


async def _write(
    pool: SqlitePool,
    interview_id: str,
    seq: int,
    *,
    fail: bool = False,
    commit: bool = True,
    arrivals: list[int] | None = None,
    read_first: bool = True,
) -> None:
    repository = AiosqliteInterviewRepository(pool)
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


def _stored(pool: SqlitePool) -> list[int]:
    with sqlite3.connect(pool.path) as connection:
        return [seq for (seq,) in connection.execute("SELECT seq FROM messages ORDER BY id")]


async def test_concurrent_writers_commit_in_arrival_order(pool: tuple[SqlitePool, str]) -> None:
    gated, interview_id = pool
    arrivals: list[int] = []

    writers = (_write(gated, interview_id, seq, arrivals=arrivals) for seq in range(1, 41))
    await asyncio.wait_for(asyncio.gather(*writers), timeout=10)

    order = _stored(gated)
    assert sorted(order) == list(range(1, 41))
    assert order == arrivals  # no writer overtook another while it waited


async def test_writers_never_deadlock_on_a_small_pool(tmp_path: Path) -> None:
    small, interview_id = await _pool(tmp_path / "small.db", max_size=2)
    try:
        # Readers hold both connections while they queue at the gate; writers that start by writing
        # must not take the gate and then wait for a connection.
        writers = [_write(small, interview_id, seq, read_first=seq % 2 == 0) for seq in range(1, 13)]
        await asyncio.wait_for(asyncio.gather(*writers), timeout=10)
        assert sorted(_stored(small)) == list(range(1, 13))
    finally:
        await small.close()


async def test_a_failed_or_abandoned_writer_gives_the_gate_back(pool: tuple[SqlitePool, str]) -> None:
    gated, interview_id = pool
    with pytest.raises(RuntimeError):
        await _write(gated, interview_id, 1, fail=True)  # rolled back
    await _write(gated, interview_id, 2, commit=False)  # released without committing

    await asyncio.wait_for(_write(gated, interview_id, 3), timeout=2)  # would hang if either kept the gate

    assert _stored(gated) == [3]
    assert not gated.write_gate.locked()


async def test_a_cancelled_writer_gives_the_gate_and_its_transaction_back(pool: tuple[SqlitePool, str]) -> None:
    gated, interview_id = pool
    writer = asyncio.create_task(_write(gated, interview_id, 1))
    await asyncio.sleep(0.002)  # inside its transaction, before the commit
    writer.cancel()
    with pytest.raises(asyncio.CancelledError):
        await writer

    await asyncio.wait_for(_write(gated, interview_id, 2), timeout=2)
    assert _stored(gated) == [2]
