"""What a spoken interview leaves behind beside its transcript: each answer as said, the think-pause and the cut."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from interviewsim.quality.records import Intent


@dataclass
class SpokenAnswer:
    """One answer as the candidate gave it on the voice line, and the final transcripts the server sent for it."""

    text: str  # what the candidate said (a typed answer: what they typed)
    intent: Intent
    typed: bool = False  # typed on the socket: nothing in it could be said aloud, or it was not heard twice
    halves: tuple[str, str] | None = None  # a think-pause answer: the words before and after the pause
    finals: list[str] = field(default_factory=list)
    repeats: int = 0  # said again after the server could not transcribe it


@dataclass
class BargeIn:
    """The candidate talking over an interviewer turn, and how the server took it (seconds from speech onset)."""

    turn: int
    reply_index: int  # which interviewer message was talked over (0: the greeting)
    interrupted_after: float | None = None  # `interrupted` for the turn, after the onset frame went out
    last_frame_after: float | None = None  # the turn's last audio frame (negative: before the onset)


@dataclass
class VoiceLog:
    """One spoken interview, as the voice criteria need it."""

    answers: list[SpokenAnswer] = field(default_factory=list)
    think_pause: int | None = None  # index in `answers`
    barge_in: BargeIn | None = None
    stored: list[dict[str, Any]] = field(default_factory=list)  # the messages of GET /api/sessions/{id}
    final_reply: dict[str, Any] | None = None  # the reply that ended the interview
    close_code: int | None = None
    seconds: float = 0.0  # wall time of the interview
