"""One turn runner behind /api/chat and /api/chat/stream: shared limits, idempotency bound to its request."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from interviewsim.app import create_app
from interviewsim.config import Settings
from tests.conftest import Api
from tests.integration.test_streaming import read_events
from tests.support.auth import TokenTableVerifier
from tests.support.servers import thread_server
from tests.support.services import REDIS_URL, require


def test_a_key_first_used_on_chat_does_not_answer_results(alice: Api) -> None:
    session_id = alice.start()["session_id"]
    key = {"Idempotency-Key": "shared-key"}
    chat = alice.client.post("/api/chat", json={"session_id": session_id, "user_message": "Fine."}, headers=key)
    assert chat.status_code == 200
    results = alice.client.post("/api/results", json={"session_id": session_id}, headers=key)
    assert results.status_code == 200, results.text
    assert results.json()["end"] is True and isinstance(results.json()["score"], int)
    assert results.json() != chat.json()


def test_a_key_reused_for_another_session_is_422_and_runs_nothing(alice: Api) -> None:
    first, second = alice.start()["session_id"], alice.start()["session_id"]
    key = {"Idempotency-Key": "answer-7"}
    ok = alice.client.post("/api/chat", json={"session_id": first, "user_message": "Fine."}, headers=key)
    assert ok.status_code == 200
    for route in ("/api/chat", "/api/chat/stream"):
        reused = alice.client.post(route, json={"session_id": second, "user_message": "Fine."}, headers=key)
        assert reused.status_code == 422, reused.text
        assert "different request" in reused.json()["error"]
    other_body = alice.client.post("/api/chat", json={"session_id": first, "user_message": "Other."}, headers=key)
    assert other_body.status_code == 422
    detail = alice.client.get(f"/api/sessions/{second}").json()
    assert [m["role"] for m in detail["messages"]] == ["assistant"]


def test_a_key_reused_on_results_for_another_session_is_422(alice: Api) -> None:
    first, second = alice.start()["session_id"], alice.start()["session_id"]
    key = {"Idempotency-Key": "grade-1"}
    assert alice.client.post("/api/results", json={"session_id": first}, headers=key).status_code == 200
    reused = alice.client.post("/api/results", json={"session_id": second}, headers=key)
    assert reused.status_code == 422 and reused.json()["error"]
    assert alice.client.get(f"/api/sessions/{second}").json()["status"] == "in_progress"


def test_a_streamed_replay_is_the_same_validated_done_payload(alice: Api) -> None:
    session_id = alice.start()["session_id"]
    body, key = {"session_id": session_id, "user_message": "Very well."}, {"Idempotency-Key": "s-1"}
    streamed = read_events(alice.client.post("/api/chat/stream", json=body, headers=key))
    replayed = read_events(alice.client.post("/api/chat/stream", json=body, headers=key))
    plain = alice.client.post("/api/chat", json=body, headers=key)
    assert replayed == [streamed[-1]] and streamed[-1] == ("done", plain.json())


@pytest.fixture
def limited(tmp_path: Path) -> Iterator[Api]:
    settings = Settings(data_dir=tmp_path, local_token="limited-token-123", rate_limit_chat="3/minute")  # type: ignore[call-arg]
    with thread_server(create_app(settings, verifier=TokenTableVerifier({"tok": "carol"}))) as base_url:
        api = Api(base_url, "tok")
        yield api
        api.client.close()


def test_chat_and_stream_share_one_turn_limit(limited: Api) -> None:
    session_id = limited.start()["session_id"]
    limited.say(session_id, "Fine, thanks.")
    body = {"session_id": session_id, "user_message": "I like backend work."}
    assert limited.client.post("/api/chat/stream", json=body).status_code == 200
    limited.say(session_id, "Third turn.")
    for route in ("/api/chat/stream", "/api/chat"):
        over = limited.client.post(route, json={"session_id": session_id, "user_message": "again"})
        assert over.status_code == 429, over.text
        assert int(over.headers["retry-after"]) >= 1 and over.json()["error"]


@pytest.mark.redis
def test_a_streamed_turn_holds_the_shared_redis_lock_in_one_task(tmp_path: Path) -> None:
    """The stream continues in another task than the handler's; the Redis lease must still come and go cleanly."""
    require("redis")
    settings = Settings(  # type: ignore[call-arg]
        data_dir=tmp_path, local_token="redis-stream-token", redis_url=REDIS_URL, redis_prefix=f"t:{uuid.uuid4().hex}:"
    )
    with thread_server(create_app(settings, verifier=TokenTableVerifier({"tok": "dana"}))) as base_url:
        api = Api(base_url, "tok")
        session_id = api.start()["session_id"]
        for answer in ("Fine, thanks.", "I like backend work.", "[END_INTERVIEW_MANUAL]"):
            events = read_events(
                api.client.post("/api/chat/stream", json={"session_id": session_id, "user_message": answer})
            )
            assert events[-1][0] == "done", events
        assert events[-1][1]["end"] is True
        api.client.close()
