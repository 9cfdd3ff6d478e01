"""The server-side interview plan: question count, phases and the clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from interviewsim.interviewer.base import InterviewerReply
from interviewsim.interviews import flow
from interviewsim.interviews.domain import Directive, Phase, TurnKind
from interviewsim.interviews.models import InterviewSession

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(("minutes", "questions"), [(5, 3), (10, 4), (15, 6), (30, 13), (90, 40)])
def test_one_question_per_two_and_a_quarter_minutes(minutes: int, questions: int) -> None:
    assert flow.planned_questions(minutes) == questions


def session(**fields: object) -> InterviewSession:
    defaults: dict[str, object] = {
        "phase": Phase.WARMUP,
        "warmup_exchanges": 0,
        "questions_asked": 0,
        "questions_planned": 3,
        "duration": 15,
        "created_at": NOW,
    }
    return InterviewSession(**{**defaults, **fields})


def test_warmup_then_transition_then_core() -> None:
    assert flow.directive_for_answer(session(warmup_exchanges=1), NOW) == Directive.WARMUP
    assert flow.directive_for_answer(session(warmup_exchanges=2), NOW) == Directive.TRANSITION
    assert flow.directive_for_answer(session(phase=Phase.CORE), NOW) == Directive.CORE
    assert flow.directive_for_answer(session(phase=Phase.WRAPUP), NOW) == Directive.CLOSE


def test_time_up_closes_on_the_next_turn() -> None:
    later = NOW + timedelta(minutes=15, seconds=1)
    assert flow.minutes_left(session(), later) == 0
    assert flow.directive_for_answer(session(phase=Phase.CORE), later) == Directive.CLOSE
    assert flow.minutes_left(session(), NOW + timedelta(minutes=6)) == 9


def test_apply_reply_counts_only_new_questions() -> None:
    s = session(phase=Phase.WARMUP)
    flow.apply_reply(s, InterviewerReply("Q?", "Q?", TurnKind.QUESTION, "q1"), Directive.TRANSITION)
    assert (s.phase, s.questions_asked) == (Phase.CORE, 1)
    flow.apply_reply(s, InterviewerReply("More?", "More?", TurnKind.FOLLOW_UP), Directive.CORE)
    assert s.questions_asked == 1
    flow.apply_reply(s, InterviewerReply("Questions for me?", "x", TurnKind.WRAPUP), Directive.WRAPUP)
    assert s.phase == Phase.WRAPUP
    flow.apply_reply(s, InterviewerReply("Bye.", "Bye.", TurnKind.CLOSING, end=True), Directive.CLOSE)
    assert s.phase == Phase.ENDED


def test_the_server_wraps_up_when_an_interviewer_overshoots_the_plan() -> None:
    assert flow.directive_for_answer(session(phase=Phase.CORE, questions_asked=3), NOW) == Directive.CORE
    assert flow.directive_for_answer(session(phase=Phase.CORE, questions_asked=4), NOW) == Directive.WRAPUP
