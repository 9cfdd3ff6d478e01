"""Request and response bodies of the interview routes (the front end's contract)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal, get_args

from fastapi import Path
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

END_MARKERS = ("[END_INTERVIEW_TIME_UP]", "[END_INTERVIEW_MANUAL]")
MAX_CHAT_CHARS = 4000
MAX_TTS_CHARS = 2500
MAX_JOB_DESCRIPTION_CHARS = 10000
MAX_RESUME_CHARS = 20000


def refuse_nul(value: object) -> object:
    """Refuse text holding U+0000: PostgreSQL cannot store it, so it is a 422 here rather than a 500 there."""
    if isinstance(value, str) and "\x00" in value:
        raise ValueError("must not contain the NUL character (U+0000)")
    return value


class Lenient(BaseModel):
    """Ignores unknown fields, as newer front ends may send more; refuses NUL characters in every field."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value: object) -> object:
        return refuse_nul(value)


def _canonical(value: object, allowed: tuple[str, ...]) -> object:
    """Accept any letter case and return the canonical spelling (validation then names the choices)."""
    if isinstance(value, str):
        for option in allowed:
            if value.strip().lower() == option.lower():
                return option
    return value


InterviewType = Literal["Technical", "Behavioral", "HR", "Mixed"]
Difficulty = Literal["Beginner", "Intermediate", "Advanced"]
INTERVIEW_TYPES: tuple[str, ...] = get_args(InterviewType)
DIFFICULTIES: tuple[str, ...] = get_args(Difficulty)
# One character that str.strip() keeps: the model strips input first, and Python counts more
# characters as whitespace (U+001C-U+001F, U+0085) than the JSON Schema regex class \s does.
_NON_BLANK_CHAR = r"[^\s\x00\x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
# The schema states what validation refuses: no NUL anywhere (PostgreSQL cannot store it) and, for
# names, at least one character that is not blank.
NO_NUL = r"^[^\x00]*$"
NOT_BLANK = rf"^[^\x00]*{_NON_BLANK_CHAR}[^\x00]*$"
SESSION_ID = r"^[\w-]+$"
MAX_SESSION_ID_CHARS = 64
# A session id in a URL path, checked as the bodies' `session_id` is (a NUL is named in the error).
SessionId = Annotated[
    str,
    Path(min_length=1, max_length=MAX_SESSION_ID_CHARS, pattern=SESSION_ID),
    BeforeValidator(refuse_nul),
]


class DrillRequest(Lenient):
    """Practise one core question of an earlier interview again."""

    session_id: str = Field(min_length=1, max_length=64, pattern=SESSION_ID)
    question_index: int = Field(ge=0, le=100, description="The core question's position in that interview, from 0")


class StartSessionRequest(Lenient):
    """POST /api/start-session."""

    domain: str = Field(min_length=1, max_length=200, pattern=NOT_BLANK, examples=["software"])
    role: str = Field(min_length=1, max_length=200, pattern=NOT_BLANK, examples=["Frontend Developer"])
    interview_type: InterviewType = "Mixed"
    difficulty: Difficulty = "Intermediate"
    duration: int = Field(default=15, ge=5, le=90, description="Minutes")
    voice_style: Literal["male", "female"] = "female"
    job_description: str | None = Field(default=None, max_length=MAX_JOB_DESCRIPTION_CHARS, pattern=NO_NUL)
    resume: str | None = Field(default=None, max_length=MAX_RESUME_CHARS, pattern=NO_NUL)
    seed: int | None = Field(
        default=None, ge=0, lt=2**31, description="Replays the same built-in interview; random when omitted"
    )
    drill: DrillRequest | None = Field(
        default=None, description="A short interview on one question of an earlier interview (and a follow-up)"
    )

    @field_validator("interview_type", mode="before")
    @classmethod
    def _type(cls, value: object) -> object:
        return _canonical(value, INTERVIEW_TYPES)

    @field_validator("difficulty", mode="before")
    @classmethod
    def _difficulty(cls, value: object) -> object:
        return _canonical(value, DIFFICULTIES)

    @field_validator("voice_style", mode="before")
    @classmethod
    def _voice(cls, value: object) -> object:
        return value.lower() if isinstance(value, str) else value


class ChatRequest(Lenient):
    """POST /api/chat."""

    session_id: str = Field(min_length=1, max_length=MAX_SESSION_ID_CHARS, pattern=SESSION_ID)
    user_message: str = Field(max_length=MAX_CHAT_CHARS, pattern=NO_NUL)
    voice_style: Literal["male", "female"] | None = None
    speech_id: str | None = Field(
        default=None,
        min_length=16,
        max_length=64,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="From POST /api/stt: the answer was spoken, and the server's delivery metrics are stored with it",
    )

    @field_validator("voice_style", mode="before")
    @classmethod
    def _voice(cls, value: object) -> object:
        return value.lower() if isinstance(value, str) else value


class ResultsRequest(Lenient):
    """POST /api/results."""

    session_id: str = Field(min_length=1, max_length=MAX_SESSION_ID_CHARS, pattern=SESSION_ID)


class ReplyOut(BaseModel):
    """An interviewer turn, plus additive progress fields."""

    text_response: str
    voice_response: str
    end: bool
    phase: str
    question_number: int
    questions_planned: int
    minutes_left: float
    provider: str
    kind: str = Field(description="What the turn did: greeting, warmup, question, follow_up, redirect, ...")


class StartSessionOut(BaseModel):
    """The new session and the interviewer's opening turn."""

    session_id: str
    first_question: ReplyOut


class MessageOut(BaseModel):
    """One stored turn."""

    role: str
    text: str
    voice_text: str | None
    kind: str | None
    provider: str | None
    usage: dict[str, int] | None = None
    created_at: datetime
    delivery: dict[str, Any] | None = Field(
        default=None, description="How a spoken answer was delivered (pace, fillers, pauses); none when typed"
    )
    interrupted: bool = Field(default=False, description="The candidate talked over this reply before it finished")


class SessionSummaryOut(BaseModel):
    """One row of the caller's interview history."""

    session_id: str
    domain: str
    role: str
    interview_type: str
    difficulty: str
    duration: int
    status: Literal["in_progress", "ended"]
    phase: str
    score: int | None
    created_at: datetime
    ended_at: datetime | None


class SessionListOut(BaseModel):
    """The caller's interviews, newest first."""

    sessions: list[SessionSummaryOut]


class SessionDetailOut(SessionSummaryOut):
    """One interview with its transcript and evaluation."""

    voice_style: str
    job_description: str | None
    questions_asked: int
    questions_planned: int
    ended_by: str | None
    messages: list[MessageOut]
    evaluation: dict[str, Any] | None
    drill_of: str | None = Field(default=None, description="The interview whose question this drill practised")
    drill_question: int | None = Field(default=None, description="That question's position there, from 0")
    tokens: dict[str, int] = Field(description="Vendor token usage of the whole interview (interviewer and grading)")
    tokens_by_role: dict[str, dict[str, int]] = Field(description="The same usage split into interviewer and evaluator")


class EvaluationOut(BaseModel):
    """The evaluation's flat keys the results page reads, plus structured `details`."""

    text_response: str
    voice_response: str
    strengths: str
    weaknesses: str
    recommendations: str
    overall_impression: str
    score: int = Field(ge=0, le=100)
    communication_score: int = Field(ge=0, le=100)
    technical_score: int = Field(ge=0, le=100)
    confidence_score: int = Field(ge=0, le=100)
    behavior_score: int = Field(ge=0, le=100)
    selected: bool
    end: Literal[True] = True
    details: dict[str, Any]
    questions: list[dict[str, Any]] = Field(
        default_factory=list,
        description="Per core question: question, answer_excerpt, score, reason, covered, missed, model_answer, "
        "skills, delivery (when spoken)",
    )


class ChatOut(ReplyOut):
    """A chat reply; when `end` is true it also carries the evaluation's keys."""

    strengths: str | None = None
    weaknesses: str | None = None
    recommendations: str | None = None
    overall_impression: str | None = None
    score: int | None = None
    communication_score: int | None = None
    technical_score: int | None = None
    confidence_score: int | None = None
    behavior_score: int | None = None
    selected: bool | None = None
    details: dict[str, Any] | None = None
    questions: list[dict[str, Any]] | None = None
    closing_text: str | None = None
