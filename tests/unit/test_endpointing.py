"""Endpointing: the end-of-turn silence adapts to the running transcript."""

from __future__ import annotations

import pytest

from interviewsim.speech.live.endpointing import (
    EndpointingConfig,
    Event,
    PauseStarted,
    SpeechResumed,
    SpeechStarted,
    TurnEnded,
    TurnTracker,
    clause_is_open,
)

WINDOW = 0.032


def feed(tracker: TurnTracker, probability: float, seconds: float) -> list[Event]:
    """Push `seconds` of windows at one probability; return every event (stopping at the turn's end)."""
    events: list[Event] = []
    for _ in range(round(seconds / WINDOW)):
        events += tracker.push(probability, WINDOW)
        if events and isinstance(events[-1], TurnEnded):
            break
    return events


@pytest.mark.parametrize(
    "text",
    [
        "I built the payment service and then",
        "I built the payment service and then...",
        "We moved to Kafka, um",
        "We moved to Kafka,",
        "The main reason was because of the",
        "I led the migration and",
        "So the first thing I did was",
        "Mainly integration effort in.",  # Whisper tiny.en's usual hearing of a cut-off "...effort and"
        "Mainly integration effort ends.",
        "",
    ],
)
def test_open_clauses(text: str) -> None:
    assert clause_is_open(text)


@pytest.mark.parametrize(
    "text",
    [
        "I built the payment service.",
        "We moved to Kafka and it worked well.",
        "Thank you.",
        "That is what I did.",
        "Is that what you mean?",
        "I think so.",
    ],
)
def test_finished_sentences(text: str) -> None:
    assert not clause_is_open(text)


def test_a_short_noise_is_not_a_turn() -> None:
    tracker = TurnTracker()
    assert feed(tracker, 0.9, 0.16) == []
    assert feed(tracker, 0.05, 3.0) == []
    assert not tracker.in_turn


def test_a_finished_sentence_ends_after_the_short_silence() -> None:
    tracker = TurnTracker(EndpointingConfig(finished_silence_seconds=0.7, open_silence_seconds=2.5))
    events = feed(tracker, 0.9, 1.0)
    assert [type(e) for e in events] == [SpeechStarted]
    events = feed(tracker, 0.05, 0.32)
    assert [type(e) for e in events] == [PauseStarted]
    assert tracker.set_transcript("I built the payment service.") == []
    events = feed(tracker, 0.05, 0.45)
    assert [type(e) for e in events] == [TurnEnded]
    assert tracker.now - events[0].speech_end == pytest.approx(0.7, abs=WINDOW * 1.5)  # type: ignore[union-attr]


def test_a_transcript_arriving_late_ends_the_turn_at_once() -> None:
    tracker = TurnTracker()
    feed(tracker, 0.9, 1.0)
    assert feed(tracker, 0.05, 1.0) == [PauseStarted(speech_end=pytest.approx(1.0, abs=0.01))]  # type: ignore[arg-type]
    ended = tracker.set_transcript("That is my answer.")
    assert [type(e) for e in ended] == [TurnEnded]


def test_a_think_pause_inside_an_open_clause_does_not_split_the_answer() -> None:
    tracker = TurnTracker()
    events = feed(tracker, 0.9, 1.5)
    events += feed(tracker, 0.05, 0.3)
    assert tracker.set_transcript("I worked on the payment system and then") == []
    events += feed(tracker, 0.05, 0.9)  # 1.2 s of silence in all
    events += feed(tracker, 0.9, 1.5)
    assert [type(e) for e in events] == [SpeechStarted, PauseStarted, SpeechResumed]
    events = feed(tracker, 0.05, 0.5)
    assert [type(e) for e in events] == [PauseStarted]
    tracker.set_transcript("I worked on the payment system and then we moved it to the cloud.")
    ended = feed(tracker, 0.05, 0.5)
    assert [type(e) for e in ended] == [TurnEnded]
    assert ended[0].start == pytest.approx(0.0)  # type: ignore[union-attr]


def test_an_open_clause_still_ends_after_the_long_silence() -> None:
    tracker = TurnTracker(EndpointingConfig(open_silence_seconds=2.5))
    feed(tracker, 0.9, 1.0)
    feed(tracker, 0.05, 0.3)
    tracker.set_transcript("and then")
    assert feed(tracker, 0.05, 2.0) == []
    assert [type(e) for e in feed(tracker, 0.05, 0.3)] == [TurnEnded]


def test_an_unknown_transcript_waits_for_the_long_silence() -> None:
    tracker = TurnTracker(EndpointingConfig(open_silence_seconds=1.5))
    feed(tracker, 0.9, 1.0)
    events = feed(tracker, 0.05, 1.4)
    assert [type(e) for e in events] == [PauseStarted]
    assert [type(e) for e in feed(tracker, 0.05, 0.2)] == [TurnEnded]


def test_a_click_in_a_pause_neither_resumes_nor_restarts_the_silence() -> None:
    tracker = TurnTracker(EndpointingConfig(open_silence_seconds=1.0))
    feed(tracker, 0.9, 1.0)
    events = feed(tracker, 0.05, 0.5)
    events += feed(tracker, 0.9, 0.064)
    events += feed(tracker, 0.05, 0.5)
    assert [type(e) for e in events] == [PauseStarted, TurnEnded]


def test_hysteresis_keeps_a_dip_in_speech_inside_the_turn() -> None:
    tracker = TurnTracker()
    events = feed(tracker, 0.9, 0.5) + feed(tracker, 0.4, 0.5) + feed(tracker, 0.9, 0.5)
    assert [type(e) for e in events] == [SpeechStarted]
