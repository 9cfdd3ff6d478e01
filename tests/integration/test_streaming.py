"""POST /api/chat/stream: SSE framing, parity with /api/chat, disconnects, and first-delta ordering."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from interviewsim.app import create_app
from interviewsim.config import Settings
from tests.conftest import Api
from tests.fakes.anthropic import FakeAnthropic, Reply, StreamError, serve
from tests.fakes.scripts import interviewer_reply
from tests.support.servers import thread_server

TOKEN = "stream-test-token-1234"


def read_events(response: httpx.Response) -> list[tuple[str, Any]]:
    """Parse SSE frames, asserting the framing: an event line, one data line, a blank line."""
    events = []
    for frame in response.text.split("\n\n"):
        if not frame:
            continue
        lines = frame.split("\n")
        assert len(lines) == 2 and lines[0].startswith("event: ") and lines[1].startswith("data: "), frame
        events.append((lines[0][7:], json.loads(lines[1][6:])))
    return events


def stream(api: Api, session_id: str, message: str) -> list[tuple[str, Any]]:
    response = api.client.post("/api/chat/stream", json={"session_id": session_id, "user_message": message})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/event-stream")
    assert response.headers["cache-control"] == "no-cache" and response.headers["x-accel-buffering"] == "no"
    return read_events(response)


ANSWERS = [
    "Very well, thank you.",
    "I enjoy building reliable backend systems.",
    "I would add a composite index and cache hot reads in Redis with a TTL, then verify p95 latency.",
    "I'd use a token bucket per user stored in Redis, refilled at a fixed rate, returning 429 with Retry-After.",
]


def test_events_are_deltas_then_one_done_equal_to_chat(alice: Api, bob: Api) -> None:
    streamed_id = alice.start(seed=11, interview_type="Technical")["session_id"]
    plain_id = bob.start(seed=11, interview_type="Technical")["session_id"]
    for answer in [*ANSWERS, "[END_INTERVIEW_MANUAL]"]:
        events = stream(alice, streamed_id, answer)
        plain = bob.say(plain_id, answer)
        names = [name for name, _ in events]
        assert names[-1] == "done" and set(names[:-1]) == {"delta"} and len(names) >= 2
        done = events[-1][1]
        deltas = "".join(data["text"] for name, data in events[:-1])
        expected = done.get("closing_text") if done["end"] else done["text_response"]
        assert deltas == expected
        for payload in (done, plain):
            payload.pop("minutes_left")
        assert done == plain
    assert done["end"] is True and "score" in done


def test_errors_before_the_stream_are_json(alice: Api, live: str) -> None:
    body = {"session_id": "00000000-0000-4000-8000-000000000000", "user_message": "hi"}
    assert httpx.post(f"{live}/api/chat/stream", json=body).status_code == 401
    missing = alice.client.post("/api/chat/stream", json=body)
    assert missing.status_code == 404 and missing.json()["error"]
    session_id = alice.start()["session_id"]
    alice.say(session_id, "[END_INTERVIEW_MANUAL]")
    ended = alice.client.post("/api/chat/stream", json={"session_id": session_id, "user_message": "hello"})
    assert ended.status_code == 409 and ended.json()["error"]
    too_long = alice.client.post("/api/chat/stream", json={"session_id": session_id, "user_message": "x" * 4001})
    assert too_long.status_code == 422


@pytest.fixture
def slow_claude(tmp_path: Path) -> Iterator[tuple[FakeAnthropic, Api]]:
    """The service on a Claude fake whose deltas arrive slowly."""
    fake = FakeAnthropic(default=interviewer_reply, delta_delay=0.02)
    with serve(fake) as url:
        settings = Settings(
            data_dir=tmp_path,
            local_token=TOKEN,
            anthropic_api_key="sk-ant-x",
            anthropic_base_url=url,
            provider_max_retries=0,
        )  # type: ignore[call-arg]
        with thread_server(create_app(settings)) as base_url:
            api = Api(base_url, TOKEN)
            yield fake, api
            api.client.close()


def test_first_delta_arrives_before_the_model_finishes(slow_claude: tuple[FakeAnthropic, Api]) -> None:
    fake, api = slow_claude
    session_id = api.start()["session_id"]
    last_delta_released = threading.Event()
    fake.queue(Reply(before_last=last_delta_released))
    body = {"session_id": session_id, "user_message": "I'm well, thanks."}
    with api.client.stream("POST", "/api/chat/stream", json=body) as response:
        lines = response.iter_lines()
        first = next(lines)
        assert first == "event: delta"
        assert json.loads(next(lines)[6:])["text"]
        # The model has not sent its last token yet: the candidate already reads the reply.
        assert not last_delta_released.is_set()
        last_delta_released.set()
        rest = "\n".join(lines)
    assert "event: done" in rest
    stored = api.client.get(f"/api/sessions/{session_id}").json()["messages"]
    assert [m["role"] for m in stored] == ["assistant", "user", "assistant"]
    assert stored[-1]["provider"] == "anthropic"


def test_a_disconnect_mid_stream_leaves_the_session_consistent(slow_claude: tuple[FakeAnthropic, Api]) -> None:
    fake, api = slow_claude
    session_id = api.start()["session_id"]
    never = threading.Event()
    fake.queue(Reply(before_last=never))
    answer = "Doing well, thank you."
    body = {"session_id": session_id, "user_message": answer}
    with api.client.stream("POST", "/api/chat/stream", json=body) as response:
        assert next(response.iter_lines()) == "event: delta"
    # The client went away before the reply finished: the answer is kept, no half reply is stored.
    stored = api.client.get(f"/api/sessions/{session_id}").json()["messages"]
    assert [(m["role"], m["text"]) for m in stored[1:]] == [("user", answer)]
    again = api.say(session_id, answer)  # re-sending the same answer continues the turn
    assert again["kind"] == "warmup"
    stored = api.client.get(f"/api/sessions/{session_id}").json()["messages"]
    assert [m["role"] for m in stored] == ["assistant", "user", "assistant"]
    never.set()


def test_a_provider_error_mid_stream_is_an_error_event_and_the_answer_stays(
    slow_claude: tuple[FakeAnthropic, Api],
) -> None:
    fake, api = slow_claude
    session_id = api.start()["session_id"]
    fake.queue(StreamError(error_type="overloaded_error", after=2))
    answer = "Fine, thank you — excited to start."
    events = stream(api, session_id, answer)
    names = [name for name, _ in events]
    assert names[:2] == ["delta", "delta"] and names[-1] == "error"
    error = events[-1][1]
    assert error["status"] in (502, 503) and "saved" in error["error"]
    stored = api.client.get(f"/api/sessions/{session_id}").json()["messages"]
    assert [(m["role"], m["text"]) for m in stored[1:]] == [("user", answer)]
    retried = stream(api, session_id, answer)  # the client re-sends: the turn completes once
    assert retried[-1][0] == "done"
    roles = [m["role"] for m in api.client.get(f"/api/sessions/{session_id}").json()["messages"]]
    assert roles == ["assistant", "user", "assistant"]
