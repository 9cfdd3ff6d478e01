"""OpenAICompatChatModel against a wire-exact fake of /v1/chat/completions: real HTTP, the real SDK."""

from __future__ import annotations

import asyncio
import threading
import typing
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest

from interviewsim.vendors.chat import ChatChunk, ChatMessage, ChatModel
from interviewsim.vendors.errors import ProviderError
from interviewsim.vendors.openai_compat import OpenAICompatChatModel
from tests.fakes.openai import FakeOpenAI, Fault, Reply, StreamError, running_fake_openai

MODEL = "llama3.1:8b-instruct"
SYSTEM = "You are a calm, rigorous interviewer for a Data Analyst role."
MESSAGES = [ChatMessage("user", "Hi, I am ready."), ChatMessage("assistant", "Great."), ChatMessage("user", "Go on.")]
SCHEMA = {"title": "Evaluation", "type": "object", "properties": {"score": {"type": "integer"}}, "required": ["score"]}
MakeModel = Callable[..., OpenAICompatChatModel]


@pytest.fixture
def served() -> Iterator[tuple[FakeOpenAI, str]]:
    with running_fake_openai() as pair:
        yield pair


@pytest.fixture
def fake(served: tuple[FakeOpenAI, str]) -> FakeOpenAI:
    return served[0]


@pytest.fixture
async def make_model(served: tuple[FakeOpenAI, str]) -> AsyncIterator[MakeModel]:
    models: list[OpenAICompatChatModel] = []

    def make(**options: Any) -> OpenAICompatChatModel:
        settings = {"model": MODEL, "api_key": None, "base_url": served[1], "max_retry_after_seconds": 0.01, **options}
        model = OpenAICompatChatModel(**settings)
        models.append(model)
        return model

    yield make
    for model in models:
        await model.aclose()


async def collect(model: OpenAICompatChatModel) -> list[ChatChunk]:
    async with asyncio.timeout(10):
        return [chunk async for chunk in model.stream(SYSTEM, MESSAGES, max_tokens=300)]


async def failure(call: typing.Awaitable[object]) -> ProviderError:
    with pytest.raises(ProviderError) as caught:
        async with asyncio.timeout(10):
            await call
    return caught.value


async def stream_failure(model: OpenAICompatChatModel) -> tuple[list[str], ProviderError]:
    deltas: list[str] = []
    with pytest.raises(ProviderError) as caught:
        async with asyncio.timeout(10):
            async for chunk in model.stream(SYSTEM, MESSAGES):
                deltas.append(chunk.delta)
    return deltas, caught.value


def test_capabilities_and_no_client_until_first_use() -> None:
    model = OpenAICompatChatModel(model=MODEL, api_key="sk-secret", base_url="http://127.0.0.1:9/v1")
    assert isinstance(model, ChatModel)
    assert (model.name, model.can_stream, model.supports_schema, model.needs_key) == ("openai", True, True, False)
    assert model._client is None
    assert "sk-secret" not in repr(model)


async def test_request_shape_without_a_key(fake: FakeOpenAI, make_model: MakeModel) -> None:
    await make_model().complete(SYSTEM, MESSAGES, max_tokens=321)

    (request,) = fake.requests
    assert request.path == "/v1/chat/completions"
    assert request.json["model"] == MODEL
    assert request.json["max_tokens"] == 321
    assert request.json["messages"] == [
        {"role": "system", "content": SYSTEM},
        *({"role": m.role, "content": m.content} for m in MESSAGES),
    ]
    assert "response_format" not in request.json and "stream" not in request.json
    assert request.headers["authorization"] == "Bearer not-needed"


async def test_a_given_key_is_sent_as_bearer(fake: FakeOpenAI, make_model: MakeModel) -> None:
    await make_model(api_key="sk-gateway-key").complete(SYSTEM, MESSAGES)

    assert fake.requests[0].headers["authorization"] == "Bearer sk-gateway-key"


async def test_complete_returns_text_and_usage(fake: FakeOpenAI, make_model: MakeModel) -> None:
    fake.queue(Reply("Which SQL window functions do you use most?"))

    result = await make_model().complete(SYSTEM, MESSAGES)

    assert (result.text, result.provider, result.model) == (
        "Which SQL window functions do you use most?",
        "openai",
        MODEL,
    )
    assert result.usage["output_tokens"] == 8  # the fake counts a token per word
    assert result.usage["input_tokens"] > 0


async def test_stream_yields_deltas_then_one_result_with_usage(fake: FakeOpenAI, make_model: MakeModel) -> None:
    fake.queue(Reply(chunks=("Walk me ", "through ", "your query.")))

    chunks = await collect(make_model())

    assert [c.delta for c in chunks[:-1]] == ["Walk me ", "through ", "your query."]
    final = chunks[-1].result
    assert final is not None and chunks[-1].delta == ""
    assert (final.text, final.model) == ("Walk me through your query.", MODEL)
    assert final.usage["output_tokens"] == 5 and final.usage["input_tokens"] > 0
    assert fake.requests[0].json["stream"] is True
    assert fake.requests[0].json["stream_options"] == {"include_usage": True}


async def test_stream_deltas_arrive_before_the_last_one_is_sent(fake: FakeOpenAI, make_model: MakeModel) -> None:
    gate = threading.Event()
    fake.queue(Reply(chunks=("One ", "two ", "three."), before_last=gate))
    seen: list[str] = []

    async with asyncio.timeout(10):  # a buffering client would never see two deltas while the last is held
        async for chunk in make_model().stream(SYSTEM, MESSAGES):
            seen.append(chunk.delta)
            if len(seen) == 2:
                assert not gate.is_set()
                gate.set()

    assert seen[:3] == ["One ", "two ", "three."]


async def test_json_schema_is_sent_natively(fake: FakeOpenAI, make_model: MakeModel) -> None:
    fake.queue(Reply('{"score": 8}'))

    result = await make_model().complete(SYSTEM, MESSAGES, json_schema=SCHEMA)

    assert result.text == '{"score": 8}'
    assert fake.requests[0].json["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "Evaluation", "schema": SCHEMA, "strict": False},
    }


async def test_json_schema_falls_back_to_json_object_once_and_remembers(
    fake: FakeOpenAI, make_model: MakeModel
) -> None:
    fake.json_schema_supported = False
    model = make_model()

    first = await model.complete(SYSTEM, MESSAGES, json_schema=SCHEMA)
    await model.complete(SYSTEM, MESSAGES, json_schema=SCHEMA)

    assert first.text
    formats = [request.json.get("response_format") for request in fake.requests]
    assert formats == [
        fake.requests[0].json["response_format"],
        {"type": "json_object"},
        {"type": "json_object"},
    ]
    assert formats[0]["type"] == "json_schema"
    assert model.schema_mode == "json_object"
    fallback_system = fake.requests[1].json["messages"][0]["content"]
    assert fallback_system.startswith(SYSTEM) and '"score"' in fallback_system and "JSON" in fallback_system


async def test_an_unrelated_400_does_not_switch_the_schema_mode(fake: FakeOpenAI, make_model: MakeModel) -> None:
    fake.queue(Fault(400, message="prompt too long"), Fault(400, message="prompt too long"))
    model = make_model()

    error = await failure(model.complete(SYSTEM, MESSAGES, json_schema=SCHEMA))

    assert (error.retryable, error.status) == (False, 400)
    assert model.schema_mode == "json_schema"
    assert fake.request_count == 2


async def test_429_with_retry_after_then_success(fake: FakeOpenAI, make_model: MakeModel) -> None:
    fake.queue(Fault(429, retry_after=0.01), Reply("Recovered."))

    result = await make_model(max_retry_after_seconds=10).complete(SYSTEM, MESSAGES)

    assert result.text == "Recovered."
    assert fake.request_count == 2


async def test_long_retry_after_is_capped(fake: FakeOpenAI, make_model: MakeModel) -> None:
    fake.queue(Fault(429, retry_after=100), Reply("Back already."))

    async with asyncio.timeout(5):  # uncapped, the SDK would sleep 100 s
        result = await make_model(max_retry_after_seconds=0.2).complete(SYSTEM, MESSAGES)

    assert result.text == "Back already."
    assert fake.request_count == 2


async def test_retry_after_beyond_two_minutes_fails_fast_with_the_wait(fake: FakeOpenAI, make_model: MakeModel) -> None:
    fake.queue(Fault(429, retry_after=3600))

    error = await failure(make_model().complete(SYSTEM, MESSAGES))

    assert (error.retryable, error.status, error.retry_after) == (True, 429, 3600)
    assert fake.request_count == 1


async def test_persistent_503_fails_retryable_after_all_attempts(fake: FakeOpenAI, make_model: MakeModel) -> None:
    fake.queue(*[Fault(503)] * 3)

    error = await failure(make_model(max_retries=2).complete(SYSTEM, MESSAGES))

    assert (error.retryable, error.status) == (True, 503)
    assert fake.request_count == 3


async def test_500_is_retryable(fake: FakeOpenAI, make_model: MakeModel) -> None:
    fake.queue(*[Fault(500)] * 2)

    error = await failure(make_model(max_retries=1).complete(SYSTEM, MESSAGES))

    assert (error.retryable, error.status, error.provider) == (True, 500, "openai")
    assert fake.request_count == 2


@pytest.mark.parametrize("status", [400, 401, 403, 404])
async def test_client_errors_are_final_and_not_retried(fake: FakeOpenAI, make_model: MakeModel, status: int) -> None:
    fake.queue(Fault(status))

    error = await failure(make_model().complete(SYSTEM, MESSAGES))

    assert (error.retryable, error.status) == (False, status)
    assert fake.request_count == 1


async def test_exhausted_quota_is_final(fake: FakeOpenAI, make_model: MakeModel) -> None:
    fake.queue(Fault(429, error_type="insufficient_quota", code="insufficient_quota", message="Quota exceeded."))

    error = await failure(make_model(max_retries=0).complete(SYSTEM, MESSAGES))

    assert (error.retryable, error.status) == (False, 429)
    assert "insufficient_quota" in error.message


async def test_the_key_is_never_echoed_in_errors(fake: FakeOpenAI, make_model: MakeModel) -> None:
    fake.queue(Fault(401, message="Incorrect API key provided: sk-gateway-key"))

    error = await failure(make_model(api_key="sk-gateway-key").complete(SYSTEM, MESSAGES))

    assert "sk-gateway-key" not in str(error)
    assert error.__cause__ is None


async def test_no_reply_within_the_timeout_is_retryable(fake: FakeOpenAI, make_model: MakeModel) -> None:
    fake.hold = threading.Event()  # the fake answers nothing until released (at teardown)

    error = await failure(make_model(timeout_seconds=0.3).complete(SYSTEM, MESSAGES))

    assert error.retryable
    assert fake.request_count >= 1


async def test_slow_first_token_beyond_the_timeout_is_retryable(fake: FakeOpenAI, make_model: MakeModel) -> None:
    fake.first_token_delay = 5

    deltas, error = await stream_failure(make_model(timeout_seconds=0.3))

    assert error.retryable
    assert deltas == []


async def test_mid_stream_error_is_retryable(fake: FakeOpenAI, make_model: MakeModel) -> None:
    fake.queue(StreamError(message="model crashed", after=2))

    deltas, error = await stream_failure(make_model())

    assert len(deltas) == 2
    assert error.retryable and "model crashed" in error.message
    assert fake.request_count == 1


async def test_one_client_per_instance_closed_by_aclose(make_model: MakeModel) -> None:
    model = make_model()
    await model.complete(SYSTEM, MESSAGES)
    client = model.client
    await model.complete(SYSTEM, MESSAGES)
    assert model.client is client

    await model.aclose()

    assert client.is_closed()
    assert model._client is None
