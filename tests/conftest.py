"""Shared fixtures: no request leaves 127.0.0.1; real servers on free ports."""

from __future__ import annotations

import asyncio
import secrets
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from interviewsim.app import create_app
from interviewsim.config import Settings
from tests.support.auth import TokenTableVerifier
from tests.support.servers import thread_server
from tests.support.services import POSTGRES_ADMIN_URL, SERVICES, require

LOOPBACK = {"127.0.0.1", "::1", "localhost"}
_real_connect = socket.socket.connect


def _guarded_connect(self: socket.socket, address: Any) -> Any:
    if isinstance(address, tuple) and address and address[0] not in LOOPBACK:
        raise ConnectionRefusedError(f"tests may not reach {address[0]}: only 127.0.0.1 is allowed")
    return _real_connect(self, address)


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Block every connection that would leave this machine."""
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)


ALICE = "alice-token"
BOB = "bob-token"


# Tests using these fixtures need the service even without saying so; the fixtures check it too.
SERVICE_OF_FIXTURE = {"postgres_url": "postgres", "redis_url": "redis", "browser": "browser"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that uses a service's fixture, so `-m "not postgres"` and friends select truly."""
    for item in items:
        for fixture in getattr(item, "fixturenames", ()):
            service = SERVICE_OF_FIXTURE.get(fixture)
            if service is not None and item.get_closest_marker(service) is None:
                item.add_marker(getattr(pytest.mark, service))


def pytest_runtest_setup(item: pytest.Item) -> None:
    """A test marked with a service skips (locally) or fails (CI=true) when that service is missing."""
    for service in SERVICES:
        if item.get_closest_marker(service) is not None:
            require(service)


TABLES = ("share_links", "messages", "evaluations", "interview_sessions")


async def _postgres(url: str, *statements: str) -> None:
    connection = await asyncpg.connect(url)
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A PostgreSQL database of this test run's own, dropped at the end."""
    require("postgres")
    name = f"interviewsim_test_{secrets.token_hex(4)}"
    asyncio.run(_postgres(POSTGRES_ADMIN_URL, f'CREATE DATABASE "{name}"'))
    yield f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
    asyncio.run(_postgres(POSTGRES_ADMIN_URL, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each API test runs on a fresh SQLite file and on the real PostgreSQL (tables emptied)."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'data' / 'interviewsim.db'}"
    url: str = request.getfixturevalue("postgres_url")
    plain = url.replace("postgresql+asyncpg://", "postgresql://")
    tables = ", ".join(TABLES)
    empty = f"DO $$ BEGIN IF to_regclass('interview_sessions') IS NOT NULL THEN TRUNCATE {tables}; END IF; END $$"
    asyncio.run(_postgres(plain, empty))
    return url


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    """Defaults with a fresh data directory and the test's database."""
    return Settings(data_dir=tmp_path / "data", local_token="local-test-token", database_url=database_url)  # type: ignore[arg-type]


class Api:
    """An HTTP client for one user of a live server."""

    def __init__(self, base_url: str, token: str | None) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.client = httpx.Client(base_url=base_url, headers=headers, timeout=60)

    def start(self, **overrides: Any) -> dict[str, Any]:
        body = {
            "domain": "software",
            "role": "Backend Engineer",
            "interview_type": "Mixed",
            "difficulty": "Intermediate",
            "duration": 15,
            "voice_style": "female",
            **overrides,
        }
        response = self.client.post("/api/start-session", json=body)
        assert response.status_code == 200, response.text
        return dict(response.json())

    def chat(self, session_id: str, message: str) -> httpx.Response:
        return self.client.post("/api/chat", json={"session_id": session_id, "user_message": message})

    def say(self, session_id: str, message: str) -> dict[str, Any]:
        response = self.chat(session_id, message)
        assert response.status_code == 200, response.text
        return dict(response.json())


@pytest.fixture
def live(settings: Settings) -> Iterator[str]:
    """A live server with two users, alice and bob; yields the base URL."""
    app = create_app(settings, verifier=TokenTableVerifier({ALICE: "alice", BOB: "bob"}))
    with thread_server(app) as base_url:
        yield base_url


@pytest.fixture
def alice(live: str) -> Iterator[Api]:
    api = Api(live, ALICE)
    yield api
    api.client.close()


@pytest.fixture
def bob(live: str) -> Iterator[Api]:
    api = Api(live, BOB)
    yield api
    api.client.close()
