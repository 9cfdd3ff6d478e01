"""GET /api/voice over a real WebSocket against a real server, with synthesized speech at real-time pace."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from interviewsim.app import create_app
from interviewsim.config import Settings
from tests.support.auth import TokenTableVerifier
from tests.support.live_speech import silence, spoken
from tests.support.servers import thread_server
from tests.support.voice_client import VoiceClient

ALICE, BOB = "alice-voice-token", "bob-voice-token"
EVALUATION_KEYS = {"strengths", "weaknesses", "recommendations", "overall_impression", "score", "selected"}


@pytest.fixture
def voice_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[FastAPI, str]]:
    """A live server on a SQLite file with the built-in engines: Whisper tiny.en, Piper (male) and espeak-ng."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    settings = Settings(  # type: ignore[call-arg]
        data_dir=tmp_path / "data",
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'voice.db'}",
        voice_max_sessions=3,
        voice_send_timeout_seconds=3,
    )
    app = create_app(settings, verifier=TokenTableVerifier({ALICE: "alice", BOB: "bob"}))
    with thread_server(app) as base_url:
        yield app, base_url


@pytest.fixture
def base_url(voice_app: tuple[FastAPI, str]) -> str:
    return voice_app[1]


def start(base_url: str, token: str = ALICE) -> str:
    body = {"domain": "software", "role": "Backend Engineer", "duration": 15, "voice_style": "male"}
    response = httpx.post(f"{base_url}/api/start-session", json=body, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    return str(response.json()["session_id"])


def messages(base_url: str, session_id: str) -> list[dict[str, Any]]:
    response = httpx.get(f"{base_url}/api/sessions/{session_id}", headers={"Authorization": f"Bearer {ALICE}"})
    assert response.status_code == 200, response.text
    return list(response.json()["messages"])


def answers(base_url: str, session_id: str) -> list[str]:
    return [m["text"] for m in messages(base_url, session_id) if m["role"] == "user"]


def audio_frames(client: VoiceClient, turn: int) -> list[bytes]:
    """The binary frames between a turn's audio.start and its audio.end or interrupted."""
    frames: list[bytes] = []
    inside = False
    for item in client.received:
        if item.event is not None and item.event.get("turn") == turn:
            inside = item.event["type"] == "audio.start"
        elif inside and item.audio is not None:
            frames.append(item.audio)
    return frames


async def test_a_whole_spoken_interview(base_url: str) -> None:
    session_id = start(base_url)
    client = await VoiceClient.open(base_url, session_id, token=ALICE)
    _, ready = await client.wait_for("ready")
    assert ready["input_audio"] == {"encoding": "pcm_s16le", "sample_rate": 16000, "channels": 1}
    assert ready["output_audio"]["encoding"] == "pcm_s16le"
    greeting_end = await client.finish_playback()
    assert sum(len(f) for f in audio_frames(client, 1)) > ready["output_audio"]["sample_rate"]  # > 0.5 s of speech

    await client.say(spoken("I worked on the payment system for three years.", b"en-us+m3") + silence(0.1))
    index, transcript = await client.wait_for("transcript", lambda e: e["final"], after=greeting_end)
    assert "payment" in transcript["text"].lower()
    index, reply = await client.wait_for("reply", after=index)
    assert reply["end"] is False and reply["text_response"]
    assert client.events("reply.delta"), "the reply was not streamed"
    index = await client.finish_playback(after=index)
    assert audio_frames(client, 2), "the reply was not spoken"

    await client.send_json({"type": "text", "text": "I mostly used Python and PostgreSQL."})
    index, reply = await client.wait_for("reply", after=index)
    index = await client.finish_playback(after=index)

    await client.send_json({"type": "end", "reason": "manual"})
    _, final = await client.wait_for("reply", lambda e: e["end"], after=index)
    assert final.keys() >= EVALUATION_KEYS
    await asyncio.wait_for(client.closed.wait(), 60)
    assert client.close_code == 1000
    last_turn = max(e["turn"] for e in client.events("audio.start"))
    assert audio_frames(client, last_turn), "the closing words were not spoken before the close"
    said = answers(base_url, session_id)
    assert len(said) == 2 and "payment" in said[0].lower() and said[1] == "I mostly used Python and PostgreSQL."
    spoken_answer, typed_answer = (m for m in messages(base_url, session_id) if m["role"] == "user")
    # The spoken answer carries the server's delivery metrics from its word timings; the typed one has none.
    delivery = spoken_answer["delivery"]
    assert delivery is not None and typed_answer["delivery"] is None
    assert delivery["words"] == len(spoken_answer["text"].split())
    assert 1.5 < delivery["speaking_seconds"] < 5  # espeak says these nine words in about 3 s
    assert 100 < delivery["words_per_minute"] < 300
    assert delivery["long_pauses"] == 0 and delivery["fillers"] == 0
    assert delivery["confidence"] is not None and 0 < delivery["confidence"] <= 1


async def test_a_think_pause_inside_a_sentence_stays_one_turn(base_url: str) -> None:
    session_id = start(base_url)
    client = await VoiceClient.open(base_url, session_id, token=ALICE)
    greeting_end = await client.finish_playback()
    clip = spoken("I worked on the payment system and then", b"en-us+m3") + silence(1.2)
    clip += spoken("we moved it to the cloud over six months.", b"en-us+m3")
    await client.say(clip)
    _, transcript = await client.wait_for("transcript", lambda e: e["final"], after=greeting_end)
    await client.wait_for("reply", after=greeting_end)
    await client.close()
    said = answers(base_url, session_id)
    assert len(said) == 1, said
    assert "payment" in said[0].lower() and "months" in said[0].lower()
    assert transcript["text"] == said[0]
    # Its delivery is measured over the whole answer: the think-pause is its longest silence.
    delivery = messages(base_url, session_id)[1]["delivery"]
    assert 0.9 < delivery["longest_pause_seconds"] < 2.0, delivery


async def test_speaking_over_the_interviewer_stops_its_audio(base_url: str) -> None:
    session_id = start(base_url)
    client = await VoiceClient.open(base_url, session_id, token=ALICE)
    index, _ = await client.wait_for("audio.start")
    await client.say(spoken("Sorry, could you repeat the question please?", b"en-us+m3"))
    cut, interrupted = await client.wait_for("interrupted", after=index)
    assert interrupted["turn"] == 1
    _, reply = await client.wait_for("reply", after=cut)
    # Not one more frame of the cut turn: nothing between `interrupted` and the next turn's audio.start.
    after_cut = client.received[cut + 1 :]
    next_start = next((i for i, r in enumerate(after_cut) if r.event and r.event["type"] == "audio.start"), None)
    assert [r for r in after_cut[:next_start] if r.audio is not None] == []
    assert not any(e["type"] == "audio.end" and e.get("turn") == 1 for e in client.events())
    assert audio_frames(client, 1), "the greeting had begun before the cut"
    # What the candidate said is their answer; the greeting is stored as far as it was heard.
    await client.close()
    assert len(answers(base_url, session_id)) == 1 and reply["end"] is False
    greeting = messages(base_url, session_id)[0]
    assert greeting["interrupted"] is True
    assert greeting["text"] == (interrupted["heard"] or "...")


async def test_a_reply_cut_short_is_stored_as_what_was_heard(base_url: str) -> None:
    session_id = start(base_url)
    client = await VoiceClient.open(base_url, session_id, token=ALICE)
    index = await client.finish_playback()
    await client.send_json({"type": "text", "text": "I build backend services in Python and Go."})
    index, reply = await client.wait_for("reply", after=index)
    index, _ = await client.wait_for("audio.start", lambda e: e["turn"] == 2, after=index)
    await asyncio.sleep(1.5)  # a few words of the reply are heard first
    await client.say(spoken("Sorry, let me add something about that.", b"en-us+m3"))
    cut, interrupted = await client.wait_for("interrupted", after=index)
    assert interrupted["turn"] == 2
    # The reply to what the candidate said over it: after that answer's final transcript, which the
    # conversation sends only once the cut turn's own reply is out.
    heard_answer, _ = await client.wait_for("transcript", lambda e: e["final"], after=cut)
    await client.wait_for("reply", after=heard_answer)
    await client.close()

    stored = [m for m in messages(base_url, session_id) if m["role"] == "assistant"]
    cut = stored[1]
    assert cut["interrupted"] is True and stored[0]["interrupted"] is False and stored[2]["interrupted"] is False
    heard = interrupted["heard"]
    assert heard and cut["text"] == heard
    # What was heard is the start of what the interviewer said, and not all of it.
    words, whole = heard.removesuffix("...").split(), reply["voice_response"].split()
    assert whole[: len(words)] == words and len(words) < len(whole), (heard, whole)


async def test_reconnecting_continues_the_interview(base_url: str) -> None:
    session_id = start(base_url)
    client = await VoiceClient.open(base_url, session_id, token=ALICE)
    greeting_end = await client.finish_playback()
    await client.say(spoken("I worked on the payment system for three years.", b"en-us+m3"))
    await client.wait_for("reply", after=greeting_end)
    await client.wait_for("audio.start", lambda e: e["turn"] == 2)
    await client.close()  # the lid closes while the question is being spoken

    again = await VoiceClient.open(base_url, session_id, token=ALICE)
    await again.wait_for("ready")
    await again.finish_playback()
    assert again.events("audio.start")[0]["turn"] == 1
    await again.send_json({"type": "text", "text": "I led a team of four engineers."})
    await again.wait_for("reply")
    await again.close()
    said = answers(base_url, session_id)
    assert len(said) == 2 and "payment" in said[0].lower(), said
    replies = [m for m in messages(base_url, session_id) if m["role"] == "assistant"]
    assert len(replies) == 3  # greeting and one reply per answer: nothing doubled


async def test_a_turn_cut_off_mid_reply_is_answered_after_reconnecting(base_url: str) -> None:
    session_id = start(base_url)
    client = await VoiceClient.open(base_url, session_id, token=ALICE)
    await client.wait_for("ready")
    await client.send_json({"type": "text", "text": "I build backend services in Python."})
    await client.wait_for("thinking")
    await client.close()
    await asyncio.sleep(0.5)
    again = await VoiceClient.open(base_url, session_id, token=ALICE)
    await again.wait_for("ready")
    await again.finish_playback()
    await again.close()
    said = answers(base_url, session_id)
    assert said == ["I build backend services in Python."]
    replies = [m for m in messages(base_url, session_id) if m["role"] == "assistant"]
    assert len(replies) == 2


@pytest.mark.parametrize(
    ("token", "origin", "code"),
    [
        ("not-a-token", None, 1008),
        (ALICE, "https://evil.example", 1008),
        (BOB, None, 4404),
    ],
    ids=["bad-token", "foreign-origin", "someone-elses-session"],
)
async def test_refused_connections_close_with_their_code_and_send_nothing(
    base_url: str, token: str, origin: str | None, code: int
) -> None:
    session_id = start(base_url)
    client = await VoiceClient.open(base_url, session_id, token=token, origin=origin)
    await asyncio.wait_for(client.closed.wait(), 10)
    assert client.close_code == code
    assert client.received == []


async def test_auth_as_a_first_message_from_a_browser_origin(base_url: str) -> None:
    session_id = start(base_url)
    client = await VoiceClient.open(base_url, session_id, token=None, origin=base_url)
    await client.send_json({"type": "auth", "token": ALICE})
    _, ready = await client.wait_for("ready")
    assert ready["session_id"] == session_id
    await client.close()


async def test_no_auth_message_within_five_seconds_closes(base_url: str) -> None:
    session_id = start(base_url)
    url = base_url.replace("http://", "ws://") + f"/api/voice?session_id={session_id}"
    from websockets.asyncio.client import connect

    async with connect(url) as connection:
        with pytest.raises(Exception):  # noqa: B017 - the close surfaces as ConnectionClosed
            await asyncio.wait_for(connection.recv(), 10)
        assert connection.close_code == 1008


async def test_an_oversize_frame_closes_with_1009(base_url: str) -> None:
    session_id = start(base_url)
    client = await VoiceClient.open(base_url, session_id, token=ALICE)
    await client.wait_for("ready")
    await client.connection.send(bytes(200_000))
    await asyncio.wait_for(client.closed.wait(), 10)
    assert client.close_code == 1009


async def test_voice_sessions_are_capped_per_process(base_url: str) -> None:
    clients = []
    for _ in range(3):
        client = await VoiceClient.open(base_url, start(base_url), token=ALICE)
        await client.wait_for("ready")
        clients.append(client)
    refused = await VoiceClient.open(base_url, start(base_url), token=ALICE)
    await asyncio.wait_for(refused.closed.wait(), 10)
    assert refused.close_code == 1013 and "too many" in (refused.close_reason or "")
    for client in clients:
        await client.close()


async def test_a_client_that_never_reads_is_dropped(voice_app: tuple[FastAPI, str]) -> None:
    app, base_url = voice_app
    session_id = start(base_url)
    # A small receive buffer, never read: the greeting's audio fills the socket within a second.
    receiver = socket.socket()
    receiver.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    receiver.connect(("127.0.0.1", int(base_url.rsplit(":", 1)[1])))
    client = await VoiceClient.open(base_url, session_id, token=ALICE, read=False, sock=receiver)
    transport = client.connection.transport
    transport.pause_reading()
    for second in range(60):
        if second % 5 == 0:  # the interview goes on: each answer brings more reply audio
            await client.send_json({"type": "text", "text": f"My answer number {second}."})
        await asyncio.sleep(1)
        if app.state.voice_slots.active == 0:
            break
    assert app.state.voice_slots.active == 0, "the server kept a session whose client never reads"
    transport.resume_reading()
    await client.close()


def test_the_protocol_page_is_served_and_linked_from_the_api_docs(base_url: str) -> None:
    page = httpx.get(f"{base_url}/docs/voice")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/markdown")
    assert "GET /api/voice" in page.text and "interrupted" in page.text
    description = httpx.get(f"{base_url}/openapi.json").json()["info"]["description"]
    assert "(/docs/voice)" in description


async def test_the_speech_model_loads_while_the_greeting_plays(voice_app: tuple[FastAPI, str]) -> None:
    app, base_url = voice_app
    stt = app.state.engines.stt
    assert stt._model is None  # nothing was transcribed on this server yet
    client = await VoiceClient.open(base_url, start(base_url), token=ALICE)
    await client.finish_playback()
    await client.close()
    assert stt._model is not None, "the first answer would wait for Whisper to load"


async def test_a_finished_answer_waits_for_a_busy_speech_to_text_engine(voice_app: tuple[FastAPI, str]) -> None:
    app, base_url = voice_app
    stt = app.state.engines.stt
    session_id = start(base_url)
    client = await VoiceClient.open(base_url, session_id, token=ALICE)
    index = await client.finish_playback()
    held = stt._capacity
    stt._admitted += held  # every transcription slot and queue place taken, as by other interviews
    try:
        await client.say(spoken("I worked on the payment system for three years.", b"en-us+m3"))
        await asyncio.sleep(4)  # past the end of the turn: its transcription found the engine full
    finally:
        stt._admitted -= held
    _, transcript = await client.wait_for("transcript", lambda e: e["final"], after=index)
    await client.wait_for("reply", after=index)
    await client.close()
    assert "payment" in transcript["text"].lower()
    assert client.events("error") == [], "the answer was dropped instead of waiting for the engine"
    assert len(answers(base_url, session_id)) == 1
