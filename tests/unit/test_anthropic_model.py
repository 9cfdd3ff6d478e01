"""AnthropicChatModel against a wire-exact fake of the Messages API: real HTTP, the real SDK."""

from __future__ import annotations

import asyncio
import threading
import typing
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx2
import pytest
from anthropic import DefaultAioHttpClient
from anthropic.resources.messages.messages import DEPRECATED_MODELS
from anthropic.types import Model

from interviewsim.vendors.anthropic import DEFAULT_MODEL, AnthropicChatModel
from interviewsim.vendors.chat import ChatChunk, ChatMessage, ChatModel
from interviewsim.vendors.errors import ProviderError
from tests.fakes.anthropic import FakeAnthropic, Fault, Reply, StreamError, running_fake_anthropic

KEY = "sk-ant-test-0123456789"
SYSTEM = "You are a calm, rigorous interviewer for a Backend Engineer role."
MESSAGES = [ChatMessage("user", "Hi, I am ready."), ChatMessage("assistant", "Great."), ChatMessage("user", "Go on.")]
MakeModel = Callable[..., AnthropicChatModel]


@pytest.fixture
def served() -> Iterator[tuple[FakeAnthropic, str]]:
    with running_fake_anthropic(api_key=KEY) as pair:
        yield pair


@pytest.fixture
def fake(served: tuple[FakeAnthropic, str]) -> FakeAnthropic:
    return served[0]


@pytest.fixture
async def make_model(served: tuple[FakeAnthropic, str]) -> AsyncIterator[MakeModel]:
    models: list[AnthropicChatModel] = []

    def make(**options: Any) -> AnthropicChatModel:
        settings = {"model": DEFAULT_MODEL, "base_url": served[1], "max_retry_after_seconds": 0.01, **options}
        model = AnthropicChatModel(KEY, **settings)
        models.append(model)
        return model

    yield make
    for model in models:
        await model.aclose()


async def collect(model: AnthropicChatModel) -> list[ChatChunk]:
    async with asyncio.timeout(10):
        return [chunk async for chunk in model.stream(SYSTEM, MESSAGES, max_tokens=300)]


async def failure(call: typing.Awaitable[object]) -> ProviderError:
    with pytest.raises(ProviderError) as caught:
        async with asyncio.timeout(10):
            await call
    return caught.value


async def stream_failure(model: AnthropicChatModel) -> tuple[list[str], ProviderError]:
    deltas: list[str] = []
    with pytest.raises(ProviderError) as caught:
        async with asyncio.timeout(10):
            async for chunk in model.stream(SYSTEM, MESSAGES):
                deltas.append(chunk.delta)
    return deltas, caught.value


def test_default_model_is_a_current_sonnet_the_sdk_knows() -> None:
    known = typing.get_args(typing.get_args(Model)[0])
    assert DEFAULT_MODEL in known
    assert "sonnet" in DEFAULT_MODEL
    assert DEFAULT_MODEL not in DEPRECATED_MODELS


def test_capabilities_and_no_client_until_first_use() -> None:
    model = AnthropicChatModel(KEY, model=DEFAULT_MODEL, base_url="http://127.0.0.1:9")
    assert isinstance(model, ChatModel)
    assert (model.name, model.can_stream, model.supports_schema, model.needs_key) == ("anthropic", True, False, True)
    assert model.key_env_var == "ANTHROPIC_API_KEY"
    assert model._client is None
    assert KEY not in repr(model)


async def test_request_shape(fake: FakeAnthropic, make_model: MakeModel) -> None:
    await make_model().complete(SYSTEM, MESSAGES, max_tokens=321)

    (request,) = fake.requests
    assert request.path == "/v1/messages"
    assert request.json["model"] == DEFAULT_MODEL
    assert request.json["max_tokens"] == 321
    assert request.json["system"] == [{"type": "text", "text": SYSTEM, "cache_control": {"type": "ephemeral"}}]
    assert request.json["messages"] == [{"role": m.role, "content": m.content} for m in MESSAGES]
    assert "stream" not in request.json
    assert KEY in (request.headers.get("x-api-key"), request.headers.get("authorization", "").removeprefix("Bearer "))
    assert request.headers["anthropic-version"]


async def test_complete_returns_text_and_usage_with_prompt_caching(fake: FakeAnthropic, make_model: MakeModel) -> None:
    model = make_model()
    fake.queue(Reply("Tell me about a system you scaled."), Reply("And what broke first?"))

    first = await model.complete(SYSTEM, MESSAGES)
    second = await model.complete(SYSTEM, MESSAGES)

    assert (first.text, first.provider, first.model) == (
        "Tell me about a system you scaled.",
        "anthropic",
        DEFAULT_MODEL,
    )
    assert first.usage["output_tokens"] == 7
    assert first.usage["input_tokens"] > 0
    assert first.usage["cache_creation_input_tokens"] > 0 == first.usage["cache_read_input_tokens"]
    assert second.usage["cache_read_input_tokens"] == first.usage["cache_creation_input_tokens"]
    assert second.text == "And what broke first?"


async def test_json_schema_is_asked_for_in_the_system_prompt(fake: FakeAnthropic, make_model: MakeModel) -> None:
    schema = {"type": "object", "properties": {"score": {"type": "integer"}}, "required": ["score"]}
    fake.queue(Reply('{"score": 7}'))

    result = await make_model().complete(SYSTEM, MESSAGES, json_schema=schema)

    assert result.text == '{"score": 7}'
    sent = fake.requests[0].json["system"][0]["text"]
    assert sent.startswith(SYSTEM)
    assert "only a JSON object" in sent
    assert '"score"' in sent and '"required"' in sent


async def test_stream_yields_deltas_then_one_result(fake: FakeAnthropic, make_model: MakeModel) -> None:
    fake.queue(Reply(chunks=("Walk me ", "through ", "your design.")))

    chunks = await collect(make_model())

    assert [c.delta for c in chunks[:-1]] == ["Walk me ", "through ", "your design."]
    assert all(c.result is None for c in chunks[:-1])
    final = chunks[-1].result
    assert final is not None and chunks[-1].delta == ""
    assert final.text == "Walk me through your design."
    assert final.usage["output_tokens"] == 5
    assert final.usage["input_tokens"] > 0
    assert "cache_creation_input_tokens" in final.usage
    assert fake.requests[0].json["stream"] is True
    assert fake.requests[0].json["system"][0]["cache_control"] == {"type": "ephemeral"}


async def test_default_reply_can_answer_from_the_request(fake: FakeAnthropic, make_model: MakeModel) -> None:
    fake.default = lambda body: f"You said: {body['messages'][-1]['content']}"
    fake.delta_delay = 0.005

    chunks = await collect(make_model())

    assert chunks[-1].result is not None and chunks[-1].result.text == "You said: Go on."
    assert len(chunks) == 5


async def test_stream_deltas_arrive_before_the_last_one_is_sent(fake: FakeAnthropic, make_model: MakeModel) -> None:
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


async def test_429_with_retry_after_then_success(fake: FakeAnthropic, make_model: MakeModel) -> None:
    fake.queue(Fault(429, retry_after=0.01), Reply("Recovered."))

    result = await make_model(max_retry_after_seconds=10).complete(SYSTEM, MESSAGES)

    assert result.text == "Recovered."
    assert fake.request_count == 2
    assert fake.requests[1].headers["x-stainless-retry-count"] == "1"


async def test_huge_retry_after_is_capped(fake: FakeAnthropic, make_model: MakeModel) -> None:
    fake.queue(Fault(429, retry_after=3600), Reply("Back already."))

    async with asyncio.timeout(5):  # uncapped, the SDK would sleep an hour
        result = await make_model(max_retry_after_seconds=0.2).complete(SYSTEM, MESSAGES)

    assert result.text == "Back already."
    assert fake.request_count == 2


async def test_stream_retries_a_rate_limit_before_the_stream_starts(fake: FakeAnthropic, make_model: MakeModel) -> None:
    fake.queue(Fault(429, retry_after=0.01), Reply("Streamed after retry."))

    chunks = await collect(make_model())

    assert chunks[-1].result is not None and chunks[-1].result.text == "Streamed after retry."
    assert fake.request_count == 2


async def test_persistent_529_fails_retryable_after_all_attempts(fake: FakeAnthropic, make_model: MakeModel) -> None:
    fake.queue(*[Fault(529, retry_after=7)] * 3)

    error = await failure(make_model(max_retries=2).complete(SYSTEM, MESSAGES))

    assert error.retryable and error.status == 529
    assert error.retry_after == 7
    assert "overloaded" in error.message
    assert fake.request_count == 3


async def test_500_is_retryable(fake: FakeAnthropic, make_model: MakeModel) -> None:
    fake.queue(*[Fault(500)] * 2)

    error = await failure(make_model(max_retries=1).complete(SYSTEM, MESSAGES))

    assert (error.retryable, error.status, error.provider) == (True, 500, "anthropic")
    assert fake.request_count == 2


@pytest.mark.parametrize("status", [400, 401, 403, 404])
async def test_client_errors_are_final_and_not_retried(fake: FakeAnthropic, make_model: MakeModel, status: int) -> None:
    fake.queue(Fault(status))

    error = await failure(make_model().complete(SYSTEM, MESSAGES))

    assert (error.retryable, error.status) == (False, status)
    assert fake.request_count == 1


async def test_a_wrong_key_is_final(served: tuple[FakeAnthropic, str]) -> None:
    fake, base_url = served
    model = AnthropicChatModel("sk-ant-wrong-key", model=DEFAULT_MODEL, base_url=base_url)
    try:
        error = await failure(model.complete(SYSTEM, MESSAGES))
    finally:
        await model.aclose()

    assert (error.retryable, error.status) == (False, 401)
    assert fake.request_count == 1


async def test_the_key_is_never_echoed_in_errors(fake: FakeAnthropic, make_model: MakeModel) -> None:
    fake.queue(Fault(400, message=f"bad header value {KEY}"))

    error = await failure(make_model().complete(SYSTEM, MESSAGES))

    assert KEY not in str(error) and KEY not in error.message
    assert "[redacted]" in error.message
    assert error.__cause__ is None and error.__suppress_context__


async def test_no_reply_within_the_timeout_is_retryable(fake: FakeAnthropic, make_model: MakeModel) -> None:
    fake.hold = threading.Event()  # the fake answers nothing until released (at teardown)

    error = await failure(make_model(timeout_seconds=0.3).complete(SYSTEM, MESSAGES))

    assert error.retryable
    assert fake.request_count >= 1


async def test_slow_first_token_beyond_the_timeout_is_retryable(fake: FakeAnthropic, make_model: MakeModel) -> None:
    fake.first_token_delay = 5

    deltas, error = await stream_failure(make_model(timeout_seconds=0.3))

    assert error.retryable
    assert deltas == []


async def test_mid_stream_error_event_is_retryable(fake: FakeAnthropic, make_model: MakeModel) -> None:
    fake.queue(StreamError("overloaded_error", "Overloaded", after=2))

    deltas, error = await stream_failure(make_model())

    assert len(deltas) == 2
    assert error.retryable and error.status == 529
    assert "mid-stream" in error.message
    assert fake.request_count == 1


async def test_aiohttp_is_the_default_transport(make_model: MakeModel) -> None:
    aiohttp_model, httpx_model = make_model(), make_model(use_aiohttp=False)
    await aiohttp_model.complete(SYSTEM, MESSAGES)
    await httpx_model.complete(SYSTEM, MESSAGES)

    assert isinstance(aiohttp_model.client._client, DefaultAioHttpClient)
    assert isinstance(httpx_model.client._client, httpx2.AsyncClient)
    assert not isinstance(httpx_model.client._client, DefaultAioHttpClient)


async def test_one_client_per_instance_closed_by_aclose(make_model: MakeModel) -> None:
    model = make_model()
    await model.complete(SYSTEM, MESSAGES)
    client = model.client
    await model.complete(SYSTEM, MESSAGES)
    assert model.client is client

    await model.aclose()

    assert client.is_closed()
    assert model._client is None
