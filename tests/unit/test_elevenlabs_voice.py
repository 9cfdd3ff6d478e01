"""ElevenLabsVoice and its KeyRing, over real HTTP against the fake ElevenLabs server."""

from __future__ import annotations

import hashlib
import logging
import math
import re
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import pytest

from interviewsim.tts.base import Voice, VoiceStyle
from interviewsim.tts.elevenlabs import ElevenLabsVoice, VoiceUnavailable
from interviewsim.vendors.errors import ProviderError
from interviewsim.vendors.keyring import Key, KeyRing, fingerprint
from tests.fakes.elevenlabs import FakeElevenLabs, silent_mp3
from tests.support.mp3 import looks_like_mp3, mp3_duration

MALE = "voice-male-0001"
FEMALE = "voice-female-0002"
INVALID = "sk_invalid_9f8e7d6c5b4a39281706aaaa"
QUOTA = "sk_quota_1a2b3c4d5e6f7a8b9c0dbbbb"
OK = "sk_ok_0f1e2d3c4b5a69788796cccc"
OK2 = "sk_ok2_77665544332211009988dddd"
BUSY = "sk_busy_abcdefabcdefabcdefabeeee"
BROKEN = "sk_broken_1234123412341234ffff"
ALL_KEYS = (INVALID, QUOTA, OK, OK2, BUSY, BROKEN)
HOUR = 3600.0
QUOTA_REST = 6 * HOUR
COOLDOWN = 5.0
TEXT = "Tell me about a **project** you are proud of 🚀"


class Clock:
    """A clock tests move by hand."""

    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture(scope="module")
def audio() -> bytes:
    return silent_mp3(0.5)


@pytest.fixture
def fake(audio: bytes) -> FakeElevenLabs:
    fake = FakeElevenLabs(audio, chunk_count=4, voices={MALE, FEMALE})
    fake.set_key(INVALID, "invalid_api_key")
    fake.set_key(QUOTA, "quota_exceeded")
    fake.set_key(OK, "ok")
    fake.set_key(OK2, "ok")
    fake.set_key(BUSY, "busy")
    fake.set_key(BROKEN, "error500")
    return fake


@pytest.fixture
def base_url(fake: FakeElevenLabs) -> Iterator[str]:
    with fake.serve() as url:
        yield url


@pytest.fixture
def clock() -> Clock:
    return Clock()


MakeVoice = Callable[..., ElevenLabsVoice]


@pytest.fixture
async def make_voice(base_url: str, clock: Clock) -> AsyncIterator[MakeVoice]:
    voices: list[ElevenLabsVoice] = []

    def make(keys: list[str], **overrides: Any) -> ElevenLabsVoice:
        options: dict[str, Any] = {
            "voice_male": MALE,
            "voice_female": FEMALE,
            "base_url": base_url,
            "quota_rest_seconds": QUOTA_REST,
            "busy_cooldown_seconds": COOLDOWN,
            "timeout_seconds": 10.0,
            "clock": clock,
            **overrides,
        }
        voice = ElevenLabsVoice(keys, **options)
        voices.append(voice)
        return voice

    yield make
    for voice in voices:
        await voice.aclose()


async def speak(voice: ElevenLabsVoice, text: str = TEXT, style: VoiceStyle = "female") -> bytes:
    return b"".join([chunk async for chunk in voice.synthesize(text, style)])


def fingerprint_of(voice: ElevenLabsVoice, secret: str) -> str:
    return next(key.fingerprint for key in voice.key_ring.keys if key.reveal() == secret)


async def state_of(voice: ElevenLabsVoice, secret: str) -> str:
    wanted = fingerprint_of(voice, secret)
    return next(entry["state"] for entry in await voice.key_ring.status() if entry["key"] == wanted)


# --- streaming and the request on the wire ---


async def test_is_a_voice(make_voice: MakeVoice) -> None:
    voice = make_voice([OK])
    assert isinstance(voice, Voice)
    assert voice.name == "elevenlabs"


async def test_streams_the_fakes_audio_in_order(make_voice: MakeVoice, fake: FakeElevenLabs) -> None:
    chunks = [chunk async for chunk in make_voice([OK]).synthesize(TEXT, "male")]
    assert all(chunks)
    audio = b"".join(chunks)
    assert audio == fake.audio
    assert looks_like_mp3(audio)
    assert mp3_duration(audio) == pytest.approx(0.5, abs=0.1)


@pytest.mark.parametrize(("style", "voice_id"), [("male", MALE), ("female", FEMALE)])
async def test_request_has_the_wire_shape(
    make_voice: MakeVoice, fake: FakeElevenLabs, style: VoiceStyle, voice_id: str
) -> None:
    await speak(make_voice([OK], model="eleven_test_model"), style=style)
    [request] = fake.requests
    assert request.method == "POST"
    assert request.path == f"/v1/text-to-speech/{voice_id}/stream"
    assert request.voice_id == voice_id
    assert request.query == {"output_format": "mp3_44100_128"}
    assert request.key == OK
    assert request.headers["content-type"] == "application/json"
    assert request.body == {
        "text": "Tell me about a project you are proud of",
        "model_id": "eleven_test_model",
        "voice_settings": {"stability": 0.5, "similarity_boost": 0.75},
    }


async def test_first_chunk_arrives_before_the_last_is_sent(make_voice: MakeVoice, audio: bytes) -> None:
    held = FakeElevenLabs(audio, chunk_count=4, chunk_delay=0.05, hold_last_chunk=True)
    held.set_key(OK, "ok")
    with held.serve() as url:
        stream = make_voice([OK], base_url=url).synthesize(TEXT, "female")
        first = await anext(stream)
        sent_before_first_arrived = held.last_chunk_sent.is_set()
        held.release_last_chunk()
        rest = [chunk async for chunk in stream]
    assert not sent_before_first_arrived
    assert first
    assert first + b"".join(rest) == audio


async def test_nothing_speakable_raises_before_any_request(make_voice: MakeVoice, fake: FakeElevenLabs) -> None:
    with pytest.raises(ValueError, match="nothing to speak"):
        await speak(make_voice([OK]), text="🎉 ** __")
    assert fake.requests == []


# --- rotation ---


async def test_bad_keys_are_benched_and_the_quota_key_returns_after_its_rest(
    make_voice: MakeVoice, fake: FakeElevenLabs, clock: Clock
) -> None:
    voice = make_voice([INVALID, QUOTA, OK])
    for _ in range(5):
        assert await speak(voice) == fake.audio
        clock.advance(HOUR)
    assert fake.keys_tried() == [INVALID, QUOTA, OK, OK, OK, OK, OK]
    assert [entry["state"] for entry in await voice.key_ring.status()] == ["retired", "resting", "healthy"]

    clock.advance(QUOTA_REST - 5 * HOUR + 1)
    assert await speak(voice) == fake.audio
    assert fake.keys_tried()[7:] == [QUOTA, OK]
    assert INVALID not in fake.keys_tried()[1:]


@pytest.mark.parametrize("behaviour", ["busy", "system_busy"])
async def test_busy_key_cools_down_and_the_same_request_goes_to_the_next_key(
    make_voice: MakeVoice, fake: FakeElevenLabs, clock: Clock, behaviour: Any
) -> None:
    fake.set_key(BUSY, behaviour, "ok")
    voice = make_voice([BUSY, OK])
    assert await speak(voice) == fake.audio
    first, retried = fake.requests
    assert (first.key, retried.key) == (BUSY, OK)
    assert (retried.path, retried.query, retried.body) == (first.path, first.query, first.body)
    assert await state_of(voice, BUSY) == "resting"

    await speak(voice)
    assert fake.keys_tried()[2:] == [OK]

    clock.advance(COOLDOWN)
    await speak(voice)
    assert fake.keys_tried()[3:] == [BUSY]


async def test_server_error_moves_to_the_next_key(make_voice: MakeVoice, fake: FakeElevenLabs) -> None:
    voice = make_voice([BROKEN, OK])
    assert await speak(voice) == fake.audio
    assert fake.keys_tried() == [BROKEN, OK]
    assert await state_of(voice, BROKEN) == "resting"


async def test_timeout_cools_the_key_down_and_moves_on(make_voice: MakeVoice, fake: FakeElevenLabs) -> None:
    fake.set_key(BUSY, "stall")
    voice = make_voice([BUSY, OK], timeout_seconds=0.2)
    assert await speak(voice) == fake.audio
    assert fake.keys_tried() == [BUSY, OK]
    assert await state_of(voice, BUSY) == "resting"


async def test_each_key_is_tried_once_per_request_and_all_busy_is_retryable(
    make_voice: MakeVoice, fake: FakeElevenLabs
) -> None:
    fake.set_key(OK, "busy")
    voice = make_voice([BUSY, OK])
    with pytest.raises(VoiceUnavailable) as caught:
        await speak(voice)
    assert fake.keys_tried() == [BUSY, OK]
    assert caught.value.retryable
    assert caught.value.retry_after is not None and caught.value.retry_after >= 1
    assert caught.value.retry_after == math.ceil(COOLDOWN)


async def test_retry_after_is_rounded_up_and_at_least_one_second(make_voice: MakeVoice, clock: Clock) -> None:
    voice = make_voice([BUSY], busy_cooldown_seconds=0.3)
    with pytest.raises(VoiceUnavailable) as caught:
        await speak(voice)
    assert caught.value.retry_after == 1
    voice = make_voice([QUOTA])
    with pytest.raises(VoiceUnavailable) as caught:
        await speak(voice)
    assert caught.value.retry_after == QUOTA_REST


async def test_all_invalid_keys_is_not_retryable(make_voice: MakeVoice, fake: FakeElevenLabs) -> None:
    voice = make_voice([INVALID, "sk_unknown_to_the_fake_0000gggg"])
    for _ in range(2):
        with pytest.raises(VoiceUnavailable, match="all ElevenLabs keys are invalid") as caught:
            await speak(voice)
        assert not caught.value.retryable
        assert caught.value.retry_after is None
    assert len(fake.requests) == 2


async def test_a_bad_request_fails_without_rotating(make_voice: MakeVoice, fake: FakeElevenLabs) -> None:
    voice = make_voice([OK, OK2], voice_female="no-such-voice")
    with pytest.raises(ProviderError) as caught:
        await speak(voice, style="female")
    assert not isinstance(caught.value, VoiceUnavailable)
    assert not caught.value.retryable
    assert caught.value.status == 400
    assert "voice_not_found" in str(caught.value)
    assert fake.keys_tried() == [OK]
    assert [entry["state"] for entry in await voice.key_ring.status()] == ["healthy", "healthy"]


async def test_a_stream_breaking_after_audio_started_is_a_retryable_error(
    make_voice: MakeVoice, fake: FakeElevenLabs
) -> None:
    fake.set_key(OK, "break")
    stream = make_voice([OK, OK2]).synthesize(TEXT, "female")
    assert await anext(stream) == fake.chunks[0]
    with pytest.raises(ProviderError) as caught:
        async for _ in stream:
            pass
    assert caught.value.retryable
    assert fake.keys_tried() == [OK]


async def test_an_injected_client_is_used_and_left_open(base_url: str, fake: FakeElevenLabs) -> None:
    async with httpx.AsyncClient() as client:
        voice = ElevenLabsVoice([OK], voice_male=MALE, voice_female=FEMALE, base_url=base_url, http_client=client)
        assert await speak(voice) == fake.audio
        await voice.aclose()
        assert not client.is_closed


# --- secrets ---


async def test_keys_never_leak_into_logs_errors_or_reprs(
    make_voice: MakeVoice, fake: FakeElevenLabs, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    fake.set_key(OK, "busy", "ok")
    voice = make_voice([INVALID, QUOTA, BUSY, BROKEN, OK])
    with pytest.raises(VoiceUnavailable) as busy:
        await speak(voice)
    clock.advance(COOLDOWN)
    assert await speak(voice) == fake.audio
    with pytest.raises(VoiceUnavailable) as invalid:
        await speak(make_voice([INVALID]))
    with pytest.raises(ProviderError) as bad_request:
        await speak(make_voice([OK], voice_male="nope"), style="male")
    errors = [busy.value, invalid.value, bad_request.value]

    exposed = [caplog.text, repr(voice), repr(voice.key_ring), repr(await voice.key_ring.status())]
    exposed += [text for error in errors for text in (str(error), repr(error), repr(error.args))]
    exposed += [repr(key) + str(key) for key in voice.key_ring.keys]
    for secret in ALL_KEYS:
        assert all(secret not in text for text in exposed), secret
    assert fingerprint_of(voice, INVALID) in caplog.text


# --- the key ring on its own ---


async def test_ring_round_robins_evenly_over_healthy_keys() -> None:
    ring = KeyRing(["alpha-key-0001", "bravo-key-0002", "charlie-key-0003"], clock=Clock())
    picked = [await ring.acquire() for _ in range(30)]
    assert [key.reveal() for key in picked[:4] if key] == [
        "alpha-key-0001",
        "bravo-key-0002",
        "charlie-key-0003",
        "alpha-key-0001",
    ]
    assert Counter(key.fingerprint for key in picked if key) == {key.fingerprint: 10 for key in ring.keys}


async def test_ring_skips_resting_and_retired_keys_evenly() -> None:
    clock = Clock()
    ring = KeyRing(["a" * 20, "b" * 20, "c" * 20, "d" * 20], clock=clock)
    a, b, c, d = ring.keys
    await ring.rest(b, 60, "busy")
    await ring.retire(d, "invalid_api_key")
    picked = [await ring.acquire() for _ in range(10)]
    assert Counter(picked) == {a: 5, c: 5}
    assert await ring.acquire(exclude=[a, c]) is None
    assert await ring.next_available_in() == 0
    await ring.rest(a, 90, "busy")
    await ring.rest(c, 120, "busy")
    assert await ring.next_available_in() == 60

    clock.advance(60)
    picked = [await ring.acquire() for _ in range(6)]
    assert Counter(picked) == {b: 6}
    clock.advance(60)
    picked = [await ring.acquire() for _ in range(9)]
    assert Counter(picked) == {a: 3, b: 3, c: 3}


async def test_ring_rest_never_shortens_a_longer_rest_or_a_retirement() -> None:
    clock = Clock()
    ring = KeyRing(["key-one-11111111", "key-two-22222222"], clock=clock)
    one, two = ring.keys
    await ring.rest(one, QUOTA_REST, "quota_exceeded")
    await ring.rest(one, COOLDOWN, "busy")
    await ring.retire(two, "invalid_api_key")
    await ring.rest(two, COOLDOWN, "busy")
    clock.advance(COOLDOWN)
    assert [entry["state"] for entry in await ring.status()] == ["resting", "retired"]
    assert (await ring.status())[0]["until"] == clock.now - COOLDOWN + QUOTA_REST
    assert await ring.next_available_in() == QUOTA_REST - COOLDOWN

    await ring.retire(one, "invalid_api_key")
    assert await ring.next_available_in() is None
    assert await ring.acquire() is None


def test_fingerprints_are_a_short_sha256_prefix_whatever_the_position() -> None:
    secret = "sk_0123456789abcdefa1b2"
    assert fingerprint(secret) == "key#sha256:" + hashlib.sha256(secret.encode()).hexdigest()[:8]
    assert re.fullmatch(r"key#sha256:[0-9a-f]{8}", fingerprint("abc"))
    assert fingerprint("abcdefgh") != fingerprint("abcdefgi")
    forward, backward = KeyRing(["first-key-0001", secret]), KeyRing([secret, "first-key-0001"])
    assert {key.reveal(): key.fingerprint for key in forward.keys} == {
        key.reveal(): key.fingerprint for key in backward.keys
    }
    key = Key("sk_secret_value_a1b2", fingerprint("sk_secret_value_a1b2"))
    assert "secret" not in repr(key) and "secret" not in str(key) and "secret" not in f"{key}"


def test_ring_needs_a_key_and_drops_blanks_and_duplicates() -> None:
    with pytest.raises(ValueError, match="at least one"):
        KeyRing(["", "  "])
    ring = KeyRing([" dup-key-0001 ", "dup-key-0001", "", "other-key-002"])
    assert [key.reveal() for key in ring.keys] == ["dup-key-0001", "other-key-002"]
