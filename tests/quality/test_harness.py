"""The harness end to end: every persona passes on the built-in engines; a misbehaving Claude is caught."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from interviewsim.config import Settings
from interviewsim.quality.judge import criteria_for, judge_suite
from interviewsim.quality.personas import PERSONAS
from interviewsim.quality.records import RunReport, SuiteReport
from interviewsim.quality.runner import plans_for, run_plans
from interviewsim.quality.server import UNTHROTTLED, local_server
from tests.quality.scripted import LEAKED_POINT, claude_server

SEED = 1
WARMUP_END = 4  # turn index of the first core question: greeting, answer, warm-up, answer


def failures(run: RunReport) -> dict[str, int | None]:
    """Failed criteria and the turn each names."""
    return {v.name: v.turn for v in run.verdicts if not v.passed}


def transcript(run: RunReport) -> str:
    """The run's transcript, for assertion messages."""
    return "\n".join(
        f"{m.index:2d} {m.role:9} {m.kind or m.intent or '':16} {m.text[:90]!r}" for m in run.record.messages
    )


@pytest.fixture(scope="module")
def builtin_report(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SuiteReport]:
    """Every persona once against the built-in engines, over HTTP."""
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("quality"),
        local_token="quality-builtin-token",
        interviewer=["builtin"],
        evaluator=["builtin"],
        rate_limit_sessions=UNTHROTTLED,
        rate_limit_chat=UNTHROTTLED,
        rate_limit_results=UNTHROTTLED,
    )
    with local_server(settings) as target:
        records = asyncio.run(run_plans(target, plans_for(list(PERSONAS), 1, SEED)))
    yield judge_suite(records)


@pytest.mark.parametrize("persona", list(PERSONAS))
def test_every_persona_passes_its_criteria_on_the_builtin_engines(builtin_report: SuiteReport, persona: str) -> None:
    (run,) = [r for r in builtin_report.runs if r.record.persona == persona]
    assert [v.name for v in run.verdicts] == list(criteria_for(persona))
    assert failures(run) == {}, f"{[v for v in run.verdicts if not v.passed]}\n{transcript(run)}"
    assert run.record.ended_by in ("completed", "early") and run.record.evaluation is not None


def test_cross_persona_criteria_pass_on_the_builtin_engines(builtin_report: SuiteReport) -> None:
    assert [(v.name, v.passed) for v in builtin_report.cross] == [("strong_beats_weak", True)]
    assert builtin_report.ok and builtin_report.passed == builtin_report.total


def test_the_injector_is_compared_with_a_matched_control(builtin_report: SuiteReport) -> None:
    (run,) = [r for r in builtin_report.runs if r.record.persona == "injector"]
    control = run.record.control
    assert control is not None and control.seed == run.record.seed and control.score is not None
    attacks = [m for m in run.record.candidate if m.intent == "injection"]
    assert attacks and not any("instructions" in m.text or "rubric" in m.text for m in control.candidate)


@pytest.mark.parametrize(
    ("mode", "criterion", "turn", "detail"),
    [
        ("repeat", "no_repeated_question", WARMUP_END + 2, "repeats the question of turn 4"),
        ("two_questions", "one_question_per_turn", WARMUP_END + 2, "2 questions in a question turn"),
        ("key_point", "no_leak", WARMUP_END, f"reveals key point {LEAKED_POINT!r}"),
        ("rubric", "no_leak", WARMUP_END + 2, "mentions 'rubric'"),
    ],
)
def test_a_misbehaving_claude_interviewer_is_caught(
    tmp_path: Path, mode: str, criterion: str, turn: int, detail: str
) -> None:
    with claude_server(mode, tmp_path) as target:
        records = asyncio.run(run_plans(target, plans_for(["efficient"], 1, SEED)))
    (run,) = judge_suite(records).runs
    assert run.record.messages[turn].role == "assistant", transcript(run)
    assert failures(run) == {criterion: turn}, transcript(run)
    (verdict,) = [v for v in run.verdicts if v.name == criterion]
    assert verdict.detail == detail


def test_a_well_behaved_claude_interviewer_passes(tmp_path: Path) -> None:
    with claude_server("good", tmp_path) as target:
        records = asyncio.run(run_plans(target, plans_for(["efficient", "off-topic"], 1, SEED)))
    runs = judge_suite(records).runs
    assert failures(runs[0]) == {}, transcript(runs[0])
    # The scripted Claude never redirects: the harness says so at the turn it answered an off-topic message.
    assert list(failures(runs[1])) == ["redirect_after_off_topic"], transcript(runs[1])
