"""SQLite writers queue at the process's write gate, in arrival order, and always give it back."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from interviewsim.storage.db import before_write, create_engine, session_factory


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncEngine:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'gate.db'}")
    async with engine.begin() as connection:
        await connection.execute(text("CREATE TABLE writes (n INTEGER)"))
    yield engine  # type: ignore[misc]
    await engine.dispose()


async def _write(
    factory: object,
    n: int,
    *,
    fail: bool = False,
    commit: bool = True,
    arrivals: list[int] | None = None,
    read_first: bool = True,
) -> None:
    async with factory() as db:  # type: ignore[operator]
        if read_first:
            await db.execute(text("SELECT count(*) FROM writes"))  # reads never wait at the gate
        if arrivals is not None:
            arrivals.append(n)
        await before_write(db)
        await db.execute(text("INSERT INTO writes (n) VALUES (:n)"), {"n": n})
        await asyncio.sleep(0.005)  # a writer that awaits something else before committing
        if fail:
            raise RuntimeError("the request failed mid-write")
        if commit:
            await db.commit()


async def test_concurrent_writers_commit_in_arrival_order(engine: AsyncEngine) -> None:
    factory = session_factory(engine)
    arrivals: list[int] = []

    await asyncio.wait_for(asyncio.gather(*(_write(factory, n, arrivals=arrivals) for n in range(40))), timeout=10)

    async with engine.connect() as connection:
        order = [row.n for row in await connection.execute(text("SELECT n FROM writes ORDER BY rowid"))]
    assert sorted(order) == list(range(40))
    assert order == arrivals  # no writer overtook another while it waited


async def test_writers_never_deadlock_on_a_small_pool(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'small.db'}", pool_size=2, max_overflow=0)
    try:
        async with engine.begin() as connection:
            await connection.execute(text("CREATE TABLE writes (n INTEGER)"))
        factory = session_factory(engine)
        # Readers hold both connections while they queue at the gate; writers that start by writing
        # must not take the gate and then wait for a connection.
        writers = [_write(factory, n, read_first=n % 2 == 0) for n in range(12)]
        await asyncio.wait_for(asyncio.gather(*writers), timeout=10)
    finally:
        await engine.dispose()


async def test_a_failed_or_abandoned_writer_gives_the_gate_back(engine: AsyncEngine) -> None:
    factory = session_factory(engine)
    with pytest.raises(RuntimeError):
        await _write(factory, 1, fail=True)  # rolled back
    await _write(factory, 2, commit=False)  # closed without committing

    await asyncio.wait_for(_write(factory, 3), timeout=2)  # would hang if either kept the gate

    async with engine.connect() as connection:
        assert [row.n for row in await connection.execute(text("SELECT n FROM writes"))] == [3]


async def test_postgresql_sessions_have_no_gate(postgres_url: str) -> None:
    engine = create_engine(postgres_url)
    try:
        async with session_factory(engine)() as db:
            await before_write(db)  # returns at once: PostgreSQL has row locks, not one writer
            assert not db.info
    finally:
        await engine.dispose()
