"""GET /api/voice with VOICE=elevenlabs: the interviewer's audio frames are ElevenLabs' PCM, over real sockets."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from interviewsim.app import create_app
from interviewsim.config import Settings
from tests.fakes.elevenlabs import FakeElevenLabs, RecordedRequest, silent_mp3
from tests.support.auth import TokenTableVerifier
from tests.support.servers import thread_server
from tests.support.voice_client import VoiceClient

ALICE = "alice-vendor-voice-token"
MALE, FEMALE = "eleven-male-7f3a", "eleven-female-91c2"
ELEVEN_OK = "sk_live_loop_ok_0a1b2c3d4e5f6a7b"


@pytest.fixture
def eleven() -> Iterator[tuple[FakeElevenLabs, str]]:
    """A fake ElevenLabs speaking short tones (brief replies keep the real-time pacing quick), split mid-sample."""
    fake = FakeElevenLabs(silent_mp3(0.3), chunk_count=3, voices={MALE, FEMALE}, speech_seconds_per_char=0.01)
    fake.set_key(ELEVEN_OK, "ok")
    with fake.serve() as url:
        yield fake, url


def serve(tmp_path: Path, eleven_url: str, voice: list[str]) -> Iterator[str]:
    """A live server on a SQLite file with the built-in interviewer and speech-to-text, and `voice` for replies."""
    settings = Settings(
        data_dir=tmp_path / "data",
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'voice.db'}",
        voice=voice,
        eleven_keys=[ELEVEN_OK],
        eleven_base_url=eleven_url,
        eleven_voice_male=MALE,
        eleven_voice_female=FEMALE,
        voice_max_sessions=2,
        voice_send_timeout_seconds=3,
    )
    app = create_app(settings, verifier=TokenTableVerifier({ALICE: "alice"}))
    with thread_server(app) as base_url:
        yield base_url


@pytest.fixture
def eleven_only(tmp_path: Path, eleven: tuple[FakeElevenLabs, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    yield from serve(tmp_path, eleven[1], ["elevenlabs"])


@pytest.fixture
def eleven_then_builtin(
    tmp_path: Path, eleven: tuple[FakeElevenLabs, str], monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    yield from serve(tmp_path, eleven[1], ["elevenlabs", "builtin"])


def start(base_url: str, style: str) -> str:
    body = {"domain": "software", "role": "Backend Engineer", "duration": 15, "voice_style": style}
    response = httpx.post(f"{base_url}/api/start-session", json=body, headers={"Authorization": f"Bearer {ALICE}"})
    assert response.status_code == 200, response.text
    return str(response.json()["session_id"])


def audio_of_turn(client: VoiceClient, turn: int) -> bytes:
    """The binary frames between a turn's audio.start and its audio.end, joined."""
    frames: list[bytes] = []
    inside = False
    for item in client.received:
        if item.event is not None and item.event.get("turn") == turn:
            inside = item.event["type"] == "audio.start"
        elif inside and item.audio is not None:
            frames.append(item.audio)
    return b"".join(frames)


async def heard_at_least(client: VoiceClient, turn: int, size: int) -> bytes:
    """The turn's audio once at least `size` bytes of it have arrived (60 s at most)."""
    async with asyncio.timeout(60):
        while len(audio := audio_of_turn(client, turn)) < size:
            assert not client.closed.is_set(), client.events()
            await asyncio.sleep(0.05)
    return audio


def spoken_by(fake: FakeElevenLabs, requests: list[RecordedRequest]) -> bytes:
    """The PCM the fake served for `requests`, in order."""
    return b"".join(fake.pcm_for(request.body["text"]) for request in requests)


def words(text: str) -> list[str]:
    return [word.strip(".,!?;:'\"").lower() for word in text.split() if word.strip(".,!?;:'\"")]


async def test_the_interviewer_speaks_with_elevenlabs_sentence_by_sentence(
    eleven_only: str, eleven: tuple[FakeElevenLabs, str]
) -> None:
    fake = eleven[0]
    session_id = start(eleven_only, "female")
    client = await VoiceClient.open(eleven_only, session_id, token=ALICE)
    try:
        _, ready = await client.wait_for("ready")
        assert ready["output_audio"] == {"encoding": "pcm_s16le", "sample_rate": 22050, "channels": 1}
        index = await client.finish_playback()
        greeting = fake.requests
        assert len(greeting) >= 2, "the greeting was not sent sentence by sentence"
        assert all(r.query == {"output_format": "pcm_22050"} and r.voice_id == FEMALE for r in greeting)
        assert all(r.key == ELEVEN_OK for r in greeting)
        # Every byte the candidate heard is ElevenLabs' audio, in the order its sentences were asked for.
        assert audio_of_turn(client, 1) == spoken_by(fake, greeting)

        await client.send_json({"type": "text", "text": "I build backend services in Python and Go."})
        index, reply = await client.wait_for("reply", after=index)
        await client.finish_playback(after=index)
        answer = fake.requests[len(greeting) :]
        assert answer and all(r.query == {"output_format": "pcm_22050"} for r in answer)
        assert audio_of_turn(client, 2) == spoken_by(fake, answer)
        assert words(" ".join(r.body["text"] for r in answer)) == words(reply["voice_response"])
    finally:
        await client.close()


async def test_a_refused_elevenlabs_hands_the_live_voice_to_the_builtin_one(
    eleven_then_builtin: str, eleven: tuple[FakeElevenLabs, str]
) -> None:
    fake = eleven[0]
    fake.set_key(ELEVEN_OK, "busy")
    session_id = start(eleven_then_builtin, "female")
    client = await VoiceClient.open(eleven_then_builtin, session_id, token=ALICE)
    try:
        heard = await heard_at_least(client, 1, 22050)  # half a second of the greeting
    finally:
        await client.close()
    asked = fake.requests
    assert asked and all(r.query == {"output_format": "pcm_22050"} for r in asked)
    assert spoken_by(fake, asked[:1])[:4410] not in heard  # not one tenth of a second of ElevenLabs' tone
    assert client.events("error") == []
