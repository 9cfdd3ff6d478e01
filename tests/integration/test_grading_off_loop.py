"""Grading a long interview never stalls the server: /healthz answers while the built-in grader works."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

import interviewsim.evaluation.builtin as builtin
from interviewsim.config import Settings
from interviewsim.evaluation.schema import Evaluation, EvaluationInput
from interviewsim.quality.server import UNTHROTTLED, local_server

LONG_TURNS = 12  # about 47,000 characters: most of what the grader reads (see evaluation.builtin.bounds)
# About 3,900 characters of varied, on-topic prose per turn, like the probe that found the stall.
SENTENCE = (
    "In turn {n} I explain that I would measure the bottleneck first, because scaling the wrong tier wastes money. "
)


def long_answer(n: int) -> str:
    """A ~3.9k-character answer that differs from every other turn's."""
    text = ""
    while len(text) < 3900 - 120:
        text += SENTENCE.format(n=f"{n}-{len(text)}")
    return text


def test_healthz_answers_while_a_long_interview_is_graded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    grading: dict[str, float] = {}
    real_evaluate = builtin.evaluate

    def timed_evaluate(interview: EvaluationInput) -> Evaluation:
        """The real grader, noting when it runs."""
        grading["start"] = time.monotonic()
        try:
            return real_evaluate(interview)
        finally:
            grading["end"] = time.monotonic()

    monkeypatch.setattr(builtin, "evaluate", timed_evaluate)
    settings = Settings(
        data_dir=tmp_path,
        local_token="off-loop-token-123456",
        interviewer=["builtin"],
        evaluator=["builtin"],
        rate_limit_sessions=UNTHROTTLED,
        rate_limit_chat=UNTHROTTLED,
        rate_limit_results=UNTHROTTLED,
    )
    with local_server(settings) as target:
        headers = {"Authorization": f"Bearer {target.token}"}
        with httpx.Client(base_url=target.base_url, headers=headers, timeout=120) as client:
            body = {"domain": "software", "role": "Backend Engineer", "duration": 30, "seed": 3}
            session_id = client.post("/api/start-session", json=body).json()["session_id"]
            for n in range(LONG_TURNS):
                reply = client.post("/api/chat", json={"session_id": session_id, "user_message": long_answer(n)})
                assert reply.status_code == 200, reply.text
                assert reply.json()["end"] is False, f"the interview ended by itself after {n + 1} turns"
            healthy: list[float] = []
            stop = threading.Event()

            def poll() -> None:
                with httpx.Client(base_url=target.base_url, timeout=60) as poller:
                    while not stop.is_set():
                        if poller.get("/healthz").status_code == 200:
                            healthy.append(time.monotonic())

            poller = threading.Thread(target=poll, daemon=True)
            poller.start()
            try:
                while not healthy:  # the poller is under way before the interview ends
                    time.sleep(0.01)
                end = {"session_id": session_id, "user_message": "[END_INTERVIEW_MANUAL]"}
                ended = client.post("/api/chat", json=end)
            finally:
                stop.set()
                poller.join(timeout=60)
    assert ended.status_code == 200, ended.text
    result: dict[str, Any] = ended.json()
    assert result["end"] is True and isinstance(result["score"], int)
    assert "start" in grading and "end" in grading
    during = [t for t in healthy if grading["start"] < t < grading["end"]]
    assert during, f"no /healthz answered during grading ({len(healthy)} answered in all)"
