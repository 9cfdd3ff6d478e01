"""ElevenLabs and OpenAI-compatible speech-to-text against wire-level fakes; the chain over real HTTP."""

from __future__ import annotations

import math
from pathlib import Path

import httpx
import pytest

from interviewsim.app import create_app
from interviewsim.engines.fallback import FallbackSpeechToText
from interviewsim.speech.stt.base import SpeechToText
from interviewsim.stt.elevenlabs import ElevenLabsSpeechToText
from interviewsim.stt.openai_compat import OpenAICompatSpeechToText
from interviewsim.vendors.errors import ProviderError
from tests.fakes.speech_to_text import TRANSCRIPT, FakeElevenLabsStt, FakeOpenAIStt
from tests.speech.conftest import USERS, client, speech_settings
from tests.support.auth import TokenTableVerifier
from tests.support.servers import thread_server
from tests.support.speech import ANSWER, encode, spoken

PCM = bytes(2 * 16000)  # one second; the fakes do not listen


async def test_elevenlabs_sends_scribe_fields_and_reads_words() -> None:
    fake = FakeElevenLabsStt()
    fake.set_key("k1", "ok")
    with fake.running() as base_url:
        stt = ElevenLabsSpeechToText(["k1"], base_url=base_url)
        transcript = await stt.transcribe(PCM, language="en")
        await stt.aclose()
    upload = fake.uploads[0]
    assert upload.fields == {
        "model_id": "scribe_v2",
        "timestamps_granularity": "word",
        "tag_audio_events": "false",
        "language_code": "en",
    }
    assert upload.file[:4] == b"RIFF" and upload.file[8:12] == b"WAVE"
    assert isinstance(stt, SpeechToText)
    assert transcript.text == TRANSCRIPT and transcript.provider == "elevenlabs" and transcript.language == "en"
    assert [w.word for w in transcript.words] == ["Um,", "I", "would", "add", "an", "index."]  # no spacing entries
    assert transcript.confidence == pytest.approx(math.exp(-0.05), abs=1e-3)


async def test_elevenlabs_fails_over_across_the_key_ring() -> None:
    fake = FakeElevenLabsStt()
    fake.set_key("busy-key", "busy")
    fake.set_key("bad-key", "invalid_api_key")
    fake.set_key("good-key", "ok")
    with fake.running() as base_url:
        stt = ElevenLabsSpeechToText(["busy-key", "bad-key", "good-key"], base_url=base_url)
        first = await stt.transcribe(PCM)
        second = await stt.transcribe(PCM)
        await stt.aclose()
    assert first.text == second.text == TRANSCRIPT
    # The busy key rests, the bad key is retired: the second request goes straight to the good key.
    assert fake.keys_tried() == ["busy-key", "bad-key", "good-key", "good-key"]


async def test_elevenlabs_with_every_key_refused_raises_and_leaks_no_key() -> None:
    fake = FakeElevenLabsStt()
    fake.set_key("secret-key-1", "invalid_api_key")
    with fake.running() as base_url:
        stt = ElevenLabsSpeechToText(["secret-key-1"], base_url=base_url)
        with pytest.raises(ProviderError) as raised:
            await stt.transcribe(PCM)
        await stt.aclose()
    assert raised.value.retry_after is None and "secret-key-1" not in str(raised.value)


async def test_elevenlabs_bad_request_is_not_retried_with_other_keys() -> None:
    fake = FakeElevenLabsStt()
    fake.set_key("k1", "bad_request")
    fake.set_key("k2", "ok")
    with fake.running() as base_url:
        stt = ElevenLabsSpeechToText(["k1", "k2"], base_url=base_url)
        with pytest.raises(ProviderError) as raised:
            await stt.transcribe(PCM)
        await stt.aclose()
    assert raised.value.retryable is False and fake.keys_tried() == ["k1"]


async def test_openai_compatible_sends_verbose_json_and_reads_words() -> None:
    fake = FakeOpenAIStt()
    with fake.running() as base_url:
        stt = OpenAICompatSpeechToText(model="whisper-large-v3", api_key="sk-test", base_url=f"{base_url}/v1")
        transcript = await stt.transcribe(PCM, prompt="PostgreSQL, Redis")
        await stt.aclose()
    upload = fake.uploads[0]
    assert upload.headers["authorization"] == "Bearer sk-test"
    assert upload.fields["model"] == "whisper-large-v3" and upload.fields["response_format"] == "verbose_json"
    assert upload.fields["prompt"] == "PostgreSQL, Redis" and upload.file[:4] == b"RIFF"
    assert transcript.text == TRANSCRIPT and transcript.language == "en" and transcript.duration == 4.0
    assert [w.word for w in transcript.words][:2] == ["Um", "I"]
    assert transcript.confidence == pytest.approx(math.exp(-0.1), abs=1e-3)


async def test_openai_compatible_refusal_is_a_provider_error() -> None:
    fake = FakeOpenAIStt()
    fake.set_key("sk-wrong", "invalid_api_key")
    with fake.running() as base_url:
        stt = OpenAICompatSpeechToText(api_key="sk-wrong", base_url=f"{base_url}/v1", max_retries=0)
        with pytest.raises(ProviderError) as raised:
            await stt.transcribe(PCM)
        await stt.aclose()
    assert raised.value.retryable is False and raised.value.status == 401 and "sk-wrong" not in str(raised.value)


async def test_the_chain_moves_past_a_failing_member() -> None:
    failing, working = FakeOpenAIStt(unknown_key="error500"), FakeElevenLabsStt()
    working.set_key("k1", "ok")
    with failing.running() as openai_url, working.running() as eleven_url:
        chain = FallbackSpeechToText(
            [
                OpenAICompatSpeechToText(base_url=f"{openai_url}/v1", max_retries=0),
                ElevenLabsSpeechToText(["k1"], base_url=eleven_url),
            ]
        )
        transcript = await chain.transcribe(PCM)
    assert transcript.provider == "elevenlabs" and len(failing.uploads) == 1


def test_api_stt_falls_over_to_the_next_provider(tmp_path: Path) -> None:
    failing, working = FakeOpenAIStt(unknown_key="error500"), FakeElevenLabsStt()
    working.set_key("eleven-key", "ok")
    with failing.running() as openai_url, working.running() as eleven_url:
        settings = speech_settings(
            tmp_path,
            stt=["openai", "elevenlabs"],
            openai_stt_base_url=f"{openai_url}/v1",
            eleven_keys=["eleven-key"],
            eleven_base_url=eleven_url,
            provider_max_retries=0,
        )
        with (
            thread_server(create_app(settings, verifier=TokenTableVerifier(USERS))) as base_url,
            client(base_url) as api,
        ):
            files = {"file": ("a.ogg", encode(spoken(ANSWER), "ogg"), "audio/ogg")}
            response = api.post("/api/stt", files=files)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["provider"] == "elevenlabs" and body["text"] == TRANSCRIPT
    assert body["delivery"]["fillers"] == 1 and body["delivery"]["long_pauses"] == 1
    # The fakes heard real audio, decoded and re-wrapped as 16 kHz WAV.
    assert working.uploads[0].file[:4] == b"RIFF" and len(working.uploads[0].file) > 16000 * 2 * 3


def test_api_stt_with_every_provider_down_is_a_json_5xx(tmp_path: Path) -> None:
    failing = FakeOpenAIStt(unknown_key="error500")
    with failing.running() as openai_url:
        settings = speech_settings(
            tmp_path, stt=["openai"], openai_stt_base_url=f"{openai_url}/v1", provider_max_retries=0
        )
        with (
            thread_server(create_app(settings, verifier=TokenTableVerifier(USERS))) as base_url,
            client(base_url) as api,
        ):
            response = api.post(
                "/api/stt", content=encode(spoken(ANSWER), "wav"), headers={"Content-Type": "audio/wav"}
            )
    assert response.status_code == 502 and response.json()["code"] == "upstream_error"
    assert isinstance(response, httpx.Response)
