"""Google Gemini as a ChatModel, on the official google-genai SDK."""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import AsyncIterator, Iterator, Sequence
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
from google import genai
from google.genai import errors as genai_errors
from google.genai import types

from interviewsim.vendors.chat import ChatChunk, ChatMessage, ChatResult
from interviewsim.vendors.common import redact, vendor_http_client
from interviewsim.vendors.errors import ProviderError

PROVIDER = "gemini"
DEFAULT_MODEL = "gemini-3.8-flash"
# v1 is the SDK 3.x default and carries responseJsonSchema; pinned so older SDKs (v1beta default) send the same wire.
DEFAULT_API_VERSION = "v1"
RETRY_STATUSES = (408, 429, 500, 502, 503, 504)
NOT_RETRYABLE = frozenset({400, 401, 403, 404})
RETRY_AFTER_CAP = 30.0  # seconds: a hint for callers, never a reason to stall an interview turn
KEY_MASK = "***"  # what stands in for the API key in error messages
BLOCKING_FINISH_REASONS = frozenset(
    {"SAFETY", "RECITATION", "LANGUAGE", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY", "MODEL_ARMOR"}
)
ROLES = {"user": "user", "assistant": "model"}
_RETRY_DELAY = re.compile(r'"retrydelay":\s*"([0-9.]+)s"')


class GeminiChatModel:
    """Gemini through google-genai: strict JSON via responseJsonSchema, SSE streaming, SDK-side retries."""

    name = "gemini"
    can_stream = True
    supports_schema = True
    needs_key = True
    key_env_var: str | None = "GEMINI_API_KEY"

    def __init__(
        self,
        api_key: str,
        *,
        model: str,
        base_url: str | None = None,
        api_version: str | None = None,
        timeout_seconds: float = 60,
        max_retries: int = 2,
        retry_delay_seconds: float = 0.5,
        max_retry_delay_seconds: float = 4.0,
    ) -> None:
        self.model = model
        self._api_key = api_key
        self._base_url = base_url
        self._api_version = api_version or DEFAULT_API_VERSION
        self._timeout_seconds = timeout_seconds
        self._max_retries = max(0, max_retries)
        self._retry_delay = retry_delay_seconds
        self._max_retry_delay = max_retry_delay_seconds
        self._client: genai.Client | None = None
        self._http: httpx.AsyncClient | None = None

    def __repr__(self) -> str:
        return f"GeminiChatModel(model={self.model!r}, api_version={self._api_version!r})"

    async def complete(
        self,
        system: str,
        messages: Sequence[ChatMessage],
        *,
        max_tokens: int = 1024,
        json_schema: dict[str, Any] | None = None,
    ) -> ChatResult:
        """Return the whole reply; with `json_schema`, Gemini constrains it to JSON matching the schema."""
        with self._translated_errors():
            response = await self._genai().aio.models.generate_content(
                model=self.model, contents=to_contents(messages), config=make_config(system, max_tokens, json_schema)
            )
            text = reply_text(response)
        if not text:
            raise empty_reply(response)
        return ChatResult(text, PROVIDER, response.model_version or self.model, to_usage(response.usage_metadata))

    async def stream(
        self, system: str, messages: Sequence[ChatMessage], *, max_tokens: int = 1024
    ) -> AsyncIterator[ChatChunk]:
        """Yield text deltas as Gemini produces them, then a final chunk with the result."""
        pieces: list[str] = []
        last: types.GenerateContentResponse | None = None
        usage: types.GenerateContentResponseUsageMetadata | None = None
        with self._translated_errors():
            chunks = await self._genai().aio.models.generate_content_stream(
                model=self.model, contents=to_contents(messages), config=make_config(system, max_tokens, None)
            )
            try:
                async for last in chunks:
                    usage = last.usage_metadata or usage
                    delta = reply_text(last)
                    if delta:
                        pieces.append(delta)
                        yield ChatChunk(delta=delta)
            finally:
                await close_iterator(chunks)
        if not pieces:
            raise empty_reply(last)
        model = (last.model_version if last else None) or self.model
        yield ChatChunk(result=ChatResult("".join(pieces), PROVIDER, model, to_usage(usage)))

    async def aclose(self) -> None:
        """Close the SDK's clients and the httpx client this model owns."""
        client, http = self._client, self._http
        self._client, self._http = None, None
        if client is not None:
            await client.aio.aclose()
            client.close()
        if http is not None:
            await http.aclose()

    def _genai(self) -> genai.Client:
        """The one SDK client of this instance, created on first use."""
        if self._client is None:
            # Our own httpx client pins the transport: without it the SDK picks aiohttp when installed,
            # whose total timeout cuts long streams and whose timeouts the SDK never retries.
            self._http = vendor_http_client(self._timeout_seconds)
            self._client = genai.Client(vertexai=False, api_key=self._api_key, http_options=self._http_options())
        return self._client

    def _http_options(self) -> types.HttpOptions:
        """Base URL, version, per-attempt timeout and retries (the SDK retries nothing unless told)."""
        retry = types.HttpRetryOptions(
            attempts=self._max_retries + 1,
            initial_delay=self._retry_delay,
            max_delay=self._max_retry_delay,
            exp_base=2.0,
            jitter=self._retry_delay,
            http_status_codes=list(RETRY_STATUSES),
        )
        return types.HttpOptions(
            base_url=self._base_url,
            api_version=self._api_version,
            timeout=max(1, round(self._timeout_seconds * 1000)),
            retry_options=retry,
            httpx_async_client=self._http,
        )

    @contextlib.contextmanager
    def _translated_errors(self) -> Iterator[None]:
        """Turn SDK and transport failures into ProviderError, with the key scrubbed from messages."""
        try:
            yield
        except genai_errors.APIError as exc:
            raise from_api_error(exc, self._api_key) from None
        except (httpx.TimeoutException, TimeoutError):
            raise ProviderError(PROVIDER, f"no answer within {self._timeout_seconds:g}s", retryable=True) from None
        except (httpx.TransportError, OSError) as exc:
            message = redact(f"connection error: {type(exc).__name__}: {exc}", self._api_key, KEY_MASK)
            raise ProviderError(PROVIDER, message, retryable=True) from None
        except genai_errors.UnknownApiResponseError:
            raise ProviderError(PROVIDER, "unreadable response from Gemini", retryable=True) from None


def make_config(system: str, max_tokens: int, json_schema: dict[str, Any] | None) -> types.GenerateContentConfig:
    """The generation config; a schema switches on strict JSON output."""
    config = types.GenerateContentConfig(system_instruction=system or None, max_output_tokens=max_tokens)
    if json_schema is not None:
        config.response_mime_type = "application/json"
        config.response_json_schema = json_schema
    return config


def to_contents(messages: Sequence[ChatMessage]) -> list[types.Content]:
    """Chat messages as Gemini contents: assistant turns are the "model" role."""
    return [types.Content(role=ROLES[m.role], parts=[types.Part(text=m.content)]) for m in messages]


def reply_text(response: types.GenerateContentResponse) -> str:
    """The visible text of the first candidate; raises if Gemini blocked the prompt or the reply."""
    feedback = response.prompt_feedback
    if feedback is not None and feedback.block_reason is not None:
        reason = enum_value(feedback.block_reason)
        raise ProviderError(PROVIDER, f"Gemini blocked the prompt (block reason {reason})", retryable=False)
    if not response.candidates:
        return ""
    candidate = response.candidates[0]
    reason = enum_value(candidate.finish_reason)
    if reason in BLOCKING_FINISH_REASONS:
        raise ProviderError(PROVIDER, f"Gemini withheld the reply (finish reason {reason})", retryable=False)
    parts = candidate.content.parts if candidate.content and candidate.content.parts else []
    return "".join(part.text for part in parts if part.text and not part.thought)


def empty_reply(response: types.GenerateContentResponse | None) -> ProviderError:
    """The error for a reply with no text: no candidates at all, or e.g. every token spent thinking."""
    if response is None or not response.candidates:
        return ProviderError(PROVIDER, "Gemini returned no candidates", retryable=False)
    reason = enum_value(response.candidates[0].finish_reason) or "unknown"
    return ProviderError(PROVIDER, f"Gemini returned an empty reply (finish reason {reason})", retryable=True)


def to_usage(metadata: types.GenerateContentResponseUsageMetadata | None) -> dict[str, int]:
    """Token usage in the project's vocabulary."""
    if metadata is None:
        return {}
    usage = {
        "input_tokens": metadata.prompt_token_count,
        "output_tokens": metadata.candidates_token_count,
        "thinking_tokens": metadata.thoughts_token_count,
        "total_tokens": metadata.total_token_count,
    }
    return {key: value for key, value in usage.items() if value is not None}


def from_api_error(exc: genai_errors.APIError, api_key: str) -> ProviderError:
    """A ProviderError for an HTTP error answer, retryable unless retrying cannot help."""
    status = exc.code
    message = redact(f"{status} {exc.status or 'error'}: {exc.message or 'no message'}", api_key, KEY_MASK)
    retryable = status not in NOT_RETRYABLE and (status in RETRY_STATUSES or status >= 500)
    if status == 429 and spend_exhausted(exc):
        retryable = False
    return ProviderError(PROVIDER, message, retryable=retryable, status=status, retry_after=retry_after(exc))


def spend_exhausted(exc: genai_errors.APIError) -> bool:
    """Whether a 429 is a daily quota or spend limit, which no retry within the day can fix."""
    blob = error_blob(exc)
    daily_quota = "quota" in blob and any(marker in blob for marker in ("per day", "perday", "daily"))
    spend_limit = "spend" in blob and any(marker in blob for marker in ("limit", "cap"))
    return daily_quota or spend_limit


def retry_after(exc: genai_errors.APIError) -> float | None:
    """Seconds to wait from Retry-After or Google's RetryInfo.retryDelay, capped."""
    seconds = header_seconds(getattr(getattr(exc, "response", None), "headers", None))
    if seconds is None and (match := _RETRY_DELAY.search(error_blob(exc))):
        seconds = float(match.group(1))
    return None if seconds is None else min(max(seconds, 0.0), RETRY_AFTER_CAP)


def header_seconds(headers: Any) -> float | None:
    """Retry-After as seconds, whether given as a number or an HTTP date."""
    value = headers.get("retry-after") if headers is not None else None
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        pass
    try:
        return (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds()
    except (TypeError, ValueError):
        return None


def error_blob(exc: genai_errors.APIError) -> str:
    """The error body and message, lower-cased, for marker searches."""
    return f"{exc.message or ''} {json.dumps(exc.details, default=str)}".lower()


def enum_value(value: Any) -> str:
    """An SDK enum (or unknown string) as its wire value."""
    return "" if value is None else str(getattr(value, "value", value))


async def close_iterator(iterator: AsyncIterator[Any]) -> None:
    """Close an async generator early so its HTTP response is released."""
    aclose = getattr(iterator, "aclose", None)
    if aclose is not None:
        await aclose()
