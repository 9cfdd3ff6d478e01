"""Migration 0004 (messages.delivery, messages.interrupted) on SQLite and PostgreSQL, through every driver."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest
from alembic import command
from sqlalchemy import Connection, inspect

from interviewsim.interviews.stores import open_repository
from interviewsim.storage.db import alembic_config, create_engine, migrate
from tests.conftest import POSTGRES_ADMIN_URL
from tests.integration.test_repository import app_storage
from tests.support.databases import new_interview
from tests.support.services import require

DELIVERY = {"words_per_minute": 151.2, "fillers": 2, "filler_counts": {"um": 2}, "low_confidence": False}


async def _admin(statement: str) -> None:
    connection = await asyncpg.connect(POSTGRES_ADMIN_URL)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def fresh_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of this test's own."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
        return
    require("postgres")
    name = f"interviewsim_migration_{secrets.token_hex(4)}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    try:
        yield f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _to(revision: str) -> object:
    def run(connection: Connection) -> list[str]:
        config = alembic_config()
        config.attributes["connection"] = connection
        if revision == "0003":
            command.downgrade(config, revision)
        else:
            command.upgrade(config, revision)
        return [column["name"] for column in inspect(connection).get_columns("messages")]

    return run


async def _migrate(database_url: str, revision: str) -> list[str]:
    engine = create_engine(database_url)
    try:
        async with engine.begin() as connection:
            return await connection.run_sync(_to(revision))  # type: ignore[arg-type]
    finally:
        await engine.dispose()


async def test_existing_messages_survive_the_migration_both_ways(fresh_database: str) -> None:
    interview = new_interview("alice")
    async with app_storage(fresh_database) as state, open_repository(state) as repository:
        await repository.add_session(interview)
        await repository.append_message(interview.id, 1, role="assistant", text="Tell me about yourself.")
        await repository.commit()

    assert "delivery" not in await _migrate(fresh_database, "0003")
    columns = await _migrate(fresh_database, "head")
    assert {"delivery", "interrupted"} <= set(columns)

    async with app_storage(fresh_database) as state:
        async with open_repository(state) as repository:
            await repository.append_message(interview.id, 2, role="user", text="Um, hello.", delivery=DELIVERY)
            await repository.append_message(interview.id, 3, role="assistant", text="Go on", interrupted=True)
            await repository.commit()
        async with open_repository(state) as repository:
            messages = await repository.messages(interview.id)
    assert [(m.seq, m.delivery, m.interrupted) for m in messages] == [
        (1, None, False),
        (2, DELIVERY, False),
        (3, None, True),
    ]
    assert all(type(m.interrupted) is bool for m in messages)


async def test_a_migrated_database_at_head_migrates_again_as_a_no_op(fresh_database: str) -> None:
    engine = create_engine(fresh_database)
    try:
        await migrate(engine)
        await migrate(engine)
    finally:
        await engine.dispose()
    assert {"delivery", "interrupted"} <= set(await _migrate(fresh_database, "head"))
