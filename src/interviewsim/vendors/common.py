"""Helpers the vendor chat models share: call deadlines, error mapping, retry waits, key redaction, schema prompts."""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import json
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, TypeVar

import httpx
import httpx2
from httpx_aiohttp import AiohttpTransport

from interviewsim.vendors.errors import ProviderError

T = TypeVar("T")
E = TypeVar("E", bound=Exception)


async def before_deadline(deadline: float, awaitable: Awaitable[T]) -> T:
    """Await `awaitable`, raising TimeoutError at the loop-time `deadline`."""
    async with asyncio.timeout_at(deadline):
        return await awaitable


@contextlib.contextmanager
def provider_errors(
    provider: str, timeout_seconds: float, sdk_error: type[E], translate: Callable[[E], ProviderError]
) -> Iterator[None]:
    """Turn the call deadline and SDK failures (`sdk_error`, mapped by `translate`) into `ProviderError`."""
    try:
        yield
    except TimeoutError:
        message = f"no complete reply within {timeout_seconds:g}s"
        raise ProviderError(provider, message, retryable=True) from None
    except sdk_error as exc:
        raise translate(exc) from None


def retryable_status(status: int) -> bool:
    """Whether another attempt may help after this HTTP status: timeout, conflict, rate limit or server error."""
    return status in (408, 409, 429) or status >= 500


def retry_after(response: httpx2.Response) -> float | None:
    """The server's requested wait in seconds (`retry-after-ms`, `retry-after` seconds or HTTP date)."""
    headers = response.headers
    with contextlib.suppress(ValueError):
        return float(headers.get("retry-after-ms", "")) / 1000
    value = headers.get("retry-after")
    if value is None:
        return None
    with contextlib.suppress(ValueError):
        return float(value)
    when = email.utils.parsedate_tz(value)
    return None if when is None else max(0.0, email.utils.mktime_tz(when) - time.time())


def redact(text: str, secret: str, mask: str = "[redacted]") -> str:
    """`text` with the API key replaced by `mask`, should a server or library echo it."""
    return text.replace(secret, mask) if secret else text


def schema_instruction(schema: dict[str, Any]) -> str:
    """The system-prompt addition that asks for JSON matching `schema` where no native schema mode carries it."""
    return "\n\nAnswer with only a JSON object matching this JSON schema: no prose and no code fences.\n" + json.dumps(
        schema, indent=2
    )


# Many interviews wait on a vendor at once: httpx's default pool (100 connections, 20 kept alive)
# would queue requests and reopen TLS connections under load. The cap is explicit because the
# aiohttp transport turns "no limit" (None) into aiohttp's own default of 100 connections.
VENDOR_MAX_CONNECTIONS = 1000
VENDOR_POOL_LIMITS = httpx.Limits(
    max_connections=VENDOR_MAX_CONNECTIONS, max_keepalive_connections=256, keepalive_expiry=60
)


def vendor_http_client(timeout: httpx.Timeout | float) -> httpx.AsyncClient:
    """An httpx client on aiohttp's connection pool.

    httpcore's own pool scans every connection on each request, which at a few hundred
    concurrent vendor calls costs more CPU than the rest of the service (bench/RESULTS.md).
    """
    return httpx.AsyncClient(timeout=timeout, transport=AiohttpTransport(limits=VENDOR_POOL_LIMITS))
