"""The front end's whole contract through real HTTP against a live server."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any

import pytest

from interviewsim.config import Settings
from tests.conftest import Api
from tests.support.mp3 import looks_like_mp3, mp3_duration

FLAT_KEYS = {
    "text_response": str,
    "voice_response": str,
    "strengths": str,
    "weaknesses": str,
    "recommendations": str,
    "overall_impression": str,
    "score": int,
    "communication_score": int,
    "technical_score": int,
    "confidence_score": int,
    "behavior_score": int,
    "selected": bool,
    "end": bool,
}
ANSWERS = [
    "I'm doing well, thanks. A little nervous but excited to talk about backend work.",
    "I started with Python scripts at university and fell in love with building APIs.",
    "In my last role I designed a REST API in FastAPI backed by PostgreSQL; we added an index on the "
    "orders table and cut p95 latency from 800 ms to 120 ms, and I wrote integration tests for every route.",
    "I would start by measuring: add tracing, look at slow queries with EXPLAIN ANALYZE, then cache hot "
    "reads in Redis with a TTL and invalidate on writes, checking the hit rate afterwards.",
    "When two teammates disagreed on an API design, I wrote both options down with their trade-offs, we "
    "met for thirty minutes, picked one, and the feature shipped on time with both of them on board.",
    "For reliability I use retries with exponential backoff and jitter, idempotency keys on writes, and "
    "timeouts on every outbound call, plus alerts on error rate and latency.",
    "I keep learning through side projects, reading the source of libraries I use, and code review.",
]


def assert_evaluation(payload: dict[str, Any]) -> None:
    for key, kind in FLAT_KEYS.items():
        assert isinstance(payload.get(key), kind), (key, payload.get(key))
    for key in ("score", "communication_score", "technical_score", "confidence_score", "behavior_score"):
        assert 0 <= payload[key] <= 100
    assert payload["end"] is True
    assert payload["voice_response"].isascii()
    assert payload["strengths"].startswith("- ")
    assert isinstance(payload["details"]["evidence"], list)


def run_interview(api: Api, answers: list[str]) -> tuple[str, list[dict[str, Any]]]:
    started = api.start()
    session_id = started["session_id"]
    first = started["first_question"]
    assert first["end"] is False and first["text_response"].strip() and first["voice_response"].isascii()
    replies = []
    for answer in answers:
        reply = api.say(session_id, answer)
        replies.append(reply)
        if reply["end"]:
            break
    return session_id, replies


def test_full_interview_over_http(alice: Api) -> None:
    session_id, replies = run_interview(alice, ANSWERS)
    assert len(replies) >= 6
    assert all(not r["end"] for r in replies)
    texts = [r["text_response"] for r in replies]
    assert len(set(texts)) == len(texts), "the interviewer repeated itself"
    assert replies[1]["phase"] == "core" and replies[1]["question_number"] == 1

    final = alice.say(session_id, "[END_INTERVIEW_MANUAL]")
    assert_evaluation(final)
    assert final["closing_text"]

    after = alice.chat(session_id, "One more thing")
    assert after.status_code == 409 and after.json()["error"]

    results = alice.client.post("/api/results", json={"session_id": session_id})
    assert results.status_code == 200
    assert_evaluation(results.json())
    assert results.json()["score"] == final["score"]
    again = alice.client.post("/api/results", json={"session_id": session_id}).json()
    assert again == results.json()

    listing = alice.client.get("/api/sessions").json()["sessions"]
    assert listing[0]["session_id"] == session_id
    assert listing[0]["status"] == "ended" and listing[0]["score"] == final["score"]

    detail = alice.client.get(f"/api/sessions/{session_id}").json()
    assert detail["status"] == "ended" and detail["ended_by"] == "manual"
    user_texts = [m["text"] for m in detail["messages"] if m["role"] == "user"]
    assert user_texts == ANSWERS
    roles = [m["role"] for m in detail["messages"]]
    # Strict alternation; the end marker is not an answer, so the closing follows the last question.
    assert roles[0] == "assistant" and all(a != b for a, b in pairwise(roles[:-1]))
    assert detail["messages"][-1]["kind"] == "closing"
    assert detail["evaluation"]["score"] == final["score"]


def test_tts_returns_mp3_speech(alice: Api) -> None:
    text = "Great answer! Let's move on 🚀 to **system design**. How would you shard a users table?"
    durations = {}
    for style in ("male", "female"):
        response = alice.client.post("/api/tts", json={"text": text, "voice_style": style})
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("audio/mpeg")
        assert looks_like_mp3(response.content)
        durations[style] = mp3_duration(response.content)
    for seconds in durations.values():
        assert 2.5 < seconds < 15, durations  # 15 words at a speaking pace


def test_tts_rejects_empty_and_oversized_text(alice: Api) -> None:
    empty = alice.client.post("/api/tts", json={"text": "", "voice_style": "male"})
    assert empty.status_code == 400 and empty.json()["error"]
    emoji_only = alice.client.post("/api/tts", json={"text": "🚀🎉", "voice_style": "male"})
    assert emoji_only.status_code == 400
    long = alice.client.post("/api/tts", json={"text": "word " * 501, "voice_style": "male"})
    assert long.status_code == 422 and "text" in long.json()["error"]


SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@SQLITE_ONLY
def test_each_reply_is_committed_before_it_is_sent(alice: Api, settings: Settings) -> None:
    session_id = alice.start()["session_id"]
    for number, answer in enumerate(ANSWERS[:4], start=1):
        reply = alice.say(session_id, answer)
        with sqlite3.connect(settings.data_dir / "interviewsim.db") as db:
            (stored,) = db.execute("SELECT count(*) FROM messages WHERE session_id = ?", (session_id,)).fetchone()
            (phase,) = db.execute("SELECT phase FROM interview_sessions WHERE id = ?", (session_id,)).fetchone()
        assert stored == 1 + 2 * number and phase == reply["phase"]


@SQLITE_ONLY
def test_time_up_wraps_up_on_the_next_turn(alice: Api, settings: Settings) -> None:
    session_id, _ = run_interview(alice, ANSWERS[:3])
    past = (datetime.now(UTC) - timedelta(minutes=16)).strftime("%Y-%m-%d %H:%M:%S.%f")
    with sqlite3.connect(settings.data_dir / "interviewsim.db") as db:
        db.execute("UPDATE interview_sessions SET created_at = ? WHERE id = ?", (past, session_id))
    reply = alice.say(session_id, ANSWERS[3])
    assert_evaluation(reply)
    detail = alice.client.get(f"/api/sessions/{session_id}").json()
    assert detail["ended_by"] == "time_up"
    assert detail["messages"][-2]["text"] == ANSWERS[3]


def test_time_up_marker_ends_at_once(alice: Api) -> None:
    session_id, _ = run_interview(alice, ANSWERS[:2])
    reply = alice.say(session_id, "[END_INTERVIEW_TIME_UP]")
    assert_evaluation(reply)
    detail = alice.client.get(f"/api/sessions/{session_id}").json()
    assert detail["ended_by"] == "time_up"
    assert "[END_INTERVIEW" not in str(detail["messages"])


def test_results_before_the_end_ends_and_grades_once(alice: Api) -> None:
    session_id, _ = run_interview(alice, ANSWERS[:4])
    results = alice.client.post("/api/results", json={"session_id": session_id})
    assert results.status_code == 200
    assert_evaluation(results.json())
    assert alice.chat(session_id, "more").status_code == 409
    assert alice.client.post("/api/results", json={"session_id": session_id}).json() == results.json()


def test_a_whole_planned_interview_wraps_up_then_ends(alice: Api) -> None:
    started = alice.start(duration=5, interview_type="Technical")
    session_id = started["session_id"]
    answer = ANSWERS[3]
    replies = []
    for _ in range(20):
        reply = alice.say(session_id, answer)
        replies.append(reply)
        if reply["end"]:
            break
    assert replies[-1]["end"] is True
    assert_evaluation(replies[-1])
    phases = [r["phase"] for r in replies]
    assert "wrapup" in phases
    assert max(r["question_number"] for r in replies) == 3  # five minutes plan three questions
