"""Reply text into paced audio: sentences cut from the interviewer's stream, and what was heard before a cut."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from interviewsim.shared.speakable import clean_for_speech

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


class SentenceSplitter:
    """Cuts streamed text into whole sentences as soon as each one is complete."""

    def __init__(self) -> None:
        self._buffer = ""

    def feed(self, text: str) -> list[str]:
        """The sentences `text` completes."""
        self._buffer += text
        *done, self._buffer = _SENTENCE_END.split(self._buffer)
        return [speakable for sentence in done if (speakable := clean_for_speech(sentence))]

    def flush(self) -> list[str]:
        """What is left, as a last sentence."""
        rest, self._buffer = clean_for_speech(self._buffer), ""
        return [rest] if rest else []


@dataclass
class SpokenLog:
    """The sentences of one turn with where each starts in its audio, to tell what was heard before a cut."""

    sentences: list[tuple[str, float, float]] = field(default_factory=list)  # text, start, seconds

    @property
    def seconds(self) -> float:
        """Audio produced so far."""
        return self.sentences[-1][1] + self.sentences[-1][2] if self.sentences else 0.0

    def add(self, text: str, seconds: float) -> None:
        """Record a sentence of `seconds` of audio after the previous ones."""
        self.sentences.append((text, self.seconds, seconds))

    def heard(self, played_seconds: float) -> str:
        """The text spoken in the first `played_seconds` of audio (a cut sentence up to its last whole word heard)."""
        heard: list[str] = []
        for text, start, seconds in self.sentences:
            if played_seconds >= start + seconds:
                heard.append(text)
                continue
            if played_seconds > start and seconds > 0:
                words = text.split()
                count = int(len(words) * (played_seconds - start) / seconds)
                if count:
                    heard.append(" ".join(words[:count]) + "...")
            break
        return " ".join(heard)
