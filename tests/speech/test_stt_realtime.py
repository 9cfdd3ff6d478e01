"""ElevenLabs real-time speech-to-text against a wire-level fake: partials, commits, timings, the key ring, failures."""

from __future__ import annotations

import asyncio
import functools
import itertools
import logging
import math
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.applications import Starlette

from interviewsim.engines.factory import build_engines
from interviewsim.engines.streaming import StreamingSpeechToTextChain
from interviewsim.shared.keystate import MemoryKeyStateStore
from interviewsim.stt.base import (
    SpeechStream,
    SpeechToText,
    StreamingSpeechToText,
    Transcript,
    Word,
    join_transcripts,
)
from interviewsim.stt.elevenlabs import ElevenLabsSpeechToText
from interviewsim.stt.elevenlabs_realtime import ElevenLabsRealtimeSpeechToText
from interviewsim.vendors.errors import ProviderError
from tests.fakes.elevenlabs_realtime import ANSWER, FakeElevenLabsRealtime
from tests.fakes.speech_to_text import TRANSCRIPT, FakeElevenLabsStt
from tests.speech.conftest import speech_settings
from tests.support.live_speech import silence, spoken
from tests.support.servers import thread_server

FRAME_BYTES = 1024  # 32 ms at 16 kHz, the live loop's VAD window


@functools.cache
def speech() -> bytes:
    """The answer said by the built-in espeak-ng voice, 16 kHz s16le."""
    return spoken(ANSWER)


async def say(stream: SpeechStream, pcm: bytes) -> None:
    """Send `pcm` frame by frame, letting the stream's sender run between frames as a live listener would."""
    for start in range(0, len(pcm), FRAME_BYTES):
        stream.send(pcm[start : start + FRAME_BYTES])
        await asyncio.sleep(0)


@pytest.fixture
def fakes() -> Iterator[tuple[FakeElevenLabsStt, FakeElevenLabsRealtime, str]]:
    """Batch Scribe and the real-time fake on one server, as api.elevenlabs.io serves both."""
    batch, realtime = FakeElevenLabsStt(), FakeElevenLabsRealtime()
    with thread_server(Starlette(routes=[*batch.app.routes, *realtime.app.routes])) as base_url:
        yield batch, realtime, base_url


async def test_streams_speech_and_commits_the_transcript_with_word_timings() -> None:
    fake = FakeElevenLabsRealtime()
    fake.set_key("k1", "ok")
    audio = speech()
    partials: list[str] = []
    with fake.running() as base_url:
        stt = ElevenLabsRealtimeSpeechToText(["k1"], base_url=base_url)
        stream = stt.open_stream(language="en", prompt="How would you speed it up?", on_partial=partials.append)
        await say(stream, audio)
        transcript = await stream.commit()
        after_commit = stream.partial
        await stt.aclose()
    assert isinstance(stt, StreamingSpeechToText) and isinstance(stream, SpeechStream)
    assert transcript.text == ANSWER and transcript.provider == "elevenlabs" and transcript.language == "en"
    assert transcript.duration == pytest.approx(len(audio) / 32_000)
    words = transcript.words
    assert [w.word for w in words] == ANSWER.split()  # Scribe's spacing entries are not words
    assert all(a.end <= b.start for a, b in itertools.pairwise(words))
    assert words[0].start >= 0 and words[-1].end <= transcript.duration
    assert transcript.confidence == pytest.approx(math.exp(-0.1), abs=1e-3)
    # Partials grow word by word as audio arrives, and start over after the commit.
    assert len(partials) >= 3 and all(ANSWER.startswith(text) for text in partials)
    assert [len(text) for text in partials] == sorted(len(text) for text in partials)
    assert after_commit == ""
    (session,) = fake.sessions
    assert session.key == "k1"
    assert session.query == {
        "model_id": "scribe_v2_realtime",
        "audio_format": "pcm_16000",
        "commit_strategy": "manual",
        "include_timestamps": "true",
        "language_code": "en",
    }
    assert bytes(session.audio) == audio and session.commits == [len(audio)]
    assert fake.problems == []


async def test_each_commit_covers_the_audio_since_the_last_one() -> None:
    fake = FakeElevenLabsRealtime(transcripts=["First part of the answer.", "Second part of it."])
    fake.set_key("k1", "ok")
    audio, quiet = speech(), silence(1.0)
    with fake.running() as base_url:
        stt = ElevenLabsRealtimeSpeechToText(["k1"], base_url=base_url)
        stream = stt.open_stream()
        nothing = await stream.commit()  # nothing sent yet: answered without asking the vendor
        await say(stream, audio)
        first = await stream.commit()
        await say(stream, quiet)
        hush = await stream.commit()
        await say(stream, audio)
        second = await stream.commit()
        await stt.aclose()
    assert (nothing.text, nothing.duration) == ("", 0.0)
    assert first.text == "First part of the answer." and first.duration == pytest.approx(len(audio) / 32_000)
    assert (hush.text, hush.words, hush.duration) == ("", (), pytest.approx(1.0))
    assert second.text == "Second part of it." and second.duration == pytest.approx(len(audio) / 32_000)
    # Scribe times words from the session's start; each transcript's words are timed from its own audio.
    assert second.words[0].start == pytest.approx(0.0, abs=0.01) and second.words[-1].end <= second.duration
    (session,) = fake.sessions
    assert "language_code" not in session.query
    assert session.commits == [len(audio), len(audio) + len(quiet), 2 * len(audio) + len(quiet)]
    assert bytes(session.audio) == audio + quiet + audio and fake.problems == []


async def test_refused_keys_hand_the_stream_replayed_to_the_next_key() -> None:
    fake = FakeElevenLabsRealtime()
    fake.set_key("bad-key", "auth_error")
    fake.set_key("revoked-key", "refuse_handshake")
    fake.set_key("busy-key", "rate_limited")
    fake.set_key("good-key", "ok")
    audio = speech()
    with fake.running() as base_url:
        stt = ElevenLabsRealtimeSpeechToText(
            ["bad-key", "revoked-key", "busy-key", "good-key"], base_url=base_url, busy_cooldown_seconds=600
        )
        first = stt.open_stream()
        first.send(audio)  # all of it before any key has answered
        first_transcript = await first.commit()
        second = stt.open_stream()
        await say(second, audio)
        second_transcript = await second.commit()
        await stt.aclose()
    assert first_transcript.text == second_transcript.text == ANSWER
    # The bad and revoked keys are retired and the busy one rests: the second stream goes straight to the good key.
    assert fake.keys_tried() == ["bad-key", "revoked-key", "busy-key", "good-key", "good-key"]
    assert bytes(fake.sessions[3].audio) == audio and fake.problems == []


async def test_a_quota_error_is_a_retryable_provider_error_and_rests_the_key() -> None:
    fake = FakeElevenLabsRealtime()
    fake.set_key("spent-key", "quota_exceeded")
    store = MemoryKeyStateStore()
    with fake.running() as base_url:
        stt = ElevenLabsRealtimeSpeechToText(["spent-key"], base_url=base_url, quota_rest_seconds=3600, store=store)
        stream = stt.open_stream()
        await say(stream, speech())
        with pytest.raises(ProviderError) as raised:
            await stream.commit()
        stream.send(speech())  # a failed stream drops audio quietly; the caller kept its own copy
        await stt.aclose()
    assert raised.value.retryable and raised.value.retry_after is not None and raised.value.retry_after > 60
    assert "spent-key" not in str(raised.value)
    # The batch Scribe sharing the key state skips the resting key without a request.
    batch = FakeElevenLabsStt()
    with batch.running() as batch_url:
        scribe = ElevenLabsSpeechToText(["spent-key"], base_url=batch_url, store=store)
        with pytest.raises(ProviderError):
            await scribe.transcribe(speech())
        await scribe.aclose()
    assert batch.uploads == []


async def test_a_stream_broken_mid_answer_fails_its_commit_and_the_chain_transcribes_the_kept_audio(
    fakes: tuple[FakeElevenLabsStt, FakeElevenLabsRealtime, str],
) -> None:
    batch, realtime, base_url = fakes
    batch.set_key("k1", "ok")
    realtime.set_key("k1", "close_mid_stream")
    audio = speech()
    store = MemoryKeyStateStore()
    scribe = ElevenLabsSpeechToText(["k1"], base_url=base_url, store=store)
    chain = StreamingSpeechToTextChain(scribe, ElevenLabsRealtimeSpeechToText(["k1"], base_url=base_url, store=store))
    stream = chain.open_stream(language="en")
    await say(stream, audio)
    with pytest.raises(ProviderError) as raised:
        await stream.commit()
    # Nothing about the key was wrong: it stays healthy, and the batch fallback uses it.
    fallback = await chain.transcribe(audio, language="en")
    await stream.aclose()
    await scribe.aclose()
    assert raised.value.retryable and "broke" in raised.value.message
    assert fallback.text == TRANSCRIPT and batch.keys_tried() == ["k1"]
    assert realtime.keys_tried() == ["k1"] and len(realtime.sessions[0].audio) < len(audio)


async def test_a_transcriber_error_fails_the_commit_without_benching_the_key() -> None:
    fake = FakeElevenLabsRealtime()
    fake.set_key("k1", "transcriber_error", "ok")
    store = MemoryKeyStateStore()
    with fake.running() as base_url:
        stt = ElevenLabsRealtimeSpeechToText(["k1"], base_url=base_url, store=store)
        failing = stt.open_stream()
        await say(failing, speech())
        with pytest.raises(ProviderError) as raised:
            await failing.commit()
        working = stt.open_stream()
        await say(working, speech())
        transcript = await working.commit()
        await stt.aclose()
    assert raised.value.retryable and "transcriber_error" in raised.value.message
    assert transcript.text == ANSWER and fake.keys_tried() == ["k1", "k1"]


async def test_a_commit_without_a_reply_in_time_fails() -> None:
    fake = FakeElevenLabsRealtime(commit_latency=3.0)
    fake.set_key("k1", "ok")
    with fake.running() as base_url:
        stt = ElevenLabsRealtimeSpeechToText(["k1"], base_url=base_url, reply_timeout_seconds=0.3)
        stream = stt.open_stream()
        stream.send(speech())
        with pytest.raises(ProviderError) as raised:
            await stream.commit()
        with pytest.raises(ProviderError):
            await stream.commit()  # the stream stays failed
        await stt.aclose()
    assert raised.value.retryable and "no transcript within" in raised.value.message


async def test_no_key_reaches_the_logs_or_the_errors(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    fake = FakeElevenLabsRealtime()
    fake.set_key("sk_secret_refused_0123", "auth_error")
    fake.set_key("sk_secret_working_4567", "ok")
    with fake.running() as base_url:
        stt = ElevenLabsRealtimeSpeechToText(["sk_secret_refused_0123", "sk_secret_working_4567"], base_url=base_url)
        stream = stt.open_stream()
        await say(stream, speech())
        transcript = await stream.commit()
        only_bad = ElevenLabsRealtimeSpeechToText(["sk_secret_refused_0123"], base_url=base_url)
        failing = only_bad.open_stream()
        failing.send(speech())
        with pytest.raises(ProviderError) as raised:
            await failing.commit()
        await stt.aclose()
        await only_bad.aclose()
    assert transcript.text == ANSWER
    assert "retired" in caplog.text  # the ring did log the refusal, by fingerprint
    for secret in ("sk_secret_refused_0123", "sk_secret_working_4567"):
        assert secret not in caplog.text and secret not in str(raised.value) and secret not in repr(stt)


async def test_the_factory_streams_when_stt_starts_with_elevenlabs(
    tmp_path: Path, fakes: tuple[FakeElevenLabsStt, FakeElevenLabsRealtime, str]
) -> None:
    batch, realtime, base_url = fakes
    batch.set_key("k1", "ok")
    realtime.set_key("k1", "ok")
    engines = build_engines(speech_settings(tmp_path, stt="elevenlabs", eleven_keys="k1", eleven_base_url=base_url))
    stt = engines.stt
    assert isinstance(stt, SpeechToText) and isinstance(stt, StreamingSpeechToText)
    uploaded = await stt.transcribe(speech(), language="en")  # /api/stt keeps the batch model
    stream = stt.open_stream(language="en")
    await say(stream, speech())
    streamed = await stream.commit()
    await engines.aclose()
    assert uploaded.text == TRANSCRIPT and batch.uploads[0].fields["model_id"] == "scribe_v2"
    assert streamed.text == ANSWER and realtime.sessions[0].query["model_id"] == "scribe_v2_realtime"


@pytest.mark.parametrize(
    "overrides",
    [
        {"stt": "elevenlabs", "eleven_keys": "k1", "eleven_stt_realtime_model": ""},
        {"stt": "builtin,elevenlabs", "eleven_keys": "k1"},
        {"stt": "builtin"},
    ],
)
async def test_the_factory_keeps_batch_only_chains_batch(tmp_path: Path, overrides: dict[str, str]) -> None:
    engines = build_engines(speech_settings(tmp_path, **overrides))
    assert not isinstance(engines.stt, StreamingSpeechToText)
    await engines.aclose()


def test_joined_transcripts_time_each_part_after_the_audio_before_it() -> None:
    first = Transcript("I would add", (Word("I", 0.2, 0.3, 0.9), Word("would", 0.3, 0.5, 0.8)), 1.5, "en", "elevenlabs")
    silent = Transcript("", (), 0.5, "en", "elevenlabs")
    last = Transcript("an index.", (Word("an", 0.1, 0.2, None), Word("index.", 0.2, 0.6, 0.7)), 1.0, "en", "elevenlabs")
    joined = join_transcripts([first, silent, last])
    assert joined.text == "I would add an index." and joined.duration == pytest.approx(3.0)
    assert [(w.word, w.start, w.end) for w in joined.words][2:] == [
        ("an", pytest.approx(2.1), pytest.approx(2.2)),
        ("index.", pytest.approx(2.2), pytest.approx(2.6)),
    ]
    assert joined.confidence == pytest.approx(0.8) and (joined.language, joined.provider) == ("en", "elevenlabs")
