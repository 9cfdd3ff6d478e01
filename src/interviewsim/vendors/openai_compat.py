"""OpenAI-compatible chat servers (Ollama, vLLM, llama.cpp server, gateways) through the official `openai` SDK."""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator, Iterable, Sequence
from typing import Any, Literal

import httpx2
from openai import (
    APIConnectionError,
    APIError,
    APIStatusError,
    APITimeoutError,
    AsyncOpenAI,
    BadRequestError,
    Omit,
    OpenAIError,
    omit,
)
from openai._models import FinalRequestOptions
from openai.types import CompletionUsage
from openai.types.chat import ChatCompletionMessageParam, completion_create_params
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

SchemaMode = Literal["json_schema", "json_object"]
PLACEHOLDER_KEY = "not-needed"  # local servers ignore the key, but the SDK insists on one


class CappedAsyncOpenAI(AsyncOpenAI):
    """AsyncOpenAI whose waits between retries never exceed a cap (the SDK alone honours up to 120 s)."""

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
        wait = super()._calculate_retry_timeout(remaining_retries, options, response_headers)
        return min(wait, self.max_retry_after_seconds)


class OpenAICompatChatModel:
    """Any `/v1/chat/completions` server as a `ChatModel`."""

    name = "openai"
    can_stream = True
    supports_schema = True
    needs_key = False
    key_env_var: str | None = "OPENAI_API_KEY"

    def __init__(
        self,
        *,
        model: str,
        api_key: str | None,
        base_url: str | None,
        timeout_seconds: float = 60,
        max_retries: int = 2,
        max_retry_after_seconds: float = 10,
    ) -> None:
        self.model = model
        self.base_url = base_url
        self.timeout_seconds = timeout_seconds
        self.max_retries = max_retries
        self.max_retry_after_seconds = max_retry_after_seconds
        self.schema_mode: SchemaMode = "json_schema"  # becomes json_object once the server rejects json_schema
        self._api_key = api_key or PLACEHOLDER_KEY
        self._client: CappedAsyncOpenAI | None = None

    def __repr__(self) -> str:
        return f"OpenAICompatChatModel(model={self.model!r}, base_url={self.base_url!r})"

    @property
    def client(self) -> CappedAsyncOpenAI:
        """The one SDK client of this instance, created on first use."""
        if self._client is None:
            self._client = CappedAsyncOpenAI(
                api_key=self._api_key,
                base_url=self.base_url,
                timeout=self.timeout_seconds,
                max_retries=self.max_retries,
                max_retry_after_seconds=self.max_retry_after_seconds,
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
        """Return the whole reply; with `json_schema`, constrain it natively (or as a JSON object if unsupported)."""
        deadline = asyncio.get_running_loop().time() + self.timeout_seconds
        with self._errors():
            if json_schema is None:
                return await self._complete(deadline, system, messages, max_tokens, omit)
            if self.schema_mode == "json_schema":
                try:
                    return await self._complete(deadline, system, messages, max_tokens, schema_format(json_schema))
                except BadRequestError:
                    pass  # many local servers reject json_schema: try json_object once
            prompt = system + schema_instruction(json_schema)
            reply = await self._complete(deadline, prompt, messages, max_tokens, {"type": "json_object"})
            self.schema_mode = "json_object"  # set only once it worked, so an unrelated 400 does not stick
            return reply

    async def _complete(
        self,
        deadline: float,
        system: str,
        messages: Sequence[ChatMessage],
        max_tokens: int,
        response_format: completion_create_params.ResponseFormat | Omit,
    ) -> ChatResult:
        """One SDK call (the SDK retries it)."""
        request = self.client.chat.completions.create(
            model=self.model,
            messages=message_params(system, messages),
            max_tokens=max_tokens,
            response_format=response_format,
        )
        reply = await before_deadline(deadline, request)
        text = (reply.choices[0].message.content or "") if reply.choices else ""
        return ChatResult(text=text, provider=self.name, model=reply.model, usage=usage_of(reply.usage))

    async def stream(
        self, system: str, messages: Sequence[ChatMessage], *, max_tokens: int = 1024
    ) -> AsyncIterator[ChatChunk]:
        """Yield text deltas as the server produces them, then a final chunk with the result and usage."""
        deadline = asyncio.get_running_loop().time() + self.timeout_seconds
        parts: list[str] = []
        model, usage = self.model, dict[str, int]()
        with self._errors():
            request = self.client.chat.completions.create(
                model=self.model,
                messages=message_params(system, messages),
                max_tokens=max_tokens,
                stream=True,
                stream_options={"include_usage": True},
            )
            async with await before_deadline(deadline, request) as chunks:
                while (chunk := await before_deadline(deadline, anext(chunks, None))) is not None:
                    model, usage = chunk.model or model, usage_of(chunk.usage) or usage
                    delta = chunk.choices[0].delta.content if chunk.choices else None
                    if delta:
                        parts.append(delta)
                        yield ChatChunk(delta=delta)
        yield ChatChunk(result=ChatResult(text="".join(parts), provider=self.name, model=model, usage=usage))

    async def aclose(self) -> None:
        """Close the SDK client and its connection pool; a later call opens a new one."""
        client, self._client = self._client, None
        if client is not None:
            await client.close()

    def _errors(self) -> contextlib.AbstractContextManager[None]:
        """Turn SDK failures and the call deadline into `ProviderError`."""
        return provider_errors(
            self.name, self.timeout_seconds, OpenAIError, lambda exc: provider_error(exc, self.name, self._api_key)
        )


def message_params(system: str, messages: Iterable[ChatMessage]) -> list[ChatCompletionMessageParam]:
    """The system prompt and the chat messages in the SDK's shape."""
    params: list[ChatCompletionMessageParam] = [{"role": "system", "content": system}]
    for message in messages:
        if message.role == "user":
            params.append({"role": "user", "content": message.content})
        else:
            params.append({"role": "assistant", "content": message.content})
    return params


def schema_format(json_schema: dict[str, Any]) -> completion_create_params.ResponseFormat:
    """The native `response_format` for a schema; not strict, which few local servers support."""
    name = re.sub(r"[^a-zA-Z0-9_-]", "_", str(json_schema.get("title") or "reply"))[:64]
    return {"type": "json_schema", "json_schema": {"name": name, "schema": json_schema, "strict": False}}


def usage_of(usage: CompletionUsage | None) -> dict[str, int]:
    """Token usage under the same names as the other vendors."""
    if usage is None:
        return {}
    counts = {"input_tokens": usage.prompt_tokens, "output_tokens": usage.completion_tokens}
    cached = usage.prompt_tokens_details.cached_tokens if usage.prompt_tokens_details else None
    return counts if cached is None else {**counts, "cache_read_input_tokens": cached}


def provider_error(exc: OpenAIError, provider: str, secret: str = "") -> ProviderError:
    """Map an SDK exception: rate limits, 5xx, timeouts and broken streams are retryable; spent quota is not."""
    secret = "" if secret == PLACEHOLDER_KEY else secret  # the placeholder is no secret: leave it in messages
    if isinstance(exc, APITimeoutError):
        return ProviderError(provider, "request timed out", retryable=True)
    if isinstance(exc, APIConnectionError):
        return ProviderError(
            provider, f"connection failed: {redact(str(exc.__cause__ or exc), secret)}", retryable=True
        )
    if isinstance(exc, APIError) and not isinstance(exc, APIStatusError):
        # An `{"error": ...}` chunk inside a 200 stream arrives as a bare APIError.
        return ProviderError(provider, redact(f"error mid-stream: {exc.message}", secret), retryable=True)
    if not isinstance(exc, APIStatusError):
        return ProviderError(provider, redact(f"{type(exc).__name__}: {exc}", secret), retryable=False)
    status, code = exc.status_code, exc.code
    retryable = retryable_status(status) and code != "insufficient_quota"
    detail = redact(_error_message(exc), secret)
    message = f"{type(exc).__name__} (HTTP {status}{f', {code}' if code else ''}): {detail}"
    return ProviderError(provider, message, retryable=retryable, status=status, retry_after=retry_after(exc.response))


def _error_message(exc: APIStatusError) -> str:
    """The server's own error message when the body carries one."""
    body = exc.body
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        return str(body["message"])
    return exc.message
