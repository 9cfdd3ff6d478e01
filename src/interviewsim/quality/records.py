"""What a simulated interview leaves behind: the transcript, what the candidate meant, and verdicts."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

DEFAULT_PASS_MARK = 65


class Intent(enum.StrEnum):
    """What a scripted candidate meant by a message; criteria judge the interviewer's reaction to it."""

    WARMUP = "warmup"
    SUBSTANTIVE = "substantive"
    VAGUE = "vague"
    CONFUSED = "confused"
    EMPTY = "empty"
    GIBBERISH = "gibberish"
    OFF_TOPIC = "off_topic"
    RUDE = "rude"
    INJECTION = "injection"
    RAMBLING = "rambling"
    GAMING = "gaming"  # text made to fool the grader rather than answer
    WRAPUP = "wrapup"


@dataclass(frozen=True)
class Prompt:
    """The interviewer's latest turn as a candidate sees it."""

    text: str
    kind: str
    phase: str = ""
    question_number: int = 0
    questions_planned: int = 0
    minutes_left: float = 0.0

    @classmethod
    def of(cls, reply: dict[str, Any]) -> Prompt:
        """The prompt of a start-session or chat reply."""
        return cls(
            text=str(reply.get("text_response", "")),
            kind=str(reply.get("kind", "")),
            phase=str(reply.get("phase", "")),
            question_number=int(reply.get("question_number") or 0),
            questions_planned=int(reply.get("questions_planned") or 0),
            minutes_left=float(reply.get("minutes_left") or 0.0),
        )


@dataclass(frozen=True)
class Message:
    """One stored turn; `index` is its position in the session's transcript (the turn criteria name)."""

    index: int
    role: str
    text: str
    kind: str | None = None
    intent: Intent | None = None  # candidate turns: what the persona meant
    minutes_left: float | None = None  # interviewer turns: the reply's clock
    end: bool = False  # interviewer turns: whether the reply ended the interview


@dataclass
class RunRecord:
    """One simulated interview as the harness saw it through the API."""

    persona: str
    run: int
    seed: int
    session_id: str = ""
    messages: tuple[Message, ...] = ()
    questions_planned: int = 0
    ended_by: str | None = None
    evaluation: dict[str, Any] | None = None
    pass_mark: int = DEFAULT_PASS_MARK
    error: str | None = None
    control: RunRecord | None = None  # the matched run without the attack (injector: neutral text; gamers: "ok")

    @property
    def assistant(self) -> list[Message]:
        """The interviewer's turns."""
        return [m for m in self.messages if m.role == "assistant"]

    @property
    def candidate(self) -> list[Message]:
        """The candidate's turns."""
        return [m for m in self.messages if m.role == "user"]

    @property
    def score(self) -> int | None:
        """The overall score, when graded."""
        value = (self.evaluation or {}).get("score")
        return value if isinstance(value, int) else None


@dataclass(frozen=True)
class Verdict:
    """One criterion on one transcript: passed or not, and the turn that broke it."""

    name: str
    passed: bool
    turn: int | None = None
    detail: str = ""


@dataclass
class RunReport:
    """A run and its verdicts."""

    record: RunRecord
    verdicts: list[Verdict] = field(default_factory=list)

    @property
    def passed(self) -> int:
        """How many verdicts passed."""
        return sum(v.passed for v in self.verdicts)


@dataclass
class SuiteReport:
    """Every run's verdicts, the cross-persona verdicts and the LLM grader's means."""

    runs: list[RunReport]
    cross: list[Verdict] = field(default_factory=list)
    graded_means: dict[str, float] = field(default_factory=dict)

    @property
    def verdicts(self) -> list[Verdict]:
        """Every verdict of the suite."""
        return [v for run in self.runs for v in run.verdicts] + self.cross

    @property
    def passed(self) -> int:
        """Verdicts that passed."""
        return sum(v.passed for v in self.verdicts)

    @property
    def total(self) -> int:
        """All verdicts."""
        return len(self.verdicts)

    @property
    def ok(self) -> bool:
        """Whether every criterion passed."""
        return self.passed == self.total
