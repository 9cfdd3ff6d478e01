"""Grader hygiene over HTTP: the verifier lowers unsupported scores, a thin transcript is not graded at all."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from interviewsim.app import create_app
from interviewsim.config import Settings
from tests.fakes.gemini import FakeGemini, Reply, running_fake_gemini
from tests.fakes.scripts import EVALUATION
from tests.support.servers import thread_server

TOKEN = "hygiene-token-0123"
GEMINI_KEY = "gm-hygiene-0123456789"
CORE_ANSWER = "I would add a composite index on the filter columns and check the plan with EXPLAIN ANALYZE."
GRADED_QUESTION = {
    "question": "(the model's wording)",
    "answer_excerpt": "composite index on the filter columns",
    "score": 88,
    "reason": "Names the index and checks the plan.",
    "covered": ["indexes"],
    "missed": [],
    "model_answer": "Measure first, read the plan, add the index the filter needs, measure again.",
}
CHECKS = {
    "scores": [
        {"category": "technical", "supported": 55, "reason": "One index is named; no depth is shown."},
        {"category": "communication", "supported": 95, "reason": "A verifier may never raise a score."},
    ],
    "questions": [{"index": 0, "supported": 60, "reason": "No measurement before or after is mentioned."}],
}


def grader(body: dict[str, Any]) -> str:
    """The first pass grades generously; the second (the verifier, asked with <grades>) lowers what is unsupported."""
    prompt = json.dumps(body["contents"])
    if "<grades>" in prompt:
        return json.dumps(CHECKS)
    return json.dumps({**EVALUATION, "questions": [GRADED_QUESTION]})


@pytest.fixture
def gemini() -> Iterator[tuple[FakeGemini, str]]:
    with running_fake_gemini(FakeGemini(api_key=GEMINI_KEY, default=Reply(grader))) as served:
        yield served


def serve(tmp_path: Path, gemini_url: str | None, **overrides: Any) -> Any:
    settings = Settings(
        data_dir=tmp_path,
        local_token=TOKEN,
        interviewer=["builtin"],
        gemini_api_key=GEMINI_KEY,
        google_gemini_base_url=gemini_url or "http://127.0.0.1:9",
        **overrides,
    )  # type: ignore[call-arg]
    return thread_server(create_app(settings))


def interview(base_url: str, answers: list[str]) -> dict[str, Any]:
    """An interview with the built-in interviewer: `answers`, then the manual end; the final reply."""
    with httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=60) as api:
        started = api.post("/api/start-session", json={"domain": "software", "role": "Backend Engineer", "seed": 3})
        session_id = started.json()["session_id"]
        for answer in answers:
            assert api.post("/api/chat", json={"session_id": session_id, "user_message": answer}).status_code == 200
        final = api.post("/api/chat", json={"session_id": session_id, "user_message": "[END_INTERVIEW_MANUAL]"})
        assert final.status_code == 200, final.text
        results = api.post("/api/results", json={"session_id": session_id})
        assert results.status_code == 200 and results.json()["score"] == final.json()["score"]
        body: dict[str, Any] = final.json()
        return body


WARMUP = ["Very well, thank you.", "I enjoy hiking at weekends."]


def test_the_verifier_lowers_scores_the_evidence_does_not_support(
    tmp_path: Path, gemini: tuple[FakeGemini, str]
) -> None:
    fake, url = gemini
    with serve(tmp_path, url, evaluator=["gemini"], evaluator_verify=True) as base_url:
        final = interview(base_url, [*WARMUP, CORE_ANSWER])
    assert final["technical_score"] == 55 and final["communication_score"] == EVALUATION["scores"]["communication"]
    assert final["questions"][0]["score"] == 60 and "lowered on review from 88" in final["questions"][0]["reason"]
    verification = final["details"]["verification"]
    assert verification["verified"] is True and verification["verifier"] == "gemini"
    assert verification["changes"] == [
        {"target": "technical", "from": 74, "to": 55, "reason": CHECKS["scores"][0]["reason"]},
        {"target": "question 1", "from": 88, "to": 60, "reason": CHECKS["questions"][0]["reason"]},
    ]
    grading, checking = fake.requests[-2:]
    asked = json.dumps(checking.json["contents"])
    assert "<grades>" not in json.dumps(grading.json["contents"]) and "<grades>" in asked
    assert "Names the index" in asked and "EXPLAIN ANALYZE" in asked  # the grades and the transcript
    assert checking.json["generationConfig"]["responseJsonSchema"]["properties"]["scores"]


def test_without_the_setting_there_is_no_second_pass(tmp_path: Path, gemini: tuple[FakeGemini, str]) -> None:
    fake, url = gemini
    with serve(tmp_path, url, evaluator=["gemini"]) as base_url:
        final = interview(base_url, [*WARMUP, CORE_ANSWER])
    assert final["technical_score"] == 74 and "verification" not in final["details"]
    assert len(fake.requests) == 1


@pytest.mark.parametrize("evaluator", ["gemini", "builtin"])
def test_a_thin_transcript_is_withheld_not_graded(
    tmp_path: Path, gemini: tuple[FakeGemini, str], evaluator: str
) -> None:
    fake, url = gemini
    with serve(tmp_path, url, evaluator=[evaluator]) as base_url:
        final = interview(base_url, WARMUP)  # ended before any core question was answered
    assert final["end"] is True and final["selected"] is False and final["score"] == 0
    assert all(final[key] == 0 for key in ("communication_score", "technical_score", "confidence_score"))
    details = final["details"]
    assert details["withheld"] is True and "no substantive answer" in details["withheld_reason"]
    assert "No grade was given" in final["text_response"] and final["questions"] == []
    assert fake.requests == []  # no vendor was asked to invent a grade


def test_the_minimum_is_a_setting(tmp_path: Path, gemini: tuple[FakeGemini, str]) -> None:
    _, url = gemini
    with serve(tmp_path, url, evaluator=["builtin"], evaluator_min_answers=2) as base_url:
        final = interview(base_url, [*WARMUP, CORE_ANSWER])
    assert final["details"]["withheld"] is True and "only 1 substantive answer" in final["details"]["withheld_reason"]
    with serve(tmp_path / "graded", url, evaluator=["builtin"], evaluator_min_answers=1) as base_url:
        graded = interview(base_url, [*WARMUP, CORE_ANSWER])
    assert "withheld" not in graded["details"] and graded["questions"]
