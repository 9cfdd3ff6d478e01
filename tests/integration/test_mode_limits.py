"""Default per-user limits by auth mode: none for the local operator, today's limits for Firebase users."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from interviewsim.app import create_app
from interviewsim.config import FIREBASE_RATE_LIMITS, Settings
from tests.fakes.firebase import FakeFirebaseCerts
from tests.support.servers import thread_server

PROJECT = "limits-project"
LOCAL_TOKEN = "limits-local-token"
BODY = {"domain": "software", "role": "Backend Engineer"}
# FIREBASE_RATE_LIMITS["sessions"] is "20/hour": one more than that shows where each mode stops.
ATTEMPTS = 25


@pytest.fixture
def certs() -> Iterator[FakeFirebaseCerts]:
    with FakeFirebaseCerts().serve() as served:
        yield served


def start_sessions(base_url: str, token: str) -> list[int]:
    with httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=60) as api:
        return [api.post("/api/start-session", json=BODY).status_code for _ in range(ATTEMPTS)]


def test_the_local_operator_is_not_stopped_by_default_limits(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, local_token=LOCAL_TOKEN)  # type: ignore[call-arg]
    assert settings.resolved_auth_mode == "local"
    with thread_server(create_app(settings)) as base_url:
        assert start_sessions(base_url, LOCAL_TOKEN) == [200] * ATTEMPTS


def test_firebase_users_keep_the_default_limits(tmp_path: Path, certs: FakeFirebaseCerts) -> None:
    assert FIREBASE_RATE_LIMITS["sessions"] == "20/hour"
    settings = Settings(data_dir=tmp_path, firebase_project_id=PROJECT, firebase_certs_url=certs.url)  # type: ignore[call-arg]
    with thread_server(create_app(settings)) as base_url:
        statuses = start_sessions(base_url, certs.mint("limited-uid", project_id=PROJECT))
        assert statuses == [200] * 20 + [429] * (ATTEMPTS - 20)
        # Another user has a count of their own.
        assert start_sessions(base_url, certs.mint("other-uid", project_id=PROJECT))[:20] == [200] * 20


def test_a_limit_set_explicitly_applies_in_local_mode_too(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, local_token=LOCAL_TOKEN, rate_limit_sessions="3/hour")  # type: ignore[call-arg]
    with thread_server(create_app(settings)) as base_url:
        assert start_sessions(base_url, LOCAL_TOKEN)[:4] == [200, 200, 200, 429]


def test_each_bucket_resolves_by_mode() -> None:
    local = Settings(local_token=LOCAL_TOKEN, rate_limit_chat="5/minute")  # type: ignore[call-arg]
    assert local.rate_limits == {"sessions": None, "chat": "5/minute", "tts": None, "results": None, "stt": None}
    firebase = Settings(firebase_project_id=PROJECT, rate_limit_tts="7/minute")  # type: ignore[call-arg]
    assert firebase.rate_limits == {**FIREBASE_RATE_LIMITS, "tts": "7/minute"}
