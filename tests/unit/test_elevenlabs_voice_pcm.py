"""ElevenLabsVoice speaking raw PCM (the live voice loop's format), over real HTTP against the fake ElevenLabs."""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from interviewsim.config import Settings
from interviewsim.engines.factory import build_engines
from interviewsim.engines.fallback import FallbackVoice
from interviewsim.observability.metrics import Metrics
from interviewsim.tts.base import PCM_OUTPUT_SAMPLE_RATE, PcmVoice, VoiceStyle
from interviewsim.tts.builtin import BuiltinVoice
from interviewsim.tts.elevenlabs import ElevenLabsVoice, whole_samples
from interviewsim.vendors.elevenlabs import VoiceUnavailable
from interviewsim.vendors.errors import ProviderError
from tests.fakes.elevenlabs import FakeElevenLabs, silent_mp3

MALE = "voice-male-0001"
FEMALE = "voice-female-0002"
INVALID = "sk_invalid_9f8e7d6c5b4a39281706aaaa"
QUOTA = "sk_quota_1a2b3c4d5e6f7a8b9c0dbbbb"
BUSY = "sk_busy_abcdefabcdefabcdefabeeee"
OK = "sk_ok_0f1e2d3c4b5a69788796cccc"
OK2 = "sk_ok2_77665544332211009988dddd"
SENTENCE = "Tell me about a **project** you are proud of."
SPOKEN = "Tell me about a project you are proud of."  # what reaches ElevenLabs after clean_for_speech
ODD_CHUNK = 4001  # bytes: every chunk boundary after the first splits a 16-bit sample


@pytest.fixture
def fake() -> FakeElevenLabs:
    fake = FakeElevenLabs(
        silent_mp3(0.3),
        voices={MALE, FEMALE},
        pcm_chunk_bytes=ODD_CHUNK,
        chunk_delay=0.01,
        speech_seconds_per_char=0.02,
    )
    fake.set_key(INVALID, "invalid_api_key")
    fake.set_key(QUOTA, "quota_exceeded")
    fake.set_key(BUSY, "busy")
    fake.set_key(OK, "ok")
    fake.set_key(OK2, "ok")
    return fake


@pytest.fixture
def base_url(fake: FakeElevenLabs) -> Iterator[str]:
    with fake.serve() as url:
        yield url


MakeVoice = Callable[..., ElevenLabsVoice]


@pytest.fixture
async def make_voice(base_url: str) -> AsyncIterator[MakeVoice]:
    voices: list[ElevenLabsVoice] = []

    def make(keys: list[str], **overrides: Any) -> ElevenLabsVoice:
        options: dict[str, Any] = {"voice_male": MALE, "voice_female": FEMALE, "base_url": base_url, **overrides}
        voice = ElevenLabsVoice(keys, timeout_seconds=10.0, **options)
        voices.append(voice)
        return voice

    yield make
    for voice in voices:
        await voice.aclose()


async def chunks_of(stream: AsyncIterator[bytes]) -> list[bytes]:
    return [chunk async for chunk in stream]


# --- the request and the stream ---


async def test_is_a_pcm_voice(make_voice: MakeVoice) -> None:
    assert isinstance(make_voice([OK]), PcmVoice)


@pytest.mark.parametrize(("style", "voice_id"), [("male", MALE), ("female", FEMALE)])
async def test_asks_for_pcm_22050_on_the_streaming_endpoint(
    make_voice: MakeVoice, fake: FakeElevenLabs, style: VoiceStyle, voice_id: str
) -> None:
    await chunks_of(make_voice([OK], model="eleven_test_model").synthesize_pcm(SENTENCE, style))
    [request] = fake.requests
    assert request.path == f"/v1/text-to-speech/{voice_id}/stream"
    assert request.query == {"output_format": "pcm_22050"} and PCM_OUTPUT_SAMPLE_RATE == 22050
    assert request.headers["accept"] != "audio/mpeg"
    assert request.key == OK
    assert request.body == {
        "text": SPOKEN,
        "model_id": "eleven_test_model",
        "voice_settings": {"stability": 0.5, "similarity_boost": 0.75},
    }


async def test_mp3_is_still_mp3(make_voice: MakeVoice, fake: FakeElevenLabs) -> None:
    voice = make_voice([OK])
    assert b"".join(await chunks_of(voice.synthesize(SENTENCE, "male"))) == fake.audio
    assert b"".join(await chunks_of(voice.synthesize_pcm(SENTENCE, "male"))) == fake.pcm_for(SPOKEN)
    mp3, pcm = fake.requests
    assert (mp3.query, mp3.headers["accept"]) == ({"output_format": "mp3_44100_128"}, "audio/mpeg")
    assert pcm.query == {"output_format": "pcm_22050"}


async def test_odd_chunks_are_rejoined_into_whole_samples_as_they_stream(
    make_voice: MakeVoice, fake: FakeElevenLabs
) -> None:
    expected = fake.pcm_for(SPOKEN)
    assert len(expected) > 4 * ODD_CHUNK  # several chunks, most boundaries inside a sample
    chunks = await chunks_of(make_voice([OK]).synthesize_pcm(SENTENCE, "female"))
    assert len(chunks) >= 2, "the PCM was not streamed"
    assert all(chunk and len(chunk) % 2 == 0 for chunk in chunks), [len(c) for c in chunks]
    pcm = b"".join(chunks)
    assert pcm == expected
    # Read as s16le it is the fake's tone, not byte-shifted noise: the largest sample is its amplitude.
    assert int(np.abs(np.frombuffer(pcm, dtype="<i2")).max()) == pytest.approx(8000, abs=2)


async def test_first_pcm_arrives_before_the_last_is_sent(make_voice: MakeVoice) -> None:
    held = FakeElevenLabs(silent_mp3(0.3), chunk_count=4, chunk_delay=0.02, hold_last_chunk=True)
    held.set_key(OK, "ok")
    with held.serve() as url:
        stream = make_voice([OK], base_url=url).synthesize_pcm(SENTENCE, "male")
        first = await anext(stream)
        sent_before_first_arrived = held.last_chunk_sent.is_set()
        held.release_last_chunk()
        rest = await chunks_of(stream)
    assert not sent_before_first_arrived
    assert len(first) % 2 == 0 and first
    assert first + b"".join(rest) == held.pcm_for(SPOKEN)


# --- the key ring and refusals, shared with MP3 ---


async def test_pcm_fails_over_across_keys_and_benches_the_bad_ones(make_voice: MakeVoice, fake: FakeElevenLabs) -> None:
    voice = make_voice([INVALID, QUOTA, BUSY, OK])
    assert b"".join(await chunks_of(voice.synthesize_pcm(SENTENCE, "male"))) == fake.pcm_for(SPOKEN)
    assert fake.keys_tried() == [INVALID, QUOTA, BUSY, OK]
    assert {request.query["output_format"] for request in fake.requests} == {"pcm_22050"}
    assert [entry["state"] for entry in await voice.key_ring.status()] == ["retired", "resting", "resting", "healthy"]

    await chunks_of(voice.synthesize_pcm(SENTENCE, "male"))
    await chunks_of(voice.synthesize(SENTENCE, "male"))
    assert fake.keys_tried()[4:] == [OK, OK]  # benched for MP3 and PCM alike


async def test_no_free_key_for_pcm_is_retryable_voice_unavailable(make_voice: MakeVoice, fake: FakeElevenLabs) -> None:
    with pytest.raises(VoiceUnavailable) as caught:
        await chunks_of(make_voice([BUSY, QUOTA]).synthesize_pcm(SENTENCE, "male"))
    assert caught.value.retryable and caught.value.retry_after is not None
    assert fake.keys_tried() == [BUSY, QUOTA]


async def test_a_bad_pcm_request_fails_without_rotating(make_voice: MakeVoice, fake: FakeElevenLabs) -> None:
    with pytest.raises(ProviderError) as caught:
        await chunks_of(make_voice([OK, OK2], voice_male="no-such-voice").synthesize_pcm(SENTENCE, "male"))
    assert not isinstance(caught.value, VoiceUnavailable) and caught.value.status == 400
    assert fake.keys_tried() == [OK]


async def test_a_pcm_stream_breaking_after_audio_started_is_a_retryable_error(
    make_voice: MakeVoice, fake: FakeElevenLabs
) -> None:
    fake.set_key(OK, "break")
    stream = make_voice([OK, OK2]).synthesize_pcm(SENTENCE, "male")
    assert len(await anext(stream)) % 2 == 0
    with pytest.raises(ProviderError) as caught:
        await chunks_of(stream)
    assert caught.value.retryable
    assert fake.keys_tried() == [OK]


async def test_nothing_speakable_raises_before_any_request(make_voice: MakeVoice, fake: FakeElevenLabs) -> None:
    with pytest.raises(ValueError, match="nothing to speak"):
        await chunks_of(make_voice([OK]).synthesize_pcm("🎉 ** __", "male"))
    assert fake.requests == []


# --- in a chain, as the live loop gets it ---


async def test_a_chain_speaks_pcm_from_elevenlabs_and_falls_back_to_the_builtin_voice(
    make_voice: MakeVoice, fake: FakeElevenLabs
) -> None:
    chain = FallbackVoice([make_voice([OK]), BuiltinVoice(piper_male=None)])
    assert b"".join(await chunks_of(chain.synthesize_pcm(SENTENCE, "male"))) == fake.pcm_for(SPOKEN)
    fake.set_key(OK, "busy")
    builtin = b"".join(await chunks_of(chain.synthesize_pcm(SENTENCE, "male")))
    assert builtin and len(builtin) % 2 == 0 and builtin != fake.pcm_for(SPOKEN)
    assert fake.keys_tried() == [OK, OK]


async def test_the_configured_chain_gives_the_live_loop_elevenlabs_pcm(
    base_url: str, fake: FakeElevenLabs, tmp_path: Path
) -> None:
    settings = Settings(
        data_dir=tmp_path,
        voice=["elevenlabs", "builtin"],
        eleven_keys=[OK],
        eleven_base_url=base_url,
        eleven_voice_male=MALE,
        eleven_voice_female=FEMALE,
    )
    engines = build_engines(settings, metrics=Metrics())
    try:
        assert isinstance(engines.voice, PcmVoice)
        pcm = b"".join(await chunks_of(engines.voice.synthesize_pcm(SENTENCE, "female")))
    finally:
        await engines.aclose()
    assert pcm == fake.pcm_for(SPOKEN)
    assert [(r.voice_id, r.query["output_format"]) for r in fake.requests] == [(FEMALE, "pcm_22050")]


# --- whole samples ---


async def pieces(*chunks: bytes, closed: list[bool] | None = None) -> AsyncGenerator[bytes, None]:
    try:
        for chunk in chunks:
            yield chunk
    finally:
        if closed is not None:
            closed.append(True)


async def test_whole_samples_carries_a_split_byte_into_the_next_chunk() -> None:
    out = await chunks_of(whole_samples(pieces(b"\x01", b"\x02\x03", b"", b"\x04\x05\x06", b"\x07", b"\x08")))
    assert out == [b"\x01\x02", b"\x03\x04\x05\x06", b"\x07\x08"]


async def test_whole_samples_passes_even_chunks_through_and_drops_a_last_half_sample() -> None:
    assert await chunks_of(whole_samples(pieces(b"ab", b"cdef", b"g"))) == [b"ab", b"cdef"]


async def test_whole_samples_closes_the_stream_it_reads_when_the_reader_stops() -> None:
    closed: list[bool] = []
    stream = whole_samples(pieces(b"ab", b"cd", b"ef", closed=closed))
    assert await anext(stream) == b"ab"
    await stream.aclose()
    assert closed == [True]
