"""A spoken answer: /api/stt, then /api/chat with its speech_id stores the server's delivery metrics with it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from interviewsim.app import create_app
from interviewsim.config import Settings
from tests.conftest import Api
from tests.support.auth import TokenTableVerifier
from tests.support.servers import thread_server
from tests.support.speech import FILLED_ANSWER, encode, spoken


@pytest.fixture
def server(settings: Settings) -> Iterator[str]:
    app = create_app(settings, verifier=TokenTableVerifier({"alice-token": "alice", "bob-token": "bob"}))
    with thread_server(app) as base_url:
        yield base_url


def transcribe(api: Api, pcm: bytes) -> dict[str, Any]:
    files = {"file": ("answer.webm", encode(pcm, "webm"), "audio/webm")}
    response = api.client.post("/api/stt", files=files)
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_the_spoken_answer_is_stored_with_the_servers_delivery(server: str) -> None:
    alice, bob = Api(server, "alice-token"), Api(server, "bob-token")
    session_id = alice.start()["session_id"]
    heard = transcribe(alice, spoken(FILLED_ANSWER))
    assert heard["delivery"]["fillers"] >= 3, heard["text"]

    stolen = bob.client.post(
        "/api/chat",
        json={"session_id": bob.start()["session_id"], "user_message": heard["text"], "speech_id": heard["speech_id"]},
    )
    assert stolen.status_code == 404 and "speech_id" in stolen.json()["error"]
    unknown = {"session_id": session_id, "user_message": "Hello", "speech_id": "x" * 32}
    assert alice.client.post("/api/chat", json=unknown).status_code == 404

    spoken_turn = {"session_id": session_id, "user_message": heard["text"], "speech_id": heard["speech_id"]}
    assert alice.client.post("/api/chat", json=spoken_turn).status_code == 200
    assert alice.say(session_id, "And this one I typed.")["end"] is False

    detail = alice.client.get(f"/api/sessions/{session_id}").json()
    answers = [m for m in detail["messages"] if m["role"] == "user"]
    assert len(answers) == 2
    stored = answers[0]["delivery"]
    assert stored == {**heard["delivery"], "edited": False}
    assert answers[1]["delivery"] is None
    assert all(m["interrupted"] is False for m in detail["messages"])
    assert all(m["delivery"] is None for m in detail["messages"] if m["role"] == "assistant")

    results = alice.client.post("/api/results", json={"session_id": session_id}).json()
    overall = results["details"]["delivery"]  # how the interview was spoken, for the results page
    assert (overall["words"], overall["fillers"]) == (heard["delivery"]["words"], heard["delivery"]["fillers"])


def test_an_edited_transcript_keeps_its_delivery_marked_edited(server: str) -> None:
    alice = Api(server, "alice-token")
    session_id = alice.start()["session_id"]
    heard = transcribe(alice, spoken("I would add an index and measure again."))
    edited = {"session_id": session_id, "user_message": "I would add a B-tree index.", "speech_id": heard["speech_id"]}
    assert alice.client.post("/api/chat", json=edited).status_code == 200
    detail = alice.client.get(f"/api/sessions/{session_id}").json()
    answer = next(m for m in detail["messages"] if m["role"] == "user")
    assert answer["text"] == "I would add a B-tree index." and answer["delivery"]["edited"] is True
