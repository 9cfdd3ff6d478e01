"""The interview plan the server enforces: phases, question count and the clock."""

from __future__ import annotations

import math
from datetime import datetime

from interviewsim.interviewer.base import InterviewerReply
from interviewsim.interviews.domain import Directive, Phase, TurnKind
from interviewsim.interviews.models import InterviewSession

WARMUP_EXCHANGES = 2
MINUTES_PER_QUESTION = 2.25
MIN_QUESTIONS = 3


def planned_questions(duration_minutes: int) -> int:
    """About one core question per 2-2.5 minutes, never fewer than three."""
    return max(MIN_QUESTIONS, math.floor(duration_minutes / MINUTES_PER_QUESTION))


def minutes_left(session: InterviewSession, now: datetime) -> float:
    """Minutes remaining of the chosen duration (0 when time is up)."""
    elapsed = (now - session.created_at).total_seconds() / 60
    return round(max(0.0, session.duration - elapsed), 2)


def directive_for_answer(session: InterviewSession, now: datetime) -> Directive:
    """What the interviewer should do with the candidate's new message."""
    if minutes_left(session, now) <= 0 or session.phase == Phase.WRAPUP:
        return Directive.CLOSE
    if session.phase == Phase.WARMUP:
        return Directive.WARMUP if session.warmup_exchanges < WARMUP_EXCHANGES else Directive.TRANSITION
    # The interviewer is told to wrap up once the plan is done; past it (a model that asked one more
    # question anyway), the server stops asking it to react and wraps up itself.
    if session.questions_asked > session.questions_planned:
        return Directive.WRAPUP
    return Directive.CORE


def apply_reply(session: InterviewSession, reply: InterviewerReply, directive: Directive) -> None:
    """Advance the session's phase and counters after an interviewer turn."""
    if reply.kind == TurnKind.QUESTION:
        session.questions_asked += 1
        session.phase = Phase.CORE
    elif reply.kind == TurnKind.WRAPUP:
        session.phase = Phase.WRAPUP
    if reply.end or directive == Directive.CLOSE:
        session.phase = Phase.ENDED
