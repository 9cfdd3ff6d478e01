"""Provider failures, normalised across vendors so fallbacks and routes can act on them."""

from __future__ import annotations

import math

from interviewsim.errors import AppError, Unavailable, UpstreamError


class ProviderError(Exception):
    """A vendor call failed after its own retries.

    `retryable` says whether another attempt (or the next provider in a chain) may succeed:
    true for overload, rate limits, 5xx, timeouts and broken streams; false for a bad key,
    a bad request or an exhausted spend limit.
    """

    def __init__(
        self,
        provider: str,
        message: str,
        *,
        retryable: bool,
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(f"{provider}: {message}")
        self.provider = provider
        self.message = message
        self.retryable = retryable
        self.status = status
        self.retry_after = retry_after


class InvalidOutput(ProviderError):
    """The vendor answered, but not in the shape asked for (e.g. JSON failing its schema)."""

    def __init__(self, provider: str, message: str) -> None:
        super().__init__(provider, message, retryable=True)


def upstream_failure(error: ProviderError, message: str) -> AppError:
    """503 with Retry-After when the provider said when to come back, else 502."""
    if error.retryable and error.retry_after is not None:
        return Unavailable(message, retry_after=max(1, math.ceil(error.retry_after)))
    return UpstreamError(message)
