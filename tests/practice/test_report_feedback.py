"""`interviewsim report` shows each question's feedback, the delivery of spoken answers, and a withheld grade."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import typer
from typer.testing import CliRunner

from interviewsim.app import create_app
from interviewsim.config import Settings
from interviewsim.practice.commands import report
from tests.support.servers import thread_server
from tests.support.speech import encode, spoken

TOKEN = "report-token-0123"
WARMUP = ["Very well, thank you.", "I enjoy hiking at weekends."]
SPOKEN = "I would add an index to the orders table, then measure the latency again."
TYPED = "A token bucket per user kept in Redis, refilled at a fixed rate, answering 429 with Retry-After."


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    settings = Settings(data_dir=tmp_path, local_token=TOKEN, interviewer=["builtin"], evaluator=["builtin"])  # type: ignore[call-arg]
    with thread_server(create_app(settings)) as base_url:
        yield base_url


def show(server: str, session_id: str, *flags: str) -> str:
    cli = typer.Typer()
    cli.command()(report)
    cli.command()(lambda: None)  # two commands, so `report` is a subcommand as on the real CLI
    args = ["report", session_id, *flags, "--base-url", server, "--token", TOKEN]
    result = CliRunner(env={"COLUMNS": "200"}).invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return str(result.output)


def interview(server: str, *, spoken_core: bool) -> tuple[str, dict[str, Any]]:
    """Warm-up typed, then one core answer spoken through /api/stt (or nothing), then the manual end."""
    with httpx.Client(base_url=server, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=120) as api:
        body = {"domain": "software", "role": "Backend Engineer", "interview_type": "Technical", "seed": 5}
        session_id = api.post("/api/start-session", json=body).json()["session_id"]
        for answer in WARMUP:
            assert api.post("/api/chat", json={"session_id": session_id, "user_message": answer}).status_code == 200
        if spoken_core:
            files = {"file": ("answer.webm", encode(spoken(SPOKEN), "webm"), "audio/webm")}
            heard = api.post("/api/stt", files=files).json()
            turn = {"session_id": session_id, "user_message": heard["text"], "speech_id": heard["speech_id"]}
            assert api.post("/api/chat", json=turn).status_code == 200
            assert api.post("/api/chat", json={"session_id": session_id, "user_message": TYPED}).status_code == 200
        api.post("/api/chat", json={"session_id": session_id, "user_message": "[END_INTERVIEW_MANUAL]"})
        evaluation = api.get(f"/api/sessions/{session_id}").json()["evaluation"]
    return session_id, evaluation


def test_the_report_shows_each_question_with_its_feedback_and_delivery(server: str) -> None:
    session_id, evaluation = interview(server, spoken_core=True)
    first = evaluation["questions"][0]
    assert first["delivery"] and evaluation["questions"][0]["model_answer"]

    out = show(server, session_id)
    assert "Question by question" in out
    assert re.search(rf"Q1\. .+  {first['score']}/100", out), out
    assert "Model answer" in out and first["model_answer"].split()[0] in out
    assert re.search(r"Delivery\s+Spoken: [\d.]+ words per minute, \d+ fillers, \d+ long pauses", out), out
    assert "speech-recognition confidence" in out

    markdown = show(server, session_id, "--markdown")
    assert "## Question by question" in markdown
    assert f"### 1. {first['question']}" in markdown
    assert f"**Score:** {first['score']}/100 — {first['reason']}" in markdown
    assert "\n\n**Covered:** " in markdown and "\n\n**Missed:** " in markdown and "**Model answer:**\n\n> " in markdown
    assert "**Delivery:** Spoken: " in markdown
    typed = evaluation["questions"][1]
    assert typed["delivery"] is None
    section = markdown.split(f"### 2. {typed['question']}")[1].split("## Transcript")[0]
    assert "**Delivery:**" not in section  # a typed answer has no delivery line
    assert markdown.index("## Question by question") < markdown.index("## Transcript")


def test_a_withheld_grade_says_why(server: str) -> None:
    session_id, evaluation = interview(server, spoken_core=False)
    assert evaluation["details"]["withheld"] is True
    out = show(server, session_id)
    assert "Not graded:" in out and "no substantive answer" in out
    markdown = show(server, session_id, "--markdown")
    assert "## Not graded\n\n" in markdown and evaluation["details"]["withheld_reason"] in markdown
