"""What a report says: one graded interview, read from its session and stored evaluation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from interviewsim.evaluation.schema import QuestionFeedback
from interviewsim.interviews.models import InterviewSession

SCORE_KEYS = (
    ("Overall", "score"),
    ("Technical", "technical_score"),
    ("Communication", "communication_score"),
    ("Confidence", "confidence_score"),
    ("Behavior", "behavior_score"),
)
# What the report says of a grade withheld for a thin or unreadable transcript (see evaluation.sufficiency).
NOT_GRADED = "Not graded: too little to judge fairly"


@dataclass(frozen=True)
class Report:
    """One graded interview as every report format shows it."""

    title: str
    subtitle: str
    date: datetime
    score: int
    selected: bool
    pass_mark: int
    scores: tuple[tuple[str, int], ...]
    summary: str
    impression: str
    strengths: tuple[str, ...]
    weaknesses: tuple[str, ...]
    recommendations: tuple[str, ...]
    questions: tuple[QuestionFeedback, ...]
    drill_of: str | None = None
    withheld: bool = False  # no grade was given: the scores are placeholders, not a result

    @property
    def verdict(self) -> str:
        """Whether the score reaches the pass mark, in words, or that no grade was given."""
        if self.withheld:
            return NOT_GRADED
        return f"{'Passed' if self.selected else 'Below'} the pass mark of {self.pass_mark}"


def report_of(session: InterviewSession, payload: dict[str, Any]) -> Report:
    """The report of a session from its stored evaluation payload (the flat keys the results page reads)."""
    details = payload.get("details") or {}
    kind = "Drill" if session.drill_of else f"{session.interview_type} interview"
    return Report(
        title=f"{session.role}: {kind}",
        subtitle=f"{session.domain} · {session.difficulty} · {session.duration} minutes",
        date=session.ended_at or session.created_at,
        score=int(payload["score"]),
        selected=bool(payload.get("selected")),
        pass_mark=int(details.get("pass_mark", 0)),
        scores=tuple((label, int(payload[key])) for label, key in SCORE_KEYS),
        summary=str(payload.get("text_response", "")),
        impression=str(payload.get("overall_impression", "")),
        strengths=_items(details, payload, "strengths"),
        weaknesses=_items(details, payload, "weaknesses"),
        recommendations=_items(details, payload, "recommendations"),
        questions=tuple(QuestionFeedback.model_validate(q) for q in payload.get("questions") or []),
        drill_of=session.drill_of,
        withheld=bool(details.get("withheld")),
    )


def _items(details: dict[str, Any], payload: dict[str, Any], key: str) -> tuple[str, ...]:
    """A list from `details`, else parsed from the flat "- a\\n- b" string."""
    listed = details.get(key)
    if isinstance(listed, list):
        return tuple(str(item) for item in listed)
    text = str(payload.get(key, ""))
    return tuple(line.removeprefix("- ").strip() for line in text.splitlines() if line.strip())


def delivery_line(delivery: dict[str, Any] | None) -> str:
    """A spoken answer's delivery in one line, or "" when it was typed."""
    if not delivery:
        return ""
    parts = [
        f"{delivery.get('words_per_minute', 0):g} words per minute",
        f"{delivery.get('fillers', 0)} fillers",
        f"{delivery.get('long_pauses', 0)} long pauses",
    ]
    if delivery.get("low_confidence"):
        parts.append("the transcript may be inaccurate (low speech-recognition confidence)")
    return "Spoken: " + ", ".join(parts)
