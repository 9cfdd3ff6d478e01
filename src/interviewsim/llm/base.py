"""Protocols and value types shared by every interviewer and evaluator engine."""

from __future__ import annotations

import enum
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

Role = Literal["user", "assistant"]


class Phase(enum.StrEnum):
    """Where an interview stands; the server owns the transitions."""

    WARMUP = "warmup"
    CORE = "core"
    WRAPUP = "wrapup"
    ENDED = "ended"


class Directive(enum.StrEnum):
    """What the server asks the interviewer to do on this turn."""

    GREET = "greet"  # open the interview and ask the first light warm-up question
    WARMUP = "warmup"  # acknowledge, ask the next light warm-up question
    TRANSITION = "transition"  # leave the warm-up and ask the first core question
    CORE = "core"  # react to the answer: follow up, redirect, or ask the next core question
    WRAPUP = "wrapup"  # core questions done: invite the candidate's own questions
    CLOSE = "close"  # say goodbye; the interview ends with this reply


class TurnKind(enum.StrEnum):
    """What an interviewer reply did; the server counts core questions by it."""

    GREETING = "greeting"
    WARMUP = "warmup"
    QUESTION = "question"  # a new core question (counts toward the plan)
    FOLLOW_UP = "follow_up"  # probes the previous answer (does not count)
    REDIRECT = "redirect"  # brings an off-topic answer back to the question
    CLARIFY = "clarify"  # explains / rephrases the question for a confused candidate
    REPHRASE_REQUEST = "rephrase_request"  # asks the candidate to rephrase unintelligible input
    PROFESSIONALISM = "professionalism"  # calm reminder after a rude message
    WRAPUP = "wrapup"
    CLOSING = "closing"  # final goodbye; ends the interview


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
class ChatMessage:
    """One message sent to a chat model."""

    role: Role
    content: str


@dataclass(frozen=True)
class ChatResult:
    """A finished model reply: its text, who served it, and the vendor's token usage."""

    text: str
    provider: str
    model: str = ""
    usage: dict[str, int] = field(default_factory=dict)  # input_tokens, output_tokens, ...


@dataclass(frozen=True)
class ChatChunk:
    """A piece of a streamed reply: text deltas, then one last chunk carrying the result."""

    delta: str = ""
    result: ChatResult | None = None


@runtime_checkable
class ChatModel(Protocol):
    """A vendor chat model. Capabilities are class attributes (after simonw/llm)."""

    name: str
    can_stream: bool
    supports_schema: bool  # can constrain output to a JSON schema natively
    needs_key: bool
    key_env_var: str | None

    async def complete(
        self,
        system: str,
        messages: Sequence[ChatMessage],
        *,
        max_tokens: int = 1024,
        json_schema: dict[str, Any] | None = None,
    ) -> ChatResult:
        """Return the whole reply; with `json_schema`, the reply is JSON meant to match it."""
        ...

    def stream(
        self, system: str, messages: Sequence[ChatMessage], *, max_tokens: int = 1024
    ) -> AsyncIterator[ChatChunk]:
        """Yield text deltas as the vendor produces them, then a final chunk with the result."""
        ...

    async def aclose(self) -> None:
        """Release HTTP clients."""
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
