"""How an answer was spoken, from its word timings: pace, fillers, long pauses, speaking time, confidence."""

from __future__ import annotations

import re
from collections.abc import Sequence

from pydantic import BaseModel, Field

from interviewsim.stt.base import Transcript, Word

# Single-word fillers, then phrases; "like" and the phrases are counted wherever they occur,
# so a literal "I like Python" counts too: the figure is a rate to watch, not a verdict.
FILLER_WORDS = frozenset({"um", "umm", "uh", "uhh", "uhm", "erm", "er", "hmm", "like"})
FILLER_PHRASES = (("you", "know"), ("sort", "of"), ("kind", "of"), ("i", "mean"))
LONG_PAUSE_SECONDS = 2.0
LOW_CONFIDENCE = 0.6
_TOKEN = re.compile(r"[a-z']+")


class Delivery(BaseModel):
    """Delivery metrics of one spoken answer."""

    words: int = Field(description="Words spoken, fillers included")
    speaking_seconds: float = Field(description="From the first word's start to the last word's end")
    words_per_minute: float
    fillers: int
    fillers_per_minute: float
    filler_counts: dict[str, int] = Field(description="Each filler heard and how often")
    long_pauses: int = Field(description=f"Silences over {LONG_PAUSE_SECONDS:g} s between words")
    longest_pause_seconds: float
    confidence: float | None = Field(description="The transcription's confidence, 0..1, where reported")
    low_confidence: bool = Field(description="The transcript may be wrong: do not hold its wording against anyone")


def measure(
    transcript: Transcript, *, pauses: Sequence[float] | None = None, speaking_seconds: float | None = None
) -> Delivery:
    """The delivery metrics of `transcript` (word timings when the provider gave them, else its text).

    `pauses` and `speaking_seconds` are the silences inside the answer and its length from first to last
    speech as voice activity detection measured them; when given they replace what word timings tell
    (Whisper stretches a word over the pause after it, and a transcript without timings tells neither).
    """
    tokens = _tokens(transcript.words) if transcript.words else _TOKEN.findall(transcript.text.lower())
    speaking = speaking_seconds or _speaking_seconds(transcript.words) or transcript.duration
    minutes = speaking / 60 if speaking > 0 else 0.0
    counts = _filler_counts(tokens)
    fillers = sum(counts.values())
    gaps = (
        list(pauses)
        if pauses is not None
        else [b.start - a.end for a, b in zip(transcript.words, transcript.words[1:], strict=False)]
    )
    long_gaps = [gap for gap in gaps if gap > LONG_PAUSE_SECONDS]
    confidence = transcript.confidence
    return Delivery(
        words=len(tokens),
        speaking_seconds=round(speaking, 2),
        words_per_minute=round(len(tokens) / minutes, 1) if minutes else 0.0,
        fillers=fillers,
        fillers_per_minute=round(fillers / minutes, 1) if minutes else 0.0,
        filler_counts=counts,
        long_pauses=len(long_gaps),
        longest_pause_seconds=round(max(gaps, default=0.0), 2),
        confidence=confidence,
        low_confidence=confidence is not None and confidence < LOW_CONFIDENCE,
    )


def _tokens(words: Sequence[Word]) -> list[str]:
    return [token for word in words for token in _TOKEN.findall(word.word.lower())]


def _speaking_seconds(words: Sequence[Word]) -> float:
    return max(0.0, words[-1].end - words[0].start) if words else 0.0


def _filler_counts(tokens: Sequence[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    index = 0
    while index < len(tokens):
        pair = tuple(tokens[index : index + 2])
        if pair in FILLER_PHRASES:
            name, index = " ".join(pair), index + 2
        elif tokens[index] in FILLER_WORDS:
            name, index = _canonical(tokens[index]), index + 1
        else:
            index += 1
            continue
        counts[name] = counts.get(name, 0) + 1
    return counts


def _canonical(token: str) -> str:
    return {"umm": "um", "uhm": "um", "uhh": "uh", "er": "erm"}.get(token, token)
