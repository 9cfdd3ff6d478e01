"""When the candidate's turn is over: VAD probabilities plus the running transcript, on the audio's own clock.

Pure logic, no I/O. The tracker is fed one VAD window at a time and answers with events:

- `SpeechStarted` once enough speech has been heard (coughs and clicks shorter than that do not count);
- `PauseStarted` when a short silence begins: the caller transcribes speculatively from here;
- `SpeechResumed` when the candidate goes on: the speculative transcript is stale;
- `TurnEnded` when the silence has lasted as long as the running transcript asks for: a finished
  sentence ends quickly, a clause left open ("...and then", a filler, a trailing comma) waits longer.

The silence needed is decided from the transcript (LiveKit's and Pipecat's turn detectors do this
with a model; interviews need mostly the open-clause case, which a word list catches).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Words a spoken sentence hardly ever ends on: conjunctions, prepositions, articles, fillers. Words that
# often do ("that", "so", "over", "you", "is") are left out, since each would make finished answers
# wait the long silence too. "in" and "ends" are how Whisper tiny.en most often hears an "and" that a
# pause cuts off ("Mainly integration effort and": "...effort in." or "...effort ends." in 7 of 16
# Piper takes with the question as its prompt, as the live loop sends it; 12 of 16 without); a sentence
# that really ends on them waits the long silence, which delays a reply, where ending the turn would
# have cut the candidate off mid-thought.
CONTINUATION_WORDS = frozenset(
    [
        "and",
        "in",
        "ends",
        "or",
        "but",
        "because",
        "then",
        "than",
        "which",
        "whose",
        "where",
        "while",
        "if",
        "unless",
        "until",
        "although",
        "though",
        "as",
        "with",
        "without",
        "of",
        "to",
        "for",
        "from",
        "at",
        "by",
        "into",
        "onto",
        "between",
        "during",
        "the",
        "a",
        "an",
        "my",
        "our",
        "their",
        "your",
        "his",
        "her",
        "its",
        "some",
        "also",
        "plus",
        "um",
        "uh",
        "er",
        "erm",
        "hmm",
        "mm",
        "ah",
        "basically",
        "i",
    ]
)
_OPEN_ENDINGS = (",", ";", ":", "-", "…", "...")
_FINAL_PUNCTUATION = (".", "!", "?")
_WORD = re.compile(r"[a-z']+")


def clause_is_open(transcript: str) -> bool:
    """Whether the candidate stopped mid-thought: no final punctuation, a trailing comma or a continuation word."""
    text = transcript.strip().lower()
    if not text or text.endswith(_OPEN_ENDINGS):
        return True
    words = _WORD.findall(text)
    if words and words[-1] in CONTINUATION_WORDS:
        return True
    return not text.endswith(_FINAL_PUNCTUATION)


@dataclass(frozen=True)
class EndpointingConfig:
    """Thresholds, in seconds of audio and Silero probabilities."""

    speech_threshold: float = 0.5  # a window is speech at or above this probability
    silence_threshold: float = 0.35  # ...and silence below this one (hysteresis in between)
    min_speech_seconds: float = 0.25  # speech needed before a turn (or a barge-in) starts
    speculate_after_seconds: float = 0.25  # silence after which a speculative transcript starts
    finished_silence_seconds: float = 0.7  # silence that ends a finished sentence
    open_silence_seconds: float = 2.5  # silence that ends an open clause (or an unknown transcript)
    max_turn_seconds: float = 120.0  # a turn longer than this ends at its next short pause


@dataclass(frozen=True)
class SpeechStarted:
    """The candidate started speaking at `at` (seconds of audio since the stream began)."""

    at: float


@dataclass(frozen=True)
class PauseStarted:
    """A short silence began; speech last heard at `speech_end`."""

    speech_end: float


@dataclass(frozen=True)
class SpeechResumed:
    """The candidate went on after a pause; a speculative transcript is stale."""

    at: float


@dataclass(frozen=True)
class TurnEnded:
    """The turn is over; its speech ran from `start` to `speech_end`."""

    start: float
    speech_end: float


Event = SpeechStarted | PauseStarted | SpeechResumed | TurnEnded


class TurnTracker:
    """Turns a stream of VAD windows into turn events, adapting the end-of-turn silence to the transcript."""

    def __init__(self, config: EndpointingConfig | None = None) -> None:
        self.config = config or EndpointingConfig()
        self.now = 0.0
        self._speaking = False  # the VAD's current state, with hysteresis
        self._run_start = 0.0  # where the current run of speech began (before SpeechStarted)
        self._in_turn = False
        self._turn_start = 0.0
        self._speech_end = 0.0
        self._paused = False
        self._transcript: str | None = None

    @property
    def in_turn(self) -> bool:
        """Whether a turn has started and not ended."""
        return self._in_turn

    @property
    def paused(self) -> bool:
        """Whether the current turn is in a pause (speculation time)."""
        return self._in_turn and self._paused

    @property
    def turn_start(self) -> float:
        """Where the current (or last) turn's speech began."""
        return self._turn_start

    @property
    def speech_end(self) -> float:
        """When speech was last heard in the current (or last) turn."""
        return self._speech_end

    @property
    def silence(self) -> float:
        """Seconds since speech was last heard in the current turn (0 while speaking)."""
        if not self._in_turn or (self._speaking and not self._paused):
            return 0.0
        return self.now - self._speech_end

    def set_transcript(self, text: str | None) -> list[Event]:
        """The transcript of the turn up to its current pause (None: unknown); may end the turn at once."""
        self._transcript = text
        return self._maybe_end()

    def silence_needed(self) -> float:
        """The silence that ends the current turn, given what is known of its transcript."""
        config = self.config
        if self._transcript is None or clause_is_open(self._transcript):
            return config.open_silence_seconds
        return config.finished_silence_seconds

    def push(self, probability: float, seconds: float) -> list[Event]:
        """Feed one VAD window of `seconds` whose speech probability is `probability`."""
        start, self.now = self.now, self.now + seconds
        config = self.config
        events: list[Event] = []
        if probability >= config.speech_threshold:
            if not self._speaking:
                self._speaking = True
                self._run_start = start
            confirmed = self.now - self._run_start >= config.min_speech_seconds
            if not self._in_turn:
                if confirmed:
                    self._in_turn, self._turn_start, self._speech_end = True, self._run_start, self.now
                    self._transcript = None
                    events.append(SpeechStarted(self._run_start))
            elif not self._paused:
                self._speech_end = self.now
            elif confirmed:
                # Resume only on real speech, so a click in a pause neither discards the speculation
                # nor restarts the silence.
                self._paused = False
                self._speech_end = self.now
                self._transcript = None
                events.append(SpeechResumed(self._run_start))
            return events
        if probability < config.silence_threshold:
            self._speaking = False
        if not self._in_turn or (self._speaking and not self._paused):
            return events
        if not self._paused and self.silence >= config.speculate_after_seconds:
            self._paused = True
            events.append(PauseStarted(self._speech_end))
        events.extend(self._maybe_end())
        return events

    def _maybe_end(self) -> list[Event]:
        if not (self._in_turn and self._paused):
            return []
        too_long = self._speech_end - self._turn_start >= self.config.max_turn_seconds
        if not too_long and self.silence < self.silence_needed():
            return []
        self._in_turn = self._paused = False
        self._transcript = None
        return [TurnEnded(self._turn_start, self._speech_end)]
