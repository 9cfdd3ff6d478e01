"""The live voice loop with STT=elevenlabs over a real socket: answers stream to the real-time fake.

Each answer is committed at its pauses. The fakes cannot hear: each commit of voiced audio gets the next
scripted transcript, so a stored answer equal to the script proves the stream carried it (the batch fake answers
something else).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from interviewsim.app import create_app
from tests.fakes.elevenlabs_realtime import FakeElevenLabsRealtime
from tests.fakes.speech_to_text import TRANSCRIPT, FakeElevenLabsStt
from tests.speech.conftest import speech_settings
from tests.support.auth import TokenTableVerifier
from tests.support.live_speech import silence, spoken
from tests.support.servers import thread_server
from tests.support.voice_client import VoiceClient

TOKEN = "alice-realtime-token"
KEY = "el-realtime-key-0123"
FIRST = "I worked on the payment system and then"
SECOND = "we moved it to the cloud over six months."


class Vendors:
    """ElevenLabs' batch and real-time speech-to-text on one server, as api.elevenlabs.io serves both."""

    def __init__(self) -> None:
        self.batch = FakeElevenLabsStt()
        self.realtime = FakeElevenLabsRealtime(transcripts=[FIRST, SECOND])
        self.batch.set_key(KEY, "ok")
        self.realtime.set_key(KEY, "ok")


@pytest.fixture
def vendors() -> Vendors:
    return Vendors()


@pytest.fixture
def base_url(tmp_path: Path, vendors: Vendors) -> Iterator[str]:
    """The app with STT=elevenlabs (streaming) pointed at the fakes, the built-in interviewer and voice."""
    with thread_server(Starlette(routes=[*vendors.batch.app.routes, *vendors.realtime.app.routes])) as eleven_url:
        settings = speech_settings(
            tmp_path, stt="elevenlabs", eleven_keys=KEY, eleven_base_url=eleven_url, voice="builtin"
        )
        with thread_server(create_app(settings, verifier=TokenTableVerifier({TOKEN: "alice"}))) as url:
            yield url


def start(base_url: str) -> str:
    body = {"domain": "software", "role": "Backend Engineer", "duration": 15, "voice_style": "male"}
    response = httpx.post(f"{base_url}/api/start-session", json=body, headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200, response.text
    return str(response.json()["session_id"])


def user_messages(base_url: str, session_id: str) -> list[dict[str, Any]]:
    response = httpx.get(f"{base_url}/api/sessions/{session_id}", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200, response.text
    return [m for m in response.json()["messages"] if m["role"] == "user"]


async def test_a_spoken_answer_streams_and_is_committed_at_its_pauses(base_url: str, vendors: Vendors) -> None:
    session_id = start(base_url)
    client = await VoiceClient.open(base_url, session_id, token=TOKEN)
    greeting_end = await client.finish_playback()
    first, second = spoken(FIRST, b"en-us+m3"), spoken(SECOND, b"en-us+m3")
    await client.say(first + silence(1.2) + second)
    _, final = await client.wait_for("transcript", lambda e: e["final"], after=greeting_end)
    await client.wait_for("reply", after=greeting_end)
    await client.close()
    # The think-pause committed the open clause; the answer went on and the second commit finished it.
    assert final["text"] == f"{FIRST} {SECOND}"
    # Each pause's commit was shown as the answer so far (one that came after the candidate went on is not).
    interim = [e["text"] for e in client.events("transcript") if not e["final"]]
    assert interim and set(interim) <= {FIRST, f"{FIRST} {SECOND}"}
    (stored,) = user_messages(base_url, session_id)
    assert stored["text"] == f"{FIRST} {SECOND}"
    (session,) = vendors.realtime.sessions  # one stream for the whole answer
    assert len(session.commits) == 2 and vendors.realtime.problems == []
    assert session.query["model_id"] == "scribe_v2_realtime" and session.query["language_code"] == "en"
    # Every word, from a little before the first to the pause after the last, went up the stream.
    assert len(session.audio) >= len(first) + len(second)
    assert vendors.batch.uploads == []
    # Delivery counts the joined transcript's words; the VAD measures the speaking time and the think-pause.
    delivery = stored["delivery"]
    assert delivery["words"] == len(stored["text"].split())
    assert 0.9 < delivery["longest_pause_seconds"] < 2.0, delivery


async def test_a_stream_that_breaks_hands_the_answer_to_batch_transcription(base_url: str, vendors: Vendors) -> None:
    vendors.realtime.set_key(KEY, "close_mid_stream")
    session_id = start(base_url)
    client = await VoiceClient.open(base_url, session_id, token=TOKEN)
    greeting_end = await client.finish_playback()
    await client.say(spoken("I would add an index to the orders table.", b"en-us+m3"))
    _, final = await client.wait_for("transcript", lambda e: e["final"], after=greeting_end)
    await client.wait_for("reply", after=greeting_end)
    await client.close()
    assert final["text"] == TRANSCRIPT  # the batch fake's answer
    assert not client.events("error")
    assert [m["text"] for m in user_messages(base_url, session_id)] == [TRANSCRIPT]
    assert vendors.realtime.keys_tried() == [KEY] and len(vendors.batch.uploads) >= 1
    assert {upload.fields["model_id"] for upload in vendors.batch.uploads} == {"scribe_v2"}
