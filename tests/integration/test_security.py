"""Auth, ownership, CORS, limits and error shapes, as a client sees them."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.conftest import Api

START = {"domain": "software", "role": "Backend Engineer", "duration": 15, "voice_style": "male"}
MISSING = "00000000-0000-4000-8000-000000000000"


def assert_error(response: httpx.Response, status: int) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert isinstance(body["error"], str) and body["error"]
    assert "Traceback" not in response.text


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/api/start-session", START),
        ("POST", "/api/chat", {"session_id": MISSING, "user_message": "hi"}),
        ("POST", "/api/results", {"session_id": MISSING}),
        ("POST", "/api/tts", {"text": "hello", "voice_style": "male"}),
        ("GET", "/api/sessions", None),
        ("GET", f"/api/sessions/{MISSING}", None),
    ],
)
@pytest.mark.parametrize("header", [None, "Bearer wrong-token", "Basic YWxpY2U6eA==", "Bearer", "alice-token"])
def test_every_api_route_requires_a_valid_bearer_token(
    live: str, method: str, path: str, body: dict[str, object] | None, header: str | None
) -> None:
    headers = {"Authorization": header} if header is not None else {}
    response = httpx.request(method, live + path, json=body, headers=headers)
    assert_error(response, 401)


def test_another_users_interview_is_not_found(alice: Api, bob: Api) -> None:
    session_id = alice.start()["session_id"]
    alice.say(session_id, "Doing well, thank you for asking.")
    assert_error(bob.chat(session_id, "I am bob"), 404)
    assert_error(bob.client.post("/api/results", json={"session_id": session_id}), 404)
    assert_error(bob.client.get(f"/api/sessions/{session_id}"), 404)
    assert all(s["session_id"] != session_id for s in bob.client.get("/api/sessions").json()["sessions"])
    # Bob's attempts changed nothing: alice's interview is where she left it.
    detail = alice.client.get(f"/api/sessions/{session_id}").json()
    assert detail["status"] == "in_progress"
    assert [m["text"] for m in detail["messages"] if m["role"] == "user"] == ["Doing well, thank you for asking."]


def test_unknown_session_is_not_found(alice: Api) -> None:
    assert_error(alice.chat(MISSING, "hello"), 404)
    assert_error(alice.client.post("/api/results", json={"session_id": MISSING}), 404)
    assert_error(alice.client.get("/api/sessions/not-a-uuid"), 404)


def test_cors_admits_only_listed_origins(live: str) -> None:
    preflight = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type",
    }
    allowed = httpx.options(f"{live}/api/chat", headers={"Origin": "http://localhost:3000", **preflight})
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "http://localhost:3000"
    assert allowed.headers["access-control-allow-credentials"] == "true"
    assert "POST" in allowed.headers["access-control-allow-methods"]
    assert "DELETE" not in allowed.headers["access-control-allow-methods"]
    denied = httpx.options(f"{live}/api/chat", headers={"Origin": "https://evil.example", **preflight})
    assert "access-control-allow-origin" not in denied.headers
    simple = httpx.get(f"{live}/healthz", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in simple.headers
    netlify = httpx.get(f"{live}/healthz", headers={"Origin": "https://eightfoldai-chat.netlify.app"})
    assert netlify.headers["access-control-allow-origin"] == "https://eightfoldai-chat.netlify.app"


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"domain": "d" * 201}, "domain"),
        ({"role": "r" * 201}, "role"),
        ({"duration": 4}, "duration"),
        ({"duration": 91}, "duration"),
        ({"interview_type": "Trivia"}, "interview_type"),
        ({"difficulty": "Impossible"}, "difficulty"),
        ({"voice_style": "robot"}, "voice_style"),
        ({"domain": ""}, "domain"),
    ],
)
def test_start_session_limits(alice: Api, override: dict[str, object], field: str) -> None:
    response = alice.client.post("/api/start-session", json={**START, **override})
    assert_error(response, 422)
    assert field in response.json()["error"]


def test_start_session_without_domain_names_the_field(alice: Api) -> None:
    response = alice.client.post("/api/start-session", json={"role": "Frontend Developer"})
    assert_error(response, 422)
    assert "domain" in response.json()["error"]


def test_unknown_fields_are_ignored_and_names_accepted(alice: Api) -> None:
    response = alice.client.post(
        "/api/start-session",
        json={
            **START,
            "domain": "Software Engineering",
            "interview_type": "technical",
            "theme": "dark",
            "x": [1],
        },
    )
    assert response.status_code == 200
    session_id = response.json()["session_id"]
    reply = alice.client.post("/api/chat", json={"session_id": session_id, "user_message": "Fine, thanks!", "extra": 1})
    assert reply.status_code == 200


def test_chat_message_limit(alice: Api) -> None:
    session_id = alice.start()["session_id"]
    assert_error(alice.chat(session_id, "x" * 4001), 422)
    assert alice.chat(session_id, "x " * 2000).status_code == 200  # exactly 4,000 characters


def test_malformed_json_and_wrong_content_type(alice: Api) -> None:
    broken = alice.client.post("/api/chat", content=b"{not json", headers={"Content-Type": "application/json"})
    assert_error(broken, 422)
    assert "JSON" in broken.json()["error"]
    form = alice.client.post("/api/chat", content=b"session_id=1", headers={"Content-Type": "text/plain"})
    assert 400 <= form.status_code < 500 and form.json()["error"]


def test_oversized_body_is_refused_before_parsing(alice: Api) -> None:
    huge = b'{"session_id": "x", "user_message": "' + b"a" * 300_000 + b'"}'
    response = alice.client.post("/api/chat", content=huge, headers={"Content-Type": "application/json"})
    assert_error(response, 413)

    def chunks():  # no Content-Length: the cap still applies while streaming
        yield b'{"session_id": "x", "user_message": "'
        for _ in range(40):
            yield b"a" * 10_000
        yield b'"}'

    streamed = alice.client.post("/api/chat", content=chunks(), headers={"Content-Type": "application/json"})
    assert_error(streamed, 413)


def test_chat_after_the_end_conflicts(alice: Api) -> None:
    session_id = alice.start()["session_id"]
    alice.say(session_id, "[END_INTERVIEW_MANUAL]")
    assert_error(alice.chat(session_id, "hello?"), 409)
    assert_error(alice.chat(session_id, "[END_INTERVIEW_MANUAL]"), 409)


def test_errors_never_leak_internals(alice: Api) -> None:
    response = alice.client.get("/api/nowhere")
    assert_error(response, 404)
    assert alice.client.get("/docs").status_code == 200
    assert alice.client.get("/openapi.json").json()["info"]["title"] == "interviewsim"


def test_metrics_can_require_a_bearer_token(tmp_path: Path) -> None:
    from interviewsim.app import create_app
    from interviewsim.config import Settings
    from tests.support.servers import thread_server

    settings = Settings(data_dir=tmp_path, local_token="local-test-token", metrics_token="scrape-secret")  # type: ignore[call-arg]
    with thread_server(create_app(settings)) as base_url:
        assert httpx.get(f"{base_url}/metrics").status_code == 401
        assert httpx.get(f"{base_url}/metrics", headers={"Authorization": "Bearer t"}).status_code == 401
        scraped = httpx.get(f"{base_url}/metrics", headers={"Authorization": "Bearer scrape-secret"})
        assert scraped.status_code == 200 and "http_request_duration_seconds" in scraped.text
