"""Progress across a user's interviews: per skill (the questions' tags) and per question, best and latest."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from interviewsim.interviews.models import EvaluationRecord, InterviewSession

UNTAGGED = "general"


@dataclass(frozen=True)
class Attempt:
    """One graded answer to one question."""

    session_id: str
    date: datetime
    score: int
    drill: bool
    question_index: int

    def out(self) -> dict[str, Any]:
        return {
            "session_id": self.session_id,
            "date": self.date.isoformat(),
            "score": self.score,
            "drill": self.drill,
            "question_index": self.question_index,
        }


def progress_of(evaluations: Iterable[EvaluationRecord], sessions: Iterable[InterviewSession]) -> dict[str, Any]:
    """Per skill: attempts, mean, best and latest score and the history; per question: best and latest."""
    by_id = {session.id: session for session in sessions}
    skills: dict[str, list[Attempt]] = {}
    questions: dict[str, tuple[dict[str, Any], list[Attempt]]] = {}
    for record in sorted(evaluations, key=lambda r: r.created_at):
        session = by_id.get(record.session_id)
        for index, question in enumerate(record.payload.get("questions") or []):
            attempt = Attempt(
                session_id=record.session_id,
                date=record.created_at,
                score=int(question["score"]),
                drill=bool(session and session.drill_of),
                question_index=index,
            )
            for skill in question.get("skills") or [UNTAGGED]:
                skills.setdefault(skill, []).append(attempt)
            key = question.get("question_id") or question["question"]
            about = {"question_id": question.get("question_id"), "question": question["question"]}
            about["skills"] = question.get("skills") or []
            questions.setdefault(key, (about, []))[1].append(attempt)
    return {
        "skills": [
            {"skill": skill, **_summary(attempts)}
            for skill, attempts in sorted(skills.items(), key=lambda item: (-len(item[1]), item[0]))
        ],
        "questions": [
            {**about, **_summary(attempts)}
            for about, attempts in sorted(questions.values(), key=lambda item: item[1][-1].date, reverse=True)
        ],
    }


def _summary(attempts: list[Attempt]) -> dict[str, Any]:
    scores = [a.score for a in attempts]
    return {
        "attempts": len(attempts),
        "average": round(sum(scores) / len(scores)),
        "best": max(scores),
        "latest": scores[-1],
        "first": scores[0],
        "history": [a.out() for a in attempts],
    }
