"""A live server for the speech tests (SQLite; the built-in Whisper loads once per module)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from interviewsim.app import create_app
from interviewsim.config import Settings
from tests.support.auth import TokenTableVerifier
from tests.support.servers import thread_server

USERS = {"alice-token": "alice", "bob-token": "bob", "dave-token": "dave"}


def speech_settings(tmp: Any, **overrides: Any) -> Settings:
    """Settings for a speech test server in directory `tmp`."""
    values: dict[str, Any] = {
        "data_dir": tmp / "data",
        "local_token": "local-test-token",
        "database_url": f"sqlite+aiosqlite:///{tmp / 'data' / 'interviewsim.db'}",
        **overrides,
    }
    return Settings(**values)


@pytest.fixture(scope="module")
def stt_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One transcription slot and no queue, a 1 MB / 20 s cap, 40 uploads a minute per user."""
    settings = speech_settings(
        tmp_path_factory.mktemp("stt"),
        stt_max_bytes=1024 * 1024,
        stt_max_seconds=20,
        stt_workers=1,
        stt_queue=0,
        rate_limit_stt="40/minute",
    )
    with thread_server(create_app(settings, verifier=TokenTableVerifier(USERS))) as base_url:
        yield base_url


def client(base_url: str, token: str | None = "alice-token") -> httpx.Client:
    """An HTTP client for one user of `base_url`."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.Client(base_url=base_url, headers=headers, timeout=120)
