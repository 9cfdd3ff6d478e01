"""Delivery metrics from word timings, and the speech records behind speech_id (memory and Redis)."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from interviewsim.shared.speech_records import MemorySpeechRecords, RedisSpeechRecords, SpeechRecord, SpeechRecords
from interviewsim.speech.delivery import measure
from interviewsim.speech.stt.base import Transcript, Word


def transcript(timed: list[tuple[str, float, float]], confidence: float | None = 0.9) -> Transcript:
    words = tuple(Word(text, start, end) for text, start, end in timed)
    text = " ".join(word for word, _, _ in timed)
    return Transcript(text, words, duration=timed[-1][2] + 0.5, language="en", provider="test", confidence=confidence)


def test_pace_fillers_and_pauses() -> None:
    # 12 words over 6 s: 120 wpm; um, uh, "you know", "sort of", "like" are fillers; one 2.5 s pause.
    timed = [
        ("Um,", 0.0, 0.4), ("I", 0.5, 0.6), ("uh", 0.7, 0.9), ("you", 1.0, 1.1), ("know,", 1.1, 1.3),
        ("like", 1.4, 1.6), ("sort", 1.7, 1.8), ("of", 1.8, 1.9), ("cached", 2.0, 2.5),
        ("it.", 5.0, 5.3), ("Then", 5.4, 5.6), ("measured.", 5.6, 6.0),
    ]  # fmt: skip
    delivery = measure(transcript(timed))
    assert delivery.words == 12 and delivery.speaking_seconds == 6.0 and delivery.words_per_minute == 120.0
    assert delivery.filler_counts == {"um": 1, "uh": 1, "you know": 1, "like": 1, "sort of": 1}
    assert delivery.fillers == 5 and delivery.fillers_per_minute == 50.0
    assert delivery.long_pauses == 1 and delivery.longest_pause_seconds == 2.5
    assert delivery.low_confidence is False


def test_kind_of_i_mean_and_erm_are_fillers_and_low_confidence_is_flagged() -> None:
    timed = [("Erm,", 0.0, 0.3), ("I", 0.4, 0.5), ("mean", 0.5, 0.7), ("kind", 0.8, 0.9), ("of", 0.9, 1.0)]
    delivery = measure(transcript(timed, confidence=0.4))
    assert delivery.filler_counts == {"erm": 1, "i mean": 1, "kind of": 1}
    assert delivery.low_confidence is True and delivery.confidence == 0.4


def test_a_transcript_without_word_timings_falls_back_to_its_text_and_duration() -> None:
    plain = Transcript("Um I think so", (), duration=2.0, language="en", provider="test")
    delivery = measure(plain)
    assert delivery.words == 4 and delivery.words_per_minute == 120.0 and delivery.fillers == 1
    assert delivery.long_pauses == 0 and delivery.confidence is None and delivery.low_confidence is False


def test_pauses_measured_by_voice_activity_replace_word_gaps() -> None:
    # Whisper stretches "then" over the 2.4 s pause after it: the word gaps show none, the VAD did.
    timed = [("and", 0.0, 0.3), ("then...", 0.3, 3.1), ("we", 3.1, 3.3), ("moved.", 3.3, 3.8)]
    assert measure(transcript(timed)).long_pauses == 0
    delivery = measure(transcript(timed), pauses=[0.4, 2.4])
    assert delivery.long_pauses == 1 and delivery.longest_pause_seconds == 2.4
    assert delivery.words == 4 and delivery.speaking_seconds == 3.8


def test_speaking_time_measured_by_voice_activity_sets_the_pace_of_an_untimed_transcript() -> None:
    # The live loop asks for no word timings: 6 words over 3 s of speech (the clip's 3.4 s has padding) is 120 wpm.
    plain = Transcript("So um we cached the reads", (), duration=3.4, language="en", provider="test", confidence=0.8)
    delivery = measure(plain, pauses=[2.2], speaking_seconds=3.0)
    assert delivery.speaking_seconds == 3.0 and delivery.words_per_minute == 120.0
    assert delivery.fillers == 1 and delivery.long_pauses == 1 and delivery.confidence == 0.8


@pytest.fixture(params=["memory", "redis"])
async def records(request: pytest.FixtureRequest) -> AsyncIterator[SpeechRecords]:
    if request.param == "memory":
        yield MemorySpeechRecords()
        return
    redis = Redis.from_url("redis://127.0.0.1:6379/0")
    yield RedisSpeechRecords(redis, prefix=f"test-{secrets.token_hex(4)}:")
    await redis.aclose()


async def test_a_record_is_found_only_by_its_user_and_only_until_its_ttl(records: SpeechRecords) -> None:
    record = SpeechRecord("alice", "I would add an index.", {"words_per_minute": 150.0})
    speech_id = await records.put(record, ttl=0.5)
    other = await records.put(SpeechRecord("alice", "Another answer.", {}), ttl=60)
    assert len(speech_id) >= 32 and speech_id != other
    assert await records.get("alice", speech_id) == record
    assert await records.get("bob", speech_id) is None
    assert await records.get("alice", "not-an-id") is None
    await asyncio.sleep(0.8)
    assert await records.get("alice", speech_id) is None
    assert await records.get("alice", other) is not None
