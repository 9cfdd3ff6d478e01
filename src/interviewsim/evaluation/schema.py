"""The evaluation: what the evaluator returns and the front end renders."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from interviewsim.interviewer.base import InterviewBrief


class Scores(BaseModel):
    """Five scores, each 0-100."""

    model_config = ConfigDict(extra="ignore")

    overall: int = Field(ge=0, le=100, description="Overall score")
    communication: int = Field(ge=0, le=100)
    technical: int = Field(ge=0, le=100)
    confidence: int = Field(ge=0, le=100)
    behavior: int = Field(ge=0, le=100)


class Evidence(BaseModel):
    """A verbatim quote from the candidate with what it shows."""

    quote: str = Field(description="Exact words the candidate wrote")
    comment: str


class CategoryComment(BaseModel):
    """One sentence about one scored category."""

    category: str = Field(description="communication | technical | confidence | behavior")
    comment: str


class QuestionFeedback(BaseModel):
    """One core question graded on its own: the answer, a score with its reason, and what a good answer says."""

    model_config = ConfigDict(extra="ignore")

    question: str
    answer_excerpt: str = Field(description="The candidate's answer, copied exactly (shortened with an ellipsis)")
    score: int = Field(ge=0, le=100)
    reason: str = Field(description="One sentence: why this score")
    covered: list[str] = Field(description="Key points the answer covered")
    missed: list[str] = Field(description="Key points the answer missed")
    model_answer: str = Field(description="A strong answer to this question, in its style (STAR for behavioral)")
    question_id: str | None = None  # the bank's id, when the question came from it
    skills: list[str] = Field(default_factory=list)  # the bank's tags of the question
    delivery: dict[str, Any] | None = None  # how a spoken answer was delivered, when it was spoken


# Filled from the interview itself, never asked of a model.
SERVER_QUESTION_FIELDS = ("question_id", "skills", "delivery")


class Evaluation(BaseModel):
    """A graded interview; `to_flat` gives the front end's keys."""

    model_config = ConfigDict(extra="ignore")

    summary: str = Field(description="Two to four sentences summarising the interview")
    strengths: list[str]
    weaknesses: list[str]
    recommendations: list[str]
    overall_impression: str
    scores: Scores
    category_comments: list[CategoryComment] = Field(default_factory=list)
    evidence: list[Evidence] = Field(default_factory=list)
    evaluator: str = "builtin"
    usage: dict[str, int] = Field(default_factory=dict, description="Vendor token usage of the grading calls")
    notes: list[str] = Field(default_factory=list, description="What the grader left out, e.g. text past its limit")
    questions: list[QuestionFeedback] = Field(default_factory=list, description="One entry per core question, in order")
    # Filled from the interview itself (`evaluation.spoken.annotate`), never asked of a model.
    delivery: dict[str, Any] | None = None  # how the spoken answers sounded over the whole interview
    delivery_notes: list[str] = Field(default_factory=list)  # e.g. transcripts not held against the candidate
    withheld: str | None = None  # why no grade was given (a thin or unreadable transcript); scores are then 0
    verification: dict[str, Any] | None = None  # what the second pass checked and the scores it lowered

    def selected(self, pass_mark: int) -> bool:
        """Whether the overall score reaches the pass mark (a withheld grade never does)."""
        return self.withheld is None and self.scores.overall >= pass_mark

    def to_flat(self, pass_mark: int, voice_summary: str) -> dict[str, Any]:
        """The flat keys the existing results page reads, plus a structured `details`."""
        return {
            "text_response": self.summary,
            "voice_response": voice_summary,
            "strengths": bullets(self.strengths),
            "weaknesses": bullets(self.weaknesses),
            "recommendations": bullets(self.recommendations),
            "overall_impression": self.overall_impression,
            "score": self.scores.overall,
            "communication_score": self.scores.communication,
            "technical_score": self.scores.technical,
            "confidence_score": self.scores.confidence,
            "behavior_score": self.scores.behavior,
            "selected": self.selected(pass_mark),
            "end": True,
            "questions": [q.model_dump() for q in self.questions],
            "details": {
                "strengths": self.strengths,
                "weaknesses": self.weaknesses,
                "recommendations": self.recommendations,
                "category_comments": [c.model_dump() for c in self.category_comments],
                "evidence": [e.model_dump() for e in self.evidence],
                "evaluator": self.evaluator,
                "pass_mark": pass_mark,
                **({"notes": self.notes, "truncated": True} if self.notes else {}),
                **({"delivery": self.delivery} if self.delivery else {}),
                **({"delivery_notes": self.delivery_notes} if self.delivery_notes else {}),
                **({"withheld": True, "withheld_reason": self.withheld} if self.withheld is not None else {}),
                **({"verification": self.verification} if self.verification is not None else {}),
            },
        }


# Set by the server, never asked of a model.
SERVER_EVALUATION_FIELDS = ("evaluator", "usage", "withheld", "verification", "delivery", "delivery_notes")


def bullets(items: list[str]) -> str:
    """Render a list as the "- a\\n- b" string the front end expects."""
    return "\n".join(f"- {item}" for item in items)


@dataclass(frozen=True)
class AnsweredQuestion:
    """A core question with the candidate's answers to it (follow-ups included)."""

    question: str
    answers: tuple[str, ...]
    key_points: tuple[str, ...] = ()  # what a good answer covers, when the bank knows it
    question_type: str | None = None  # Technical | Behavioral | HR, when known
    question_id: str | None = None
    skills: tuple[str, ...] = ()
    delivery: dict[str, Any] | None = None  # the spoken answers' delivery metrics, when spoken
    wording: str | None = None  # the bank's wording, without the interviewer's lead-in ("Thanks. Next: ...")

    @property
    def shown(self) -> str:
        """The question as feedback shows it."""
        return self.wording or self.question


@dataclass(frozen=True)
class EvaluationInput:
    """What an evaluator grades: the brief, the core Q&A, and the whole transcript."""

    brief: InterviewBrief
    questions: tuple[AnsweredQuestion, ...]
    transcript: tuple[tuple[str, str], ...]  # (role, text) for every turn, in order
    ended_by: str = "completed"  # completed | time_up | manual | early
    delivery: dict[str, Any] | None = None  # every spoken answer's delivery combined, when any answer was spoken
    extra: dict[str, Any] = field(default_factory=dict)
