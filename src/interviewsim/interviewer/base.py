"""The interviewer protocol and the value types of a turn (what it is given, what it returns)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from interviewsim.interviews.domain import Directive, TurnKind
from interviewsim.vendors.chat import Role


@dataclass(frozen=True)
class InterviewBrief:
    """What the candidate chose when starting the interview."""

    domain: str
    role: str
    interview_type: str = "Mixed"  # Technical | Behavioral | HR | Mixed
    difficulty: str = "Intermediate"  # Beginner | Intermediate | Advanced
    duration: int = 15  # minutes
    job_description: str | None = None
    resume: str | None = None


@dataclass(frozen=True)
class Turn:
    """One stored message of the transcript."""

    role: Role
    text: str
    kind: str | None = None  # TurnKind value for assistant turns
    question_id: str | None = None  # bank id of the core question this turn asked or probes


@dataclass(frozen=True)
class TurnContext:
    """Everything an interviewer needs to produce the next reply."""

    brief: InterviewBrief
    directive: Directive
    transcript: tuple[Turn, ...]  # all turns so far, the candidate's latest message last
    questions_asked: int
    questions_planned: int
    minutes_left: float
    seed: int
    consecutive_rude: int = 0  # rude candidate messages in a row, including the latest


@dataclass(frozen=True)
class InterviewerReply:
    """One interviewer turn: display text, speakable text, and what it did."""

    text: str
    voice: str
    kind: TurnKind
    question_id: str | None = None
    provider: str = "builtin"
    end: bool = False
    usage: dict[str, int] = field(default_factory=dict)


@runtime_checkable
class Interviewer(Protocol):
    """Produces the interviewer's next turn for a directive from the server."""

    name: str
    can_stream: bool

    async def respond(self, context: TurnContext) -> InterviewerReply:
        """Return the next interviewer turn."""
        ...


@dataclass(frozen=True)
class ReplyDelta:
    """A piece of interviewer text, sent to the candidate as soon as it exists."""

    text: str


InterviewerEvent = ReplyDelta | InterviewerReply


@runtime_checkable
class StreamingInterviewer(Interviewer, Protocol):
    """An interviewer that can stream: deltas first, then exactly one final InterviewerReply."""

    def stream(self, context: TurnContext) -> AsyncIterator[InterviewerEvent]:
        """Yield ReplyDelta pieces, then the finished reply."""
        ...


@dataclass(frozen=True)
class QuestionFacts:
    """What the question bank knows about a core question."""

    key_points: tuple[str, ...]
    question_type: str | None
    skills: tuple[str, ...] = ()
    text: str = ""  # the question as the bank words it


QuestionLookup = Callable[[str], QuestionFacts | None]
