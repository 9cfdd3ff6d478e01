"""Claude through the official `anthropic` SDK: prompt caching, capped retry-after, normalised errors."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterable, Sequence
from typing import Any

import httpx2
from anthropic import (
    AnthropicError,
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AsyncAnthropic,
    DefaultAioHttpClient,
)
from anthropic._models import FinalRequestOptions
from anthropic.types import ContentBlock, Message, MessageParam, TextBlock, TextBlockParam, Usage
from typing_extensions import override

from interviewsim.vendors.chat import ChatChunk, ChatMessage, ChatResult
from interviewsim.vendors.common import (
    before_deadline,
    provider_errors,
    redact,
    retry_after,
    retryable_status,
    schema_instruction,
)
from interviewsim.vendors.errors import ProviderError

# Newest Sonnet in the installed SDK's model list and absent from its DEPRECATED_MODELS.
DEFAULT_MODEL = "claude-sonnet-5-5"

# Anthropic error types, for errors that arrive inside a 200 stream and so carry no HTTP status.
_ERROR_TYPE_STATUS = {
    "invalid_request_error": 400,
    "authentication_error": 401,
    "billing_error": 402,
    "permission_error": 403,
    "not_found_error": 404,
    "request_too_large": 413,
    "rate_limit_error": 429,
    "api_error": 500,
    "timeout_error": 504,
    "overloaded_error": 529,
}


class CappedAsyncAnthropic(AsyncAnthropic):
    """AsyncAnthropic whose waits between retries never exceed a cap, whatever `retry-after` asks for."""

    def __init__(self, *, max_retry_after_seconds: float = 10.0, **options: Any) -> None:
        super().__init__(**options)
        self.max_retry_after_seconds = max_retry_after_seconds

    @override
    def _calculate_retry_timeout(
        self,
        remaining_retries: int,
        options: FinalRequestOptions,
        response_headers: httpx2.Headers | None = None,
    ) -> float:
        # The SDK sleeps for the whole server-sent retry-after (up to ~50 days); one interview turn cannot wait that.
        wait = super()._calculate_retry_timeout(remaining_retries, options, response_headers)
        return min(wait, self.max_retry_after_seconds)


class AnthropicChatModel:
    """Anthropic's Messages API as a `ChatModel`."""

    name = "anthropic"
    can_stream = True
    supports_schema = False
    needs_key = True
    key_env_var: str | None = "ANTHROPIC_API_KEY"

    def __init__(
        self,
        api_key: str,
        *,
        model: str,
        base_url: str | None = None,
        timeout_seconds: float = 60,
        max_retries: int = 2,
        max_retry_after_seconds: float = 10,
        use_aiohttp: bool = True,
    ) -> None:
        self.model = model
        self.base_url = base_url
        self.timeout_seconds = timeout_seconds
        self.max_retries = max_retries
        self.max_retry_after_seconds = max_retry_after_seconds
        self.use_aiohttp = use_aiohttp
        self._api_key = api_key
        self._client: CappedAsyncAnthropic | None = None

    def __repr__(self) -> str:
        return f"AnthropicChatModel(model={self.model!r}, base_url={self.base_url!r})"

    @property
    def client(self) -> CappedAsyncAnthropic:
        """The one SDK client of this instance, created on first use (inside the running loop)."""
        if self._client is None:
            self._client = CappedAsyncAnthropic(
                api_key=self._api_key,
                base_url=self.base_url,
                timeout=self.timeout_seconds,
                max_retries=self.max_retries,
                max_retry_after_seconds=self.max_retry_after_seconds,
                http_client=DefaultAioHttpClient() if self.use_aiohttp else None,
                # The SDK builds an OpenTelemetry span's attributes for every call even when no tracer records
                # them (2 % of the server's CPU under a burst); our telemetry is Prometheus and the logs.
                open_telemetry=False,
            )
        return self._client

    async def complete(
        self,
        system: str,
        messages: Sequence[ChatMessage],
        *,
        max_tokens: int = 1024,
        json_schema: dict[str, Any] | None = None,
    ) -> ChatResult:
        """Return the whole reply; with `json_schema`, the system prompt asks for JSON matching it."""
        prompt = system if json_schema is None else system + schema_instruction(json_schema)
        request = self.client.messages.create(
            model=self.model, max_tokens=max_tokens, system=system_blocks(prompt), messages=message_params(messages)
        )
        deadline = asyncio.get_running_loop().time() + self.timeout_seconds
        with self._errors():
            return self._result(await before_deadline(deadline, request))

    async def stream(
        self, system: str, messages: Sequence[ChatMessage], *, max_tokens: int = 1024
    ) -> AsyncIterator[ChatChunk]:
        """Yield text deltas as Claude produces them, then a final chunk with the result and usage."""
        manager = self.client.messages.stream(
            model=self.model, max_tokens=max_tokens, system=system_blocks(system), messages=message_params(messages)
        )
        deadline = asyncio.get_running_loop().time() + self.timeout_seconds
        with self._errors():
            async with contextlib.AsyncExitStack() as stack:
                # Entering the manager sends the request and runs the SDK's retries: it is under the deadline too.
                events = await before_deadline(deadline, stack.enter_async_context(manager))
                while (delta := await before_deadline(deadline, anext(events.text_stream, None))) is not None:
                    yield ChatChunk(delta=delta)
                reply = await before_deadline(deadline, events.get_final_message())
        yield ChatChunk(result=self._result(reply))

    async def aclose(self) -> None:
        """Close the SDK client and its connection pool; a later call opens a new one."""
        client, self._client = self._client, None
        if client is not None:
            await client.close()

    def _result(self, reply: Message) -> ChatResult:
        """The finished reply as a ChatResult."""
        return ChatResult(
            text=text_of(reply.content), provider=self.name, model=reply.model, usage=usage_of(reply.usage)
        )

    def _errors(self) -> contextlib.AbstractContextManager[None]:
        """Turn SDK failures and the call deadline into `ProviderError`."""
        return provider_errors(
            self.name, self.timeout_seconds, AnthropicError, lambda exc: provider_error(exc, self.name, self._api_key)
        )


def system_blocks(system: str) -> list[TextBlockParam]:
    """The system prompt as one cacheable text block: it stays the same for a whole interview."""
    return [{"type": "text", "text": system, "cache_control": {"type": "ephemeral"}}]


def message_params(messages: Iterable[ChatMessage]) -> list[MessageParam]:
    """Chat messages in the SDK's shape."""
    params: list[MessageParam] = []
    for message in messages:
        if message.role == "user":
            params.append({"role": "user", "content": message.content})
        else:
            params.append({"role": "assistant", "content": message.content})
    return params


def text_of(content: Iterable[ContentBlock]) -> str:
    """The concatenated text of the reply's text blocks."""
    return "".join(block.text for block in content if isinstance(block, TextBlock))


def usage_of(usage: Usage) -> dict[str, int]:
    """Token usage, with the cache counters when the API reports them."""
    counts = {
        "input_tokens": usage.input_tokens,
        "output_tokens": usage.output_tokens,
        "cache_read_input_tokens": usage.cache_read_input_tokens,
        "cache_creation_input_tokens": usage.cache_creation_input_tokens,
    }
    return {key: value for key, value in counts.items() if value is not None}


def provider_error(exc: AnthropicError, provider: str, secret: str = "") -> ProviderError:
    """Map an SDK exception: overload, rate limits, 5xx, timeouts and broken streams are retryable."""
    if isinstance(exc, APITimeoutError):
        return ProviderError(provider, "request timed out", retryable=True)
    if isinstance(exc, APIConnectionError):
        return ProviderError(
            provider, f"connection failed: {redact(str(exc.__cause__ or exc), secret)}", retryable=True
        )
    if not isinstance(exc, APIStatusError):
        return ProviderError(provider, redact(f"{type(exc).__name__}: {exc}", secret), retryable=False)
    in_stream = exc.status_code < 400  # an `event: error` frame inside a 200 stream
    status = _ERROR_TYPE_STATUS.get(exc.type or "") if in_stream else exc.status_code
    retryable = status is None or retryable_status(status)
    detail = redact(exc.api_message or exc.message, secret)
    where = " mid-stream" if in_stream else ""
    message = f"{exc.type or type(exc).__name__}{where} (HTTP {status}): {detail}"
    return ProviderError(provider, message, retryable=retryable, status=status, retry_after=retry_after(exc.response))
