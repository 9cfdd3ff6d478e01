"""What the real app logs at INFO during a whole interview: request context yes, tokens, keys and answers never."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from interviewsim.app import create_app
from interviewsim.config import Settings
from interviewsim.observability.logging import configure_logging, hash_user
from tests.conftest import ALICE, Api
from tests.fakes.elevenlabs import FakeElevenLabs, silent_mp3
from tests.support.auth import TokenTableVerifier
from tests.support.servers import thread_server

LOCAL_TOKEN = "local-test-token"
ALICE_ID = "uid-alice-5c1f9e"
LOCAL_ID = "uid-local-0b7d21"
BAD_TOKEN = "forged-token-Qm8Zr4"
ANTHROPIC_KEY = "sk-ant-hygiene-0123456789abcdef"
GEMINI_KEY = "gm-hygiene-fedcba9876543210"
ELEVEN_BAD, ELEVEN_OK = "el-hygiene-bad-1111aaaa", "el-hygiene-ok-2222bbbb"
QUERY_SECRET = "qs-secret-5d6e7f"
CLIENT_REQUEST_ID = "hygiene-probe-01"
MALE, FEMALE = "voice-male-id", "voice-female-id"
# Words no interviewer, log template or library would produce by themselves.
ANSWER_MARK = "Quetzalpurple"
SPOKEN_MARK = "Marmaladewombat"
SECRETS = (ALICE, LOCAL_TOKEN, BAD_TOKEN, ANTHROPIC_KEY, GEMINI_KEY, ELEVEN_BAD, ELEVEN_OK, QUERY_SECRET)
RAW_USER_IDS = (ALICE_ID, LOCAL_ID)


@pytest.fixture
def log_output() -> Iterator[io.StringIO]:
    """Everything logged at INFO or above, as the production JSON handler writes it."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    buffer = io.StringIO()
    configure_logging("INFO", stream=buffer)
    yield buffer
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.fixture
def base_url(tmp_path: Path, log_output: io.StringIO) -> Iterator[str]:
    """The real app, with vendor keys configured and the voice on a fake ElevenLabs (first key refused)."""
    eleven = FakeElevenLabs(silent_mp3(0.5), chunk_count=2, voices={MALE, FEMALE})
    eleven.set_key(ELEVEN_BAD, "invalid_api_key")
    eleven.set_key(ELEVEN_OK, "ok")
    with eleven.serve() as eleven_url:
        data_dir = tmp_path / "data"
        settings = Settings(
            data_dir=data_dir,
            database_url=f"sqlite+aiosqlite:///{data_dir / 'interviewsim.db'}",
            local_token=LOCAL_TOKEN,
            anthropic_api_key=ANTHROPIC_KEY,
            gemini_api_key=GEMINI_KEY,
            interviewer=["builtin"],
            evaluator=["builtin"],
            voice=["elevenlabs"],
            eleven_keys=[ELEVEN_BAD, ELEVEN_OK],
            eleven_base_url=eleven_url,
            eleven_voice_male=MALE,
            eleven_voice_female=FEMALE,
        )
        verifier = TokenTableVerifier({ALICE: ALICE_ID, LOCAL_TOKEN: LOCAL_ID})
        with thread_server(create_app(settings, verifier=verifier)) as url:
            yield url


def answer(number: int) -> str:
    return (
        f"Answer {number}: {ANSWER_MARK} is the codename of the billing service I rebuilt; I split the monolith, "
        "added idempotency keys and cut p95 latency from 900 ms to 140 ms over two quarters."
    )


def run_interview(api: Api) -> str:
    """Start, answer (one turn streamed), end by hand, then fetch results, the list and the transcript."""
    session_id = str(api.start()["session_id"])
    streamed = api.client.post("/api/chat/stream", json={"session_id": session_id, "user_message": answer(0)})
    assert streamed.status_code == 200 and "event: done" in streamed.text
    for number in range(1, 4):
        assert not api.say(session_id, answer(number))["end"]
    assert api.say(session_id, "[END_INTERVIEW_MANUAL]")["end"]
    assert api.client.post("/api/results", json={"session_id": session_id}).status_code == 200
    listing = api.client.get("/api/sessions", params={"limit": 5, "access_token": QUERY_SECRET})
    assert listing.status_code == 200
    detail = api.client.get(f"/api/sessions/{session_id}", headers={"X-Request-ID": CLIENT_REQUEST_ID})
    assert detail.status_code == 200 and ANSWER_MARK in detail.text
    return session_id


def server_lines(output: io.StringIO) -> list[dict[str, Any]]:
    """Every captured line parsed; the test's own httpx client lines are left out, the server's kept."""
    lines = [json.loads(line) for line in output.getvalue().splitlines()]
    return [line for line in lines if not (line["logger"] == "httpx" and "/api/" in line["message"])]


def test_info_logs_carry_context_but_no_tokens_keys_or_answers(base_url: str, log_output: io.StringIO) -> None:
    alice = Api(base_url, ALICE)
    local = Api(base_url, LOCAL_TOKEN)
    try:
        session_id = run_interview(alice)
        spoken = alice.client.post("/api/tts", json={"text": f"Thanks, {SPOKEN_MARK} noted.", "voice_style": "male"})
        assert spoken.status_code == 200 and spoken.content
        assert local.client.get("/api/sessions").status_code == 200
        forged = httpx.get(f"{base_url}/api/sessions", headers={"Authorization": f"Bearer {BAD_TOKEN}"})
        assert forged.status_code == 401
    finally:
        alice.client.close()
        local.client.close()

    lines = server_lines(log_output)  # every line is one JSON object
    output = "\n".join(json.dumps(line) for line in lines)
    for secret in SECRETS:
        assert secret not in output, f"{secret!r} was logged"
    for user_id in RAW_USER_IDS:
        assert user_id not in output, f"the raw user id {user_id!r} was logged"
    assert ANSWER_MARK not in output, "an answer was logged"
    assert SPOKEN_MARK not in output, "text sent to the voice was logged"
    # The refused key was benched and reported by fingerprint only.
    assert any(line["logger"] == "interviewsim.vendors.keyring" and "key#sha256:" in line["message"] for line in lines)

    # One access line per request, by route template, with the request id and the hashed user.
    access = [line for line in lines if line["logger"] == "interviewsim.access"]
    routes = {line["route"] for line in access}
    assert {
        "/api/start-session",
        "/api/chat",
        "/api/chat/stream",
        "/api/results",
        "/api/sessions",
        "/api/sessions/{session_id}",
        "/api/tts",
    } <= routes
    assert all(session_id not in line["message"] for line in access)
    assert all(line["request_id"] for line in access)
    alice_lines = [line for line in access if line["user"] == hash_user(ALICE_ID)]
    assert len(alice_lines) >= 10
    assert any(line["user"] == hash_user(LOCAL_ID) for line in access)
    assert [line["status"] for line in access if line["user"] is None and line["route"] == "/api/sessions"] == [401]
    assert any(line["request_id"] == CLIENT_REQUEST_ID for line in access)
