"""The whole service on Claude + Gemini + ElevenLabs + Firebase, each a wire-level fake on 127.0.0.1."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from interviewsim.app import create_app
from interviewsim.config import Settings
from tests.fakes.anthropic import FakeAnthropic, Fault, Reply, serve
from tests.fakes.elevenlabs import FakeElevenLabs, silent_mp3
from tests.fakes.firebase import FakeFirebaseCerts
from tests.fakes.gemini import Fail, FakeGemini, running_fake_gemini
from tests.fakes.gemini import Reply as GeminiReply
from tests.fakes.scripts import EVALUATION, interviewer_reply
from tests.support.servers import thread_server

PROJECT = "demo-interviewsim"
ANTHROPIC_KEY = "sk-ant-test-0123456789"
GEMINI_KEY = "gm-test-0123456789"
ELEVEN_OK, ELEVEN_BAD, ELEVEN_QUOTA = "el-ok-aaaa1111", "el-bad-bbbb2222", "el-quota-cccc3333"
MALE, FEMALE = "voice-male-id", "voice-female-id"


@dataclass
class Stack:
    """The live service and every fake behind it."""

    base_url: str
    anthropic: FakeAnthropic
    gemini: FakeGemini
    eleven: FakeElevenLabs
    certs: FakeFirebaseCerts
    settings: Settings

    def client(self, uid: str, email: str | None = None) -> httpx.Client:
        token = self.certs.mint(uid, project_id=PROJECT, email=email)
        return httpx.Client(base_url=self.base_url, headers={"Authorization": f"Bearer {token}"}, timeout=60)


@pytest.fixture
def stack(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Stack]:
    interviewer = getattr(request, "param", "anthropic")
    anthropic = FakeAnthropic(default=interviewer_reply, api_key=ANTHROPIC_KEY)
    eleven = FakeElevenLabs(silent_mp3(1.0), chunk_count=4, voices={MALE, FEMALE})
    eleven.set_key(ELEVEN_OK, "ok")
    eleven.set_key(ELEVEN_BAD, "invalid_api_key")
    eleven.set_key(ELEVEN_QUOTA, "quota_exceeded")
    gemini_fake = FakeGemini(api_key=GEMINI_KEY, default=GeminiReply(json.dumps(EVALUATION)))
    with (
        serve(anthropic) as anthropic_url,
        running_fake_gemini(gemini_fake) as (gemini, gemini_url),
        eleven.serve() as eleven_url,
        FakeFirebaseCerts().serve() as certs,
    ):
        settings = Settings(
            data_dir=tmp_path,
            firebase_project_id=PROJECT,
            firebase_certs_url=certs.url,
            anthropic_api_key=ANTHROPIC_KEY,
            anthropic_base_url=anthropic_url,
            gemini_api_key=GEMINI_KEY,
            google_gemini_base_url=gemini_url,
            eleven_keys=[ELEVEN_BAD, ELEVEN_QUOTA, ELEVEN_OK],
            eleven_base_url=eleven_url,
            eleven_voice_male=MALE,
            eleven_voice_female=FEMALE,
            interviewer=interviewer.split(","),
            evaluator_min_answers=0,  # these interviews end in the warm-up: the vendor grades them all the same
            provider_max_retries=1,
            max_retry_after_seconds=0.05,
        )  # type: ignore[call-arg]
        with thread_server(create_app(settings)) as base_url:
            yield Stack(base_url, anthropic, gemini, eleven, certs, settings)


def start(api: httpx.Client, **overrides: Any) -> str:
    body = {
        "domain": "software",
        "role": "Platform Engineer",
        "interview_type": "Technical",
        "difficulty": "Advanced",
        "duration": 15,
        "voice_style": "male",
        **overrides,
    }
    response = api.post("/api/start-session", json=body)
    assert response.status_code == 200, response.text
    return str(response.json()["session_id"])


def say(api: httpx.Client, session_id: str, text: str) -> httpx.Response:
    return api.post("/api/chat", json={"session_id": session_id, "user_message": text})


def user_turns(api: httpx.Client, session_id: str) -> list[str]:
    messages = api.get(f"/api/sessions/{session_id}").json()["messages"]
    return [m["text"] for m in messages if m["role"] == "user"]


def test_full_interview_on_every_vendor(stack: Stack) -> None:
    api = stack.client("alice-uid", "alice@example.com")
    session_id = start(api, job_description="Kubernetes and Go")
    for answer in ("Great, thanks.", "I love distributed systems.", "I'd use a token bucket per user in Redis."):
        reply = say(api, session_id, answer)
        assert reply.status_code == 200, reply.text
        assert reply.json()["provider"] == "anthropic"
    assert reply.json()["kind"] == "question" and reply.json()["question_number"] == 2

    final = say(api, session_id, "[END_INTERVIEW_MANUAL]").json()
    assert final["end"] is True and final["score"] == 71 and final["selected"] is True
    assert final["details"]["evaluator"] == "gemini"
    assert [e["quote"] for e in final["details"]["evidence"]] == ["token bucket per user"]

    first = stack.anthropic.requests[0]
    assert first.path == "/v1/messages"
    assert first.json["model"] == stack.settings.anthropic_model
    system = first.json["system"][0]
    assert system["cache_control"] == {"type": "ephemeral"}
    for fragment in ("Platform Engineer", "software", "Technical", "Advanced", "15 minutes", "Kubernetes and Go"):
        assert fragment in system["text"]
    assert ANTHROPIC_KEY in (first.headers.get("authorization", "") + first.headers.get("x-api-key", ""))
    assert all(r.json["system"] == first.json["system"] for r in stack.anthropic.requests)  # cacheable
    detail = api.get(f"/api/sessions/{session_id}").json()
    assert "interviewer_note" not in json.dumps(detail)  # the hidden note is never stored
    turns_used = [m["usage"]["input_tokens"] for m in detail["messages"] if m["role"] == "assistant"]
    assert all(turns_used) and detail["tokens_by_role"]["interviewer"]["input_tokens"] == sum(turns_used)
    graded = detail["tokens_by_role"]["evaluator"]["input_tokens"]
    assert graded > 0 and detail["tokens"]["input_tokens"] == sum(turns_used) + graded

    grading = stack.gemini.requests[-1]
    assert grading.path == f"/v1/models/{stack.settings.gemini_model}:generateContent"
    assert grading.headers["x-goog-api-key"] == GEMINI_KEY
    config = grading.json["generationConfig"]
    assert config["responseMimeType"] == "application/json"
    assert config["responseJsonSchema"]["properties"]["scores"]["required"]
    assert "token bucket per user in Redis" in json.dumps(grading.json["contents"])

    for style, voice_id in (("male", MALE), ("female", FEMALE)):
        audio = api.post("/api/tts", json={"text": "Hello there! **Welcome**.", "voice_style": style})
        assert audio.status_code == 200 and audio.headers["content-type"] == "audio/mpeg"
        assert audio.content == stack.eleven.audio
        spoken = stack.eleven.requests[-1]
        assert spoken.voice_id == voice_id and spoken.query["output_format"] == "mp3_44100_128"
        assert spoken.body["model_id"] == stack.settings.eleven_model
        assert spoken.headers["xi-api-key"] == ELEVEN_OK

    assert stack.client("bob-uid").get(f"/api/sessions/{session_id}").status_code == 404


def test_key_ring_serves_every_request_from_the_good_key(stack: Stack) -> None:
    api = stack.client("alice-uid")
    for n in range(5):
        assert api.post("/api/tts", json={"text": f"Sentence {n}.", "voice_style": "female"}).status_code == 200
    tried = stack.eleven.keys_tried()
    assert tried.count(ELEVEN_BAD) == 1 and tried.count(ELEVEN_QUOTA) == 1  # never again within their rest
    assert tried.count(ELEVEN_OK) == 5


def test_all_voice_keys_busy_is_503_with_retry_after(stack: Stack) -> None:
    stack.eleven.set_key(ELEVEN_OK, "busy")
    response = stack.client("alice-uid").post("/api/tts", json={"text": "Hello.", "voice_style": "male"})
    assert response.status_code == 503
    assert int(response.headers["retry-after"]) >= 1 and response.json()["error"]


@pytest.mark.parametrize(
    ("faults", "recovers_in_turn"),
    [
        ([Fault(429, retry_after=0.01)], True),  # retried by the SDK, the turn succeeds
        ([Fault(529)] * 2, False),  # overloaded past the retries
        ([Fault(500)] * 2, False),
    ],
)
def test_interviewer_faults_never_lose_the_answer(stack: Stack, faults: list[Fault], recovers_in_turn: bool) -> None:
    api = stack.client("alice-uid")
    session_id = start(api)
    stack.anthropic.queue(*faults)
    answer = "I'm well, and ready to talk about distributed systems."
    first = say(api, session_id, answer)
    if recovers_in_turn:
        assert first.status_code == 200
    else:
        assert first.status_code in (502, 503) and first.json()["error"]
        assert "saved" in first.json()["error"]
        assert user_turns(api, session_id) == [answer]
        again = say(api, session_id, answer)  # the client resends the same answer
        assert again.status_code == 200
    assert user_turns(api, session_id) == [answer]  # stored once


def test_garbled_interviewer_output_is_still_a_reply(stack: Stack) -> None:
    api = stack.client("alice-uid")
    session_id = start(api)
    stack.anthropic.queue(Reply(text='Sure! {"text_response": "Lovely. What drew you to platform work?", "kind": '))
    reply = say(api, session_id, "Good, thanks.")
    assert reply.status_code == 200
    assert reply.json()["text_response"].startswith("Sure!")


def test_invalid_evaluations_twice_fail_clearly_then_results_recover(stack: Stack) -> None:
    api = stack.client("alice-uid")
    session_id = start(api)
    say(api, session_id, "Great, thanks.")
    stack.gemini.script(GeminiReply("not json at all"), GeminiReply('{"summary": "incomplete"}'))
    ended = say(api, session_id, "[END_INTERVIEW_MANUAL]")
    assert ended.status_code == 502 and "saved" in ended.json()["error"]
    detail = api.get(f"/api/sessions/{session_id}").json()
    assert detail["status"] == "ended" and detail["evaluation"] is None
    assert user_turns(api, session_id) == ["Great, thanks."]
    results = api.post("/api/results", json={"session_id": session_id})
    assert results.status_code == 200 and results.json()["score"] == 71


@pytest.mark.parametrize("stack", ["anthropic,gemini"], indirect=True)
def test_fallback_to_gemini_when_claude_is_overloaded(stack: Stack) -> None:
    api = stack.client("alice-uid")
    stack.anthropic.queue(*[Fault(529)] * 20)
    stack.gemini.script(*[GeminiReply(interviewer_reply)] * 2)
    started = api.post("/api/start-session", json={"domain": "software", "role": "SRE"}).json()
    assert started["first_question"]["provider"] == "gemini"
    reply = say(api, started["session_id"], "Doing well.")
    assert reply.status_code == 200 and reply.json()["provider"] == "gemini"
    messages = api.get(f"/api/sessions/{started['session_id']}").json()["messages"]
    assert [m["provider"] for m in messages if m["role"] == "assistant"] == ["gemini", "gemini"]
    metrics = httpx.get(f"{stack.base_url}/metrics").text
    assert 'provider_errors_total{operation="respond",outcome="retryable",provider="anthropic"} 2.0' in metrics
    assert 'provider_request_duration_seconds_count{operation="respond",outcome="ok",provider="gemini"} 2.0' in metrics
    assert 'key_ring_keys{provider="elevenlabs",state="healthy"} 3.0' in metrics


def test_gemini_daily_quota_is_not_retried(stack: Stack) -> None:
    api = stack.client("alice-uid")
    session_id = start(api)
    quota = Fail(429, "RESOURCE_EXHAUSTED", "Quota exceeded for quota metric 'requests per day'")
    stack.gemini.script(quota, quota)
    before = len(stack.gemini.requests)
    ended = say(api, session_id, "[END_INTERVIEW_MANUAL]")
    assert ended.status_code == 502 and "retry_after" not in ended.json()
    # The SDK's own retry cannot tell a daily quota from a rate limit; the evaluator does not retry on top.
    assert len(stack.gemini.requests) - before == 2
