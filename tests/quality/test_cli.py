"""`simulate` as a Typer command: JSON shape, exit status, remote servers and the optional LLM roles."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from interviewsim.quality.commands import simulate
from interviewsim.quality.judge import criteria_for
from tests.fakes.anthropic import FakeAnthropic, serve
from tests.quality.scripted import KEY, TOKEN, claude_server

CANDIDATE_ANSWER = (
    "I would measure a baseline first, then change one thing at a time; at my last job that cut latency 30%."
)
VERDICT = {"leaked": False, "repeated": False, "hallucinated_feedback": False, "reason": "Clean interview."}


@pytest.fixture
def app() -> typer.Typer:
    """A Typer app with `simulate` registered the way the CLI registers it."""
    cli = typer.Typer()
    cli.command()(simulate)
    return cli


@pytest.fixture(autouse=True)
def _no_vendor_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    """A developer's own keys must not change what these tests run."""
    for name in ("ANTHROPIC_API_KEY", "GEMINI_API_KEY", "OPENAI_MODEL", "OPENAI_API_KEY", "INTERVIEWER", "EVALUATOR"):
        monkeypatch.delenv(name, raising=False)


def invoke(app: typer.Typer, *args: str) -> Any:
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def test_json_output_shape_and_success_exit(app: typer.Typer) -> None:
    result = invoke(app, "--persona", "strong", "--persona", "weak", "--provider", "builtin", "--json", "--seed", "4")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert set(report) == {"ok", "passed", "total", "personas", "cross", "graded"}
    assert report["ok"] is True and report["passed"] == report["total"] and report["graded"] is None
    assert list(report["personas"]) == ["strong", "weak"]
    weak = report["personas"]["weak"]
    assert weak["passed"] == weak["total"] == len(criteria_for("weak"))
    (run,) = weak["runs"]
    assert set(run) == {"run", "seed", "session_id", "score", "control_score", "ended_by", "turns", "error", "criteria"}
    assert run["seed"] == 4 and run["error"] is None and isinstance(run["score"], int)
    assert [c["name"] for c in run["criteria"]] == list(criteria_for("weak"))
    assert all(set(c) == {"name", "passed", "turn", "detail"} for c in run["criteria"])
    assert report["cross"] == [
        {"name": "strong_beats_weak", "passed": True, "turn": None, "detail": report["cross"][0]["detail"]}
    ]


def test_tables_by_default(app: typer.Typer) -> None:
    result = invoke(app, "--persona", "efficient", "--provider", "builtin")
    assert result.exit_code == 0, result.output
    assert "efficient" in result.stdout and "wraps_up" in result.stdout
    assert f"{len(criteria_for('efficient'))}/{len(criteria_for('efficient'))} criteria passed" in result.stdout


def test_failures_exit_1_against_a_running_server(app: typer.Typer, tmp_path: Path) -> None:
    with claude_server("repeat", tmp_path) as target:
        result = invoke(app, "--persona", "efficient", "--base-url", target.base_url, "--token", TOKEN, "--json")
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    assert report["ok"] is False and report["passed"] == report["total"] - 1
    failed = [c for c in report["personas"]["efficient"]["runs"][0]["criteria"] if not c["passed"]]
    assert [(c["name"], c["turn"]) for c in failed] == [("no_repeated_question", 6)]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--llm-candidate"], "--llm-candidate needs ANTHROPIC_API_KEY"),
        (["--grader", "gemini"], "--grader gemini needs GEMINI_API_KEY"),
        (["--grader", "mistral"], "unknown provider 'mistral'"),
        (["--persona", "sleepy"], "unknown persona sleepy"),
        (["--base-url", "http://127.0.0.1:9"], "--base-url needs --token"),
        (["--base-url", "http://127.0.0.1:9", "--token", "t", "--provider", "builtin"], "--provider configures"),
        (["--provider", "anthropic"], "INTERVIEWER=anthropic needs ANTHROPIC_API_KEY"),
    ],
)
def test_usage_errors_exit_2_with_one_clear_line(app: typer.Typer, args: list[str], message: str) -> None:
    result = invoke(app, *args)
    assert result.exit_code == 2
    assert message in result.stderr and result.stdout == ""


def _fake_llm(body: dict[str, Any]) -> str:
    """The candidate's words, or the grader's verdict, depending on who asks."""
    system = json.dumps(body.get("system"))
    return json.dumps(VERDICT) if "You audit" in system else CANDIDATE_ANSWER


def test_llm_candidate_and_grader_on_a_fake_claude(
    app: typer.Typer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    fake = FakeAnthropic(default=_fake_llm, api_key=KEY)
    with serve(fake) as url:
        monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
        monkeypatch.setenv("ANTHROPIC_BASE_URL", url)
        args = ("--persona", "efficient", "--provider", "builtin", "--llm-candidate", "--grader", "anthropic", "--json")
        result = invoke(app, *args)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["graded"] == {"graded_no_leak": 1.0, "graded_no_repetition": 1.0, "graded_grounded_feedback": 1.0}
    names = [c["name"] for c in report["personas"]["efficient"]["runs"][0]["criteria"]]
    assert names[-3:] == ["graded_no_leak", "graded_no_repetition", "graded_grounded_feedback"]
    systems = [json.dumps(r.json["system"]) for r in fake.requests]
    candidate_turns = sum("role-playing a job candidate" in s for s in systems)
    assert candidate_turns >= 5 and sum("You audit" in s for s in systems) == 1
    assert "concisely with one concrete example" in systems[0]  # the persona's description
