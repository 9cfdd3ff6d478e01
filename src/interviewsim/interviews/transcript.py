"""Turning stored messages into what engines read: turns and graded question/answer pairs."""

from __future__ import annotations

from collections.abc import Sequence

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
            )
        )

    for message in messages:
        if message.role == "assistant" and message.kind == TurnKind.QUESTION:
            close()
            question, answers = message, []
        elif message.role == "assistant" and message.kind in (TurnKind.WRAPUP, TurnKind.CLOSING):
            close()
            question, answers = None, []
        elif message.role == "user" and question is not None:
            answers.append(message.text)
    close()
    return tuple(graded)


def evaluation_input(session: InterviewSession, messages: Sequence[Message], lookup: QuestionLookup) -> EvaluationInput:
    """Everything an evaluator grades for this session."""
    return EvaluationInput(
        brief=brief_of(session),
        questions=answered_questions(messages, lookup),
        transcript=tuple((m.role, m.text) for m in messages),
        ended_by=session.ended_by or "completed",
    )
