"""POST /api/stt over real HTTP with real speech, in every container a browser or phone records."""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.speech.conftest import client
from tests.support.speech import ANSWER, CONTAINERS, encode, spoken, wav_file, with_silence, word_error_rate


@pytest.fixture
def alice(stt_server: str) -> Iterator[httpx.Client]:
    with client(stt_server) as api:
        yield api


def multipart(data: bytes, media_type: str = "application/octet-stream", **fields: str) -> dict[str, object]:
    return {"files": {"file": ("answer", data, media_type)}, "data": fields}


@pytest.mark.parametrize("container", list(CONTAINERS))
def test_each_container_is_transcribed(alice: httpx.Client, container: str) -> None:
    media_type = CONTAINERS[container][2]
    response = alice.post("/api/stt", **multipart(encode(spoken(ANSWER), container), media_type))  # type: ignore[arg-type]
    assert response.status_code == 200, response.text
    body = response.json()
    assert word_error_rate(ANSWER, body["text"]) <= 0.25, body["text"]
    assert body["provider"] == "builtin" and body["language"] == "en"
    assert body["duration"] == pytest.approx(len(spoken(ANSWER)) / 2 / 22050, abs=0.3)
    starts = [word["start"] for word in body["words"]]
    assert len(body["words"]) >= 10 and starts == sorted(starts)
    assert all(word["end"] >= word["start"] for word in body["words"])
    delivery = body["delivery"]
    assert 100 <= delivery["words_per_minute"] <= 260
    assert delivery["long_pauses"] == 0 and 0.5 <= delivery["confidence"] <= 1
    assert len(body["speech_id"]) >= 32


def test_raw_audio_body_with_language_field(alice: httpx.Client) -> None:
    data = encode(spoken(ANSWER), "webm")
    response = alice.post("/api/stt", content=data, headers={"Content-Type": "audio/webm;codecs=opus"})
    assert response.status_code == 200, response.text
    assert word_error_rate(ANSWER, response.json()["text"]) <= 0.25


def test_a_long_pause_is_counted(alice: httpx.Client) -> None:
    pcm = with_silence(spoken("I would add an index."), 3.0) + spoken("Then I would measure again.")
    response = alice.post("/api/stt", **multipart(wav_file(pcm), "audio/wav", language="en"))  # type: ignore[arg-type]
    assert response.status_code == 200, response.text
    delivery = response.json()["delivery"]
    assert delivery["long_pauses"] == 1 and delivery["longest_pause_seconds"] > 2


def test_no_token_is_401(stt_server: str) -> None:
    with client(stt_server, token=None) as anonymous:
        response = anonymous.post("/api/stt", content=b"RIFF", headers={"Content-Type": "audio/wav"})
    assert response.status_code == 401 and response.json()["code"] == "unauthorized"


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b'{"text": "hi"}', "application/json"),
        (b"hello", "text/plain"),
        (b"\x89PNG\r\n\x1a\n" + bytes(64), "image/png"),
    ],
)
def test_a_body_that_is_not_audio_is_415(alice: httpx.Client, content: bytes, content_type: str) -> None:
    response = alice.post("/api/stt", content=content, headers={"Content-Type": content_type})
    assert response.status_code == 415 and response.json()["code"] == "unsupported_media_type"


def test_a_file_in_an_unknown_format_is_415(alice: httpx.Client) -> None:
    png = b"\x89PNG\r\n\x1a\n" + bytes(256)
    assert alice.post("/api/stt", **multipart(png)).status_code == 415  # type: ignore[arg-type]
    response = alice.post("/api/stt", **multipart(encode(spoken(ANSWER), "wav"), "image/png"))  # type: ignore[arg-type]
    assert response.status_code == 415


@pytest.mark.parametrize(
    "upload",
    [
        {"files": {"file": ("a.webm", b"\x1a\x45\xdf\xa3" + bytes(range(256)) * 8, "audio/webm")}},
        {"files": {"file": ("a.wav", b"", "audio/wav")}},
        {"files": {"other": ("a.wav", b"RIFF0000WAVE", "audio/wav")}},
        {"content": b"OggS" + b"\x00" * 3000, "headers": {"Content-Type": "audio/ogg"}},
        {"content": b"", "headers": {"Content-Type": "audio/wav"}},
        {"content": b"--x\r\nbroken", "headers": {"Content-Type": "multipart/form-data; boundary=x"}},
    ],
    ids=["garbage-webm", "empty-file", "no-file-field", "garbage-ogg", "empty-body", "broken-multipart"],
)
def test_undecodable_uploads_are_400(alice: httpx.Client, upload: dict[str, object]) -> None:
    response = alice.post("/api/stt", **upload)  # type: ignore[arg-type]
    assert response.status_code == 400, response.text
    assert response.json()["error"]


def test_silence_is_400_no_speech(alice: httpx.Client) -> None:
    response = alice.post("/api/stt", **multipart(wav_file(bytes(2 * 16000 * 3), 16000), "audio/wav"))  # type: ignore[arg-type]
    assert response.status_code == 400 and response.json()["code"] == "no_speech"


def test_a_declared_size_over_the_cap_is_413_before_the_body_is_read(alice: httpx.Client) -> None:
    response = alice.post("/api/stt", content=bytes(2 * 1024 * 1024), headers={"Content-Type": "audio/wav"})
    assert response.status_code == 413 and response.json()["code"] == "payload_too_large"


def test_a_streamed_body_over_the_cap_is_413(alice: httpx.Client) -> None:
    def chunks() -> Iterator[bytes]:
        yield b"RIFF" + bytes(60)
        for _ in range(40):
            yield bytes(64 * 1024)

    response = alice.post("/api/stt", content=chunks(), headers={"Content-Type": "audio/wav"})
    assert response.status_code == 413
    form = alice.post("/api/stt", **multipart(b"RIFF" + bytes(1024 * 1024 + 10), "audio/wav"))  # type: ignore[arg-type]
    assert form.status_code == 413


def test_audio_longer_than_the_cap_is_413(alice: httpx.Client) -> None:
    long_silence = wav_file(bytes(2 * 8000 * 25), 8000)  # 25 s at 8 kHz: 400 KB, under the byte cap
    response = alice.post("/api/stt", content=long_silence, headers={"Content-Type": "audio/wav"})
    assert response.status_code == 413 and "20 seconds" in response.json()["error"]
    streamed = encode(with_silence(b"", 25), "webm")  # a container that declares no duration
    response = alice.post("/api/stt", content=streamed, headers={"Content-Type": "audio/webm"})
    assert response.status_code == 413


def test_the_json_routes_keep_their_256_kb_cap(alice: httpx.Client) -> None:
    response = alice.post("/api/tts", content=b"{" + bytes(300 * 1024), headers={"Content-Type": "application/json"})
    assert response.status_code == 413


def test_malformed_uploads_leave_no_temporary_file(
    alice: httpx.Client, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    big_form = multipart(b"RIFF" + bytes(900 * 1024), "audio/wav")
    alice.post("/api/stt", **big_form)  # type: ignore[arg-type]
    alice.post("/api/stt", **multipart(b"\x1a\x45\xdf\xa3" + bytes(700 * 1024), "audio/webm"))  # type: ignore[arg-type]
    alice.post("/api/stt", content=b"OggS" + bytes(900 * 1024), headers={"Content-Type": "audio/ogg"})
    assert list(tmp_path.iterdir()) == []


def test_uploads_are_rate_limited_per_user(stt_server: str) -> None:
    with client(stt_server, "dave-token") as dave, client(stt_server, "bob-token") as bob:
        statuses = [dave.post("/api/stt", content=b"x", headers={"Content-Type": "text/plain"}) for _ in range(41)]
        assert [r.status_code for r in statuses[:40]] == [415] * 40
        assert statuses[40].status_code == 429 and int(statuses[40].headers["Retry-After"]) >= 1
        assert bob.post("/api/stt", content=b"x", headers={"Content-Type": "text/plain"}).status_code == 415


async def test_a_full_transcription_queue_answers_503_with_retry_after(stt_server: str) -> None:
    data = encode(spoken(ANSWER), "ogg")
    headers = {"Authorization": "Bearer bob-token", "Content-Type": "audio/ogg"}
    async with httpx.AsyncClient(base_url=stt_server, headers=headers, timeout=120) as bob:
        responses = await asyncio.gather(*(bob.post("/api/stt", content=data) for _ in range(3)))
    statuses = sorted(r.status_code for r in responses)
    assert statuses[0] == 200 and 503 in statuses, statuses
    busy = next(r for r in responses if r.status_code == 503)
    assert int(busy.headers["Retry-After"]) >= 1 and busy.json()["error"]
