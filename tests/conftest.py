"""Shared fixtures: no request leaves 127.0.0.1; real servers on free ports."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from interviewsim.app import create_app
from interviewsim.config import Settings
from tests.support.auth import TokenTableVerifier
from tests.support.servers import thread_server

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


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Defaults with a fresh data directory (a real SQLite file)."""
    return Settings(data_dir=tmp_path / "data", local_token="local-test-token")  # type: ignore[arg-type]


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
