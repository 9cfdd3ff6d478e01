"""GeminiChatModel over real HTTP: the real google-genai SDK talking to a wire-exact fake Gemini."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from interviewsim.evaluation.schema import Evaluation
from interviewsim.vendors.chat import ChatChunk, ChatMessage, ChatModel
from interviewsim.vendors.errors import ProviderError
from interviewsim.vendors.gemini import DEFAULT_MODEL, GeminiChatModel
from tests.fakes.gemini import Blocked, Fail, FakeGemini, Hold, Reply, running_fake_gemini

KEY = "test-gemini-key-0123456789"
MODEL = "gemini-3.8-flash"
SYSTEM = "You are a calm, fair interviewer."
CHAT = [
    ChatMessage("user", "Hi, I am ready."),
    ChatMessage("assistant", "Great. Tell me about yourself."),
    ChatMessage("user", "I build backend services in Python."),
]
DAILY_QUOTA = Fail(
    429,
    "RESOURCE_EXHAUSTED",
    "You exceeded your current quota, please check your plan and billing details.",
    details=[
        {
            "@type": "type.googleapis.com/google.rpc.QuotaFailure",
            "violations": [{"quotaId": "GenerateRequestsPerDayPerProjectPerModel-FreeTier", "quotaValue": "250"}],
        }
    ],
)
EVALUATION = {
    "summary": "A clear, well-structured interview.",
    "strengths": ["Concrete examples"],
    "weaknesses": ["Little testing talk"],
    "recommendations": ["Describe test strategy"],
    "overall_impression": "Solid mid-level candidate.",
    "scores": {"overall": 72, "communication": 80, "technical": 70, "confidence": 68, "behavior": 75},
    "evaluator": "gemini",
}


@pytest.fixture
def gemini() -> Iterator[tuple[FakeGemini, str]]:
    with running_fake_gemini(FakeGemini(api_key=KEY)) as served:
        yield served


@pytest.fixture
def fake(gemini: tuple[FakeGemini, str]) -> FakeGemini:
    return gemini[0]


def make_model(base_url: str | None, **overrides: Any) -> GeminiChatModel:
    options: dict[str, Any] = {
        "model": MODEL,
        "base_url": base_url,
        "timeout_seconds": 10,
        "max_retries": 2,
        "retry_delay_seconds": 0.01,
        "max_retry_delay_seconds": 0.05,
        **overrides,
    }
    return GeminiChatModel(KEY, **options)


@pytest.fixture
async def model(gemini: tuple[FakeGemini, str]) -> AsyncIterator[GeminiChatModel]:
    chat_model = make_model(gemini[1])
    yield chat_model
    await chat_model.aclose()


async def collect(chat_model: GeminiChatModel) -> list[ChatChunk]:
    return [chunk async for chunk in chat_model.stream(SYSTEM, CHAT, max_tokens=256)]


async def failure(chat_model: GeminiChatModel, **kwargs: Any) -> ProviderError:
    with pytest.raises(ProviderError) as caught:
        await chat_model.complete(SYSTEM, CHAT, **kwargs)
    return caught.value


def test_capabilities_and_default_model() -> None:
    chat_model = GeminiChatModel(KEY, model=DEFAULT_MODEL)
    assert isinstance(chat_model, ChatModel)
    assert (chat_model.name, chat_model.can_stream, chat_model.supports_schema) == ("gemini", True, True)
    assert (chat_model.needs_key, chat_model.key_env_var) == (True, "GEMINI_API_KEY")
    assert DEFAULT_MODEL == "gemini-3.8-flash"
    assert KEY not in repr(chat_model)


async def test_construction_and_close_touch_no_network(gemini: tuple[FakeGemini, str]) -> None:
    fake, base_url = gemini
    chat_model = make_model(base_url)
    await chat_model.aclose()
    assert fake.requests == []


async def test_request_shape_with_schema(fake: FakeGemini, model: GeminiChatModel) -> None:
    schema = Evaluation.model_json_schema()
    await model.complete(SYSTEM, CHAT, max_tokens=512, json_schema=schema)
    [request] = fake.requests
    assert request.path == f"/v1/models/{MODEL}:generateContent"
    assert request.headers["x-goog-api-key"] == KEY
    assert request.json["systemInstruction"]["parts"] == [{"text": SYSTEM}]
    assert [(c["role"], c["parts"][0]["text"]) for c in request.json["contents"]] == [
        ("user", "Hi, I am ready."),
        ("model", "Great. Tell me about yourself."),
        ("user", "I build backend services in Python."),
    ]
    config = request.json["generationConfig"]
    assert config["responseMimeType"] == "application/json"
    assert config["responseJsonSchema"] == schema
    assert config["maxOutputTokens"] == 512


async def test_plain_complete_returns_text_and_usage(fake: FakeGemini, model: GeminiChatModel) -> None:
    fake.script(Reply(lambda body: f"You said: {body['contents'][-1]['parts'][0]['text']}"))
    result = await model.complete(SYSTEM, CHAT)
    assert result.text == "You said: I build backend services in Python."
    assert (result.provider, result.model) == ("gemini", MODEL)
    assert result.usage == {"input_tokens": 21, "output_tokens": 8, "total_tokens": 29}  # the fake counts words
    assert "responseMimeType" not in fake.requests[0].json["generationConfig"]


async def test_schema_reply_parses_into_evaluation(fake: FakeGemini, model: GeminiChatModel) -> None:
    fake.script(
        Reply(lambda body: json.dumps(EVALUATION) if "responseJsonSchema" in body["generationConfig"] else "no")
    )
    result = await model.complete(SYSTEM, CHAT, json_schema=Evaluation.model_json_schema())
    evaluation = Evaluation.model_validate_json(result.text)
    assert evaluation.scores.overall == 72
    assert evaluation.evaluator == "gemini"


async def test_stream_yields_deltas_in_order_then_result(fake: FakeGemini, model: GeminiChatModel) -> None:
    fake.script(Reply("Tell me about a system you designed."))
    chunks = await collect(model)
    deltas = [chunk.delta for chunk in chunks[:-1]]
    assert deltas == ["Tell ", "me ", "about ", "a ", "system ", "you ", "designed."]
    assert all(chunk.result is None for chunk in chunks[:-1])
    result = chunks[-1].result
    assert result is not None and chunks[-1].delta == ""
    assert result.text == "Tell me about a system you designed."
    assert result.usage["output_tokens"] == 7
    [request] = fake.requests
    assert request.path == f"/v1/models/{MODEL}:streamGenerateContent"
    assert request.query == {"alt": "sse"}
    assert request.json["generationConfig"] == {"maxOutputTokens": 256}


async def test_first_delta_arrives_before_the_last_is_sent(fake: FakeGemini, model: GeminiChatModel) -> None:
    fake.script(Reply(chunks=["Hello", ", and ", "welcome."], hold_before_last=True))
    deltas: list[str] = []
    async for chunk in model.stream(SYSTEM, CHAT):
        if chunk.delta and not deltas:
            assert not fake.sent_last_chunk.is_set()
            fake.release()
        deltas.append(chunk.delta)
    assert deltas == ["Hello", ", and ", "welcome.", ""]
    assert fake.sent_last_chunk.is_set()


@pytest.mark.parametrize("version", ["v1", "v1beta"])
async def test_api_version_option_selects_the_path(gemini: tuple[FakeGemini, str], version: str) -> None:
    fake, base_url = gemini
    fake.script(Reply("one"), Reply("two"))
    chat_model = make_model(base_url, api_version=version)
    try:
        assert (await chat_model.complete(SYSTEM, CHAT)).text == "one"
        assert [c.delta for c in await collect(chat_model)] == ["two", ""]
    finally:
        await chat_model.aclose()
    assert [r.path for r in fake.requests] == [
        f"/{version}/models/{MODEL}:generateContent",
        f"/{version}/models/{MODEL}:streamGenerateContent",
    ]


async def test_base_url_from_environment(gemini: tuple[FakeGemini, str], monkeypatch: pytest.MonkeyPatch) -> None:
    fake, base_url = gemini
    monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", base_url)
    chat_model = make_model(base_url=None)
    try:
        assert (await chat_model.complete(SYSTEM, CHAT)).text == "OK"
    finally:
        await chat_model.aclose()
    assert len(fake.requests) == 1


async def test_rate_limit_then_success_is_retried(fake: FakeGemini, model: GeminiChatModel) -> None:
    fake.script(Fail(429, "RESOURCE_EXHAUSTED", "Resource has been exhausted (e.g. check quota)."), Reply("fine"))
    assert (await model.complete(SYSTEM, CHAT)).text == "fine"
    assert len(fake.requests) == 2


async def test_stream_retries_an_overload_before_the_first_byte(fake: FakeGemini, model: GeminiChatModel) -> None:
    fake.script(Fail(503, "UNAVAILABLE", "The model is overloaded."), Reply("back again"))
    chunks = await collect(model)
    assert chunks[-1].result is not None and chunks[-1].result.text == "back again"
    assert len(fake.requests) == 2


async def test_broken_stream_is_retryable(fake: FakeGemini, model: GeminiChatModel) -> None:
    fake.script(Reply(chunks=["Tell ", "me ", "more."], break_after=2))
    deltas: list[str] = []
    with pytest.raises(ProviderError) as caught:
        async for chunk in model.stream(SYSTEM, CHAT):
            deltas.append(chunk.delta)
    assert caught.value.retryable
    assert deltas == ["Tell ", "me "]


async def test_persistent_overload_is_retryable_after_all_attempts(fake: FakeGemini, model: GeminiChatModel) -> None:
    fake.default = Fail(503, "UNAVAILABLE", "The model is overloaded. Please try again later.")
    error = await failure(model)
    assert error.retryable and error.status == 503
    assert "overloaded" in error.message
    assert len(fake.requests) == 3  # max_retries + 1


async def test_bad_request_is_final_and_not_retried(fake: FakeGemini, model: GeminiChatModel) -> None:
    fake.script(Fail(400, "INVALID_ARGUMENT", "Invalid JSON payload received."))
    error = await failure(model)
    assert not error.retryable and error.status == 400
    assert len(fake.requests) == 1


async def test_wrong_key_is_final_and_never_echoed(gemini: tuple[FakeGemini, str]) -> None:
    fake, base_url = gemini
    fake.script(Fail(403, "PERMISSION_DENIED", f"Key {KEY} is denied."))
    chat_model = make_model(base_url)
    try:
        error = await failure(chat_model)
    finally:
        await chat_model.aclose()
    assert not error.retryable and error.status == 403
    assert KEY not in str(error) and KEY not in error.message
    assert len(fake.requests) == 1


async def test_daily_quota_is_not_retryable(fake: FakeGemini, model: GeminiChatModel) -> None:
    fake.default = DAILY_QUOTA
    error = await failure(model)
    assert not error.retryable and error.status == 429


async def test_rate_limit_carries_a_capped_retry_after(fake: FakeGemini, model: GeminiChatModel) -> None:
    retry_info = {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "7s"}
    fake.default = Fail(429, "RESOURCE_EXHAUSTED", "Too many requests per minute.", details=[retry_info])
    error = await failure(model, max_tokens=64)
    assert error.retryable and error.retry_after == 7.0
    fake.default = Fail(429, "RESOURCE_EXHAUSTED", "Slow down.", retry_after="3600")
    error = await failure(model)
    assert error.retryable and error.retry_after == 30.0


async def test_timeout_is_retryable(gemini: tuple[FakeGemini, str]) -> None:
    fake, base_url = gemini
    fake.default = Hold()
    chat_model = make_model(base_url, timeout_seconds=0.2, max_retries=1)
    try:
        error = await failure(chat_model)
    finally:
        await chat_model.aclose()
    assert error.retryable and error.status is None
    assert len(fake.requests) == 2  # timeouts count as attempts too


async def test_blocked_prompt_is_a_clear_final_error(fake: FakeGemini, model: GeminiChatModel) -> None:
    fake.script(Blocked("SAFETY"))
    error = await failure(model)
    assert not error.retryable
    assert "blocked the prompt" in error.message and "SAFETY" in error.message


async def test_blocked_reply_is_a_clear_final_error(fake: FakeGemini, model: GeminiChatModel) -> None:
    fake.script(Blocked("PROHIBITED_CONTENT", in_candidate=True))
    error = await failure(model)
    assert not error.retryable
    assert "PROHIBITED_CONTENT" in error.message


async def test_blocked_stream_is_a_clear_final_error(fake: FakeGemini, model: GeminiChatModel) -> None:
    fake.script(Blocked("SAFETY"))
    with pytest.raises(ProviderError) as caught:
        await collect(model)
    assert not caught.value.retryable and "SAFETY" in caught.value.message
