"""Turning stored messages into what engines read: turns and graded question/answer pairs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from interviewsim.evaluation.schema import AnsweredQuestion, EvaluationInput
from interviewsim.interviewer.base import InterviewBrief, QuestionLookup, Turn
from interviewsim.interviews.domain import TurnKind
from interviewsim.interviews.models import InterviewSession, Message


def brief_of(session: InterviewSession) -> InterviewBrief:
    """The candidate's choices as engines see them."""
    return InterviewBrief(
        domain=session.domain,
        role=session.role,
        interview_type=session.interview_type,
        difficulty=session.difficulty,
        duration=session.duration,
        job_description=session.job_description,
        resume=session.resume,
    )


def turns_of(messages: Sequence[Message]) -> tuple[Turn, ...]:
    """Stored messages as engine turns."""
    return tuple(
        Turn(
            role="user" if m.role == "user" else "assistant",
            text=m.text,
            kind=m.kind,
            question_id=m.question_id,
        )
        for m in messages
    )


def answered_questions(messages: Sequence[Message], lookup: QuestionLookup) -> tuple[AnsweredQuestion, ...]:
    """Each core question with every candidate answer given until the next core question."""
    graded: list[AnsweredQuestion] = []
    question: Message | None = None
    answers: list[str] = []
    deliveries: list[dict[str, Any]] = []

    def close() -> None:
        if question is None:
            return
        facts = lookup(question.question_id) if question.question_id else None
        graded.append(
            AnsweredQuestion(
                question=question.text,
                answers=tuple(answers),
                key_points=facts.key_points if facts else (),
                question_type=facts.question_type if facts else None,
                question_id=question.question_id,
                skills=facts.skills if facts else (),
                delivery=combined_delivery(deliveries),
                wording=facts.text or None if facts else None,
            )
        )

    for message in messages:
        if message.role == "assistant" and message.kind == TurnKind.QUESTION:
            close()
            question, answers, deliveries = message, [], []
        elif message.role == "assistant" and message.kind in (TurnKind.WRAPUP, TurnKind.CLOSING):
            close()
            question, answers, deliveries = None, [], []
        elif message.role == "user" and question is not None:
            answers.append(message.text)
            # The speech branch's `messages.delivery` column: absent on typed answers (and on older schemas).
            spoken = getattr(message, "delivery", None)
            if spoken:
                deliveries.append(spoken)
    close()
    return tuple(graded)


def evaluation_input(session: InterviewSession, messages: Sequence[Message], lookup: QuestionLookup) -> EvaluationInput:
    """Everything an evaluator grades for this session."""
    return EvaluationInput(
        brief=brief_of(session),
        questions=answered_questions(messages, lookup),
        transcript=tuple((m.role, m.text) for m in messages),
        ended_by=session.ended_by or "completed",
        delivery=combined_delivery(spoken_deliveries(messages)),
    )


def spoken_deliveries(messages: Sequence[Message]) -> list[dict[str, Any]]:
    """The delivery of every spoken candidate answer, in order."""
    return [d for m in messages if m.role == "user" and (d := getattr(m, "delivery", None))]


SUMMED = ("words", "speaking_seconds", "fillers", "long_pauses")


def combined_delivery(deliveries: Sequence[dict[str, Any]]) -> dict[str, Any] | None:
    """One question's delivery over its spoken answers: counts summed, rates recomputed, the lowest confidence."""
    if len(deliveries) <= 1:
        return dict(deliveries[0]) if deliveries else None
    total = {name: sum(float(d.get(name) or 0) for d in deliveries) for name in SUMMED}
    minutes = total["speaking_seconds"] / 60
    confidences = [float(d["confidence"]) for d in deliveries if d.get("confidence") is not None]
    fillers: dict[str, int] = {}
    for d in deliveries:
        for name, count in (d.get("filler_counts") or {}).items():
            fillers[name] = fillers.get(name, 0) + int(count)
    return {
        "words": int(total["words"]),
        "speaking_seconds": round(total["speaking_seconds"], 2),
        "words_per_minute": round(total["words"] / minutes, 1) if minutes else 0.0,
        "fillers": int(total["fillers"]),
        "fillers_per_minute": round(total["fillers"] / minutes, 1) if minutes else 0.0,
        "filler_counts": fillers,
        "long_pauses": int(total["long_pauses"]),
        "longest_pause_seconds": max(float(d.get("longest_pause_seconds") or 0) for d in deliveries),
        "confidence": min(confidences) if confidences else None,
        "low_confidence": any(bool(d.get("low_confidence")) for d in deliveries),
        "answers": len(deliveries),
    }
