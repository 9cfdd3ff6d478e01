"""Several stateless processes on PostgreSQL and Redis; crashes, races and retries lose nothing."""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from itertools import pairwise
from pathlib import Path

import httpx
import pytest

from tests.conftest import Api
from tests.fakes.anthropic import FakeAnthropic, serve
from tests.fakes.scripts import interviewer_reply
from tests.support.servers import ServerProcess
from tests.support.services import REDIS_URL, require


@pytest.fixture
def shared_env(postgres_url: str) -> dict[str, str]:
    """Environment for processes sharing one PostgreSQL database and one Redis namespace."""
    require("redis")
    return {
        "DATABASE_URL": postgres_url,
        "REDIS_URL": REDIS_URL,
        "REDIS_PREFIX": f"test-{secrets.token_hex(4)}:",
        "RATE_LIMIT_TTS": "3/minute",
    }


def client(server: ServerProcess) -> httpx.Client:
    return httpx.Client(base_url=server.base_url, headers={"Authorization": f"Bearer {server.token}"}, timeout=60)


@pytest.mark.redis
def test_two_processes_share_interviews_and_limits(tmp_path: Path, shared_env: dict[str, str]) -> None:
    token = f"scale-{secrets.token_hex(8)}"
    first = ServerProcess(tmp_path / "a", token, shared_env)
    second = ServerProcess(tmp_path / "b", token, shared_env)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first.start()
    second.start()
    try:
        with client(first) as a, client(second) as b:
            session_id = a.post("/api/start-session", json={"domain": "product", "role": "PM"}).json()["session_id"]
            for answer in ("Great, thanks.", "I love shipping products people use."):
                assert b.post("/api/chat", json={"session_id": session_id, "user_message": answer}).status_code == 200
            ended = b.post("/api/chat", json={"session_id": session_id, "user_message": "[END_INTERVIEW_MANUAL]"})
            assert ended.json()["end"] is True
            results = a.post("/api/results", json={"session_id": session_id})
            assert results.status_code == 200 and results.json()["score"] == ended.json()["score"]

            for _ in range(3):
                assert a.post("/api/tts", json={"text": "Hello.", "voice_style": "male"}).status_code == 200
            limited = b.post("/api/tts", json={"text": "Hello.", "voice_style": "male"})
            assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
            assert limited.json()["error"]
            assert a.get("/readyz").json() == {"status": "ready"}
    finally:
        first.stop()
        second.stop()


@pytest.fixture
def held_claude() -> Iterator[tuple[FakeAnthropic, str]]:
    fake = FakeAnthropic(default=interviewer_reply)
    with serve(fake) as url:
        yield fake, url


@pytest.mark.redis
def test_kill_9_mid_turn_keeps_the_answer(
    tmp_path: Path, shared_env: dict[str, str], held_claude: tuple[FakeAnthropic, str]
) -> None:
    fake, url = held_claude
    env = {**shared_env, "ANTHROPIC_API_KEY": "sk-ant-x", "ANTHROPIC_BASE_URL": url, "TURN_LOCK_TTL_SECONDS": "2"}
    server = ServerProcess(tmp_path, f"kill-{secrets.token_hex(8)}", env).start()
    answer = "I'm well — ready to talk about roadmaps."
    try:
        with client(server) as api:
            session_id = api.post("/api/start-session", json={"domain": "product", "role": "PM"}).json()["session_id"]
            never = threading.Event()
            fake.hold = never  # the provider holds every reply from now on
            requests_before = fake.request_count

            def send() -> None:
                with contextlib.suppress(httpx.HTTPError):  # the server dies under this request
                    api.post("/api/chat", json={"session_id": session_id, "user_message": answer}, timeout=30)

            sender = threading.Thread(target=send)
            sender.start()
            deadline = time.monotonic() + 15
            while fake.request_count == requests_before and time.monotonic() < deadline:
                time.sleep(0.02)  # the provider is now holding the reply
            assert server.process is not None
            os.killpg(server.process.pid, signal.SIGKILL)
            server.process.wait(timeout=10)
            sender.join(timeout=30)
    finally:
        server.stop()
    fake.hold = None
    never.set()

    server.start()  # a new process on the same database and lock store
    try:
        with client(server) as api:
            detail = api.get(f"/api/sessions/{session_id}").json()
            assert [(m["role"], m["text"]) for m in detail["messages"][1:]] == [("user", answer)]
            # The dead process's turn lock expires within its TTL; the client retries as told.
            for _ in range(20):
                again = api.post("/api/chat", json={"session_id": session_id, "user_message": answer})
                if again.status_code != 409:
                    break
                time.sleep(float(again.headers["retry-after"]) / 2)
            assert again.status_code == 200, again.text
            roles = [m["role"] for m in api.get(f"/api/sessions/{session_id}").json()["messages"]]
            assert roles == ["assistant", "user", "assistant"]
    finally:
        server.stop()


def test_twenty_concurrent_answers_keep_the_transcript_alternating(alice: Api) -> None:
    session_id = alice.start(duration=90)["session_id"]
    alice.say(session_id, "Good, thanks.")

    def answer(n: int) -> int:
        body = {"session_id": session_id, "user_message": f"Concurrent answer number {n} about caching and queues."}
        return alice.client.post("/api/chat", json=body).status_code

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(answer, range(20)))
    assert set(statuses) <= {200, 409}, statuses
    messages = alice.client.get(f"/api/sessions/{session_id}").json()["messages"]
    roles = [m["role"] for m in messages]
    assert roles[0] == "assistant" and all(a != b for a, b in pairwise(roles))
    user_texts = [m["text"] for m in messages if m["role"] == "user"][1:]
    assert len(user_texts) == statuses.count(200) and len(set(user_texts)) == len(user_texts)


def test_idempotent_retries_create_no_turn(alice: Api) -> None:
    session_id = alice.start()["session_id"]
    body = {"session_id": session_id, "user_message": "Very well, thank you."}
    headers = {"Idempotency-Key": "answer-1"}
    first = alice.client.post("/api/chat", json=body, headers=headers)
    retry = alice.client.post("/api/chat", json=body, headers=headers)
    assert first.status_code == retry.status_code == 200 and first.json() == retry.json()
    streamed = alice.client.post("/api/chat/stream", json=body, headers=headers)
    assert streamed.text.startswith("event: done") and first.json()["text_response"] in streamed.text
    users = [m for m in alice.client.get(f"/api/sessions/{session_id}").json()["messages"] if m["role"] == "user"]
    assert len(users) == 1
    results_headers = {"Idempotency-Key": "results-1"}
    graded = alice.client.post("/api/results", json={"session_id": session_id}, headers=results_headers)
    assert graded.status_code == 200
    bad = alice.client.post("/api/chat", json=body, headers={"Idempotency-Key": "spaces are not allowed"})
    assert bad.status_code == 422


def test_rate_limit_answers_429_with_retry_after(tmp_path: Path) -> None:
    from interviewsim.app import create_app
    from interviewsim.config import Settings
    from tests.support.servers import thread_server

    settings = Settings(data_dir=tmp_path, local_token="local-test-token", rate_limit_sessions="2/hour")  # type: ignore[call-arg]
    with thread_server(create_app(settings)) as base_url:
        api = Api(base_url, "local-test-token")
        api.start()
        api.start()
        third = api.client.post("/api/start-session", json={"domain": "data", "role": "DA"})
        assert third.status_code == 429 and int(third.headers["retry-after"]) >= 1
        assert "limit" in third.json()["error"]
