"""U+0000 in any text the API stores is a 422 naming the field, on SQLite and PostgreSQL alike (asyncpg refuses it)."""

from __future__ import annotations

import uuid

import httpx
import pytest
from pydantic import TypeAdapter, ValidationError

from interviewsim.interviews.schemas import SessionId
from tests.conftest import Api

NUL = "\x00"


def assert_refused(response: httpx.Response, field: str) -> None:
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["code"] == "invalid_request"
    assert f"'{field}'" in body["error"] and "NUL" in body["error"], body


@pytest.mark.parametrize("field", ["domain", "role", "job_description", "resume"])
def test_start_session_refuses_nul_in_every_text_field(alice: Api, field: str) -> None:
    body = {"domain": "software", "role": "Backend Engineer", field: f"Senior{NUL}Engineer"}
    assert_refused(alice.client.post("/api/start-session", json=body), field)
    assert alice.client.get("/api/sessions").json()["sessions"] == []


@pytest.mark.parametrize("route", ["/api/chat", "/api/chat/stream"])
def test_chat_refuses_nul_in_the_answer_and_the_interview_goes_on(alice: Api, route: str) -> None:
    session_id = alice.start()["session_id"]
    refused = alice.client.post(route, json={"session_id": session_id, "user_message": f"I am{NUL} fine"})
    assert_refused(refused, "user_message")
    assert alice.say(session_id, "I am fine, thanks.")["end"] is False
    texts = [m["text"] for m in alice.client.get(f"/api/sessions/{session_id}").json()["messages"]]
    assert not any(NUL in text for text in texts)


@pytest.mark.parametrize("route", ["/api/chat", "/api/results"])
def test_a_session_id_with_nul_in_a_body_is_refused(alice: Api, route: str) -> None:
    session_id = alice.start()["session_id"]
    body = {"session_id": session_id + NUL, "user_message": "hello"}
    assert_refused(alice.client.post(route, json=body), "session_id")


def test_the_session_id_path_type_names_a_nul_and_keeps_the_body_pattern() -> None:
    session_ids = TypeAdapter(SessionId)
    valid = str(uuid.uuid4())
    assert session_ids.validate_python(valid) == valid
    with pytest.raises(ValidationError, match="NUL"):
        session_ids.validate_python(valid + NUL)
    for wrong in ("", "a.b", "x" * 65):
        with pytest.raises(ValidationError):
            session_ids.validate_python(wrong)


def test_a_session_id_with_nul_in_the_path_is_refused(alice: Api) -> None:
    session_id = alice.start()["session_id"]
    assert_refused(alice.client.get(f"/api/sessions/{session_id}%00"), "session_id")
    assert alice.client.get(f"/api/sessions/{session_id}").status_code == 200
