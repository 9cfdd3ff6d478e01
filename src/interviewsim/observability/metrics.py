"""Prometheus metrics of one app: request and provider latency, provider errors, key states, live interviews."""

from __future__ import annotations

import asyncio
import collections
import hmac
import logging
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from typing import get_args

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response

from interviewsim.vendors.errors import InvalidOutput, ProviderError
from interviewsim.vendors.keyring import KeyRing, KeyState, KeyStatus

log = logging.getLogger(__name__)

KeyStatusSource = Callable[[], Awaitable[Sequence[KeyStatus]]]
CountSource = Callable[[], Awaitable[int]]
Endpoint = Callable[[Request], Awaitable[Response]]

KEY_STATES: tuple[KeyState, ...] = get_args(KeyState)
# Chat turns and streamed replies run for tens of seconds; the default buckets stop at 10 s.
HTTP_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0)
PROVIDER_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0)
NOT_ERRORS = frozenset({"ok", "cancelled"})


def provider_outcome(error: BaseException | None) -> str:
    """The `outcome` label of a provider call: ok, cancelled, timeout, rate_limited, invalid_output, ..."""
    if error is None:
        return "ok"
    if isinstance(error, asyncio.CancelledError | GeneratorExit):
        return "cancelled"
    if isinstance(error, InvalidOutput):
        return "invalid_output"
    if isinstance(error, ProviderError):
        if error.status == 429:
            return "rate_limited"
        if error.status in (408, 504):
            return "timeout"
        return "retryable" if error.retryable else "fatal"
    if isinstance(error, TimeoutError):
        return "timeout"
    return "error"


class _StateCollector:
    """Emits the cached key-ring and active-session gauges at collection time."""

    def __init__(self, metrics: Metrics) -> None:
        self._metrics = metrics

    def describe(self) -> Iterable[Metric]:
        """The metric names, so the registry can reject duplicates without collecting."""
        yield GaugeMetricFamily("key_ring_keys", "", labels=["provider", "state"])
        yield GaugeMetricFamily("active_sessions", "")

    def collect(self) -> Iterable[Metric]:
        """Key counts per provider and state (0 for an empty state), and active interviews when known."""
        keys = GaugeMetricFamily(
            "key_ring_keys", "API keys of each provider's key ring, by state.", labels=["provider", "state"]
        )
        for provider, counts in sorted(self._metrics.key_states.items()):
            for state in KEY_STATES:
                keys.add_metric([provider, state], counts.get(state, 0))
        yield keys
        active = self._metrics.active_sessions
        if active is not None:
            yield GaugeMetricFamily("active_sessions", "Interviews started and not yet ended.", value=active)


class Metrics:
    """The metrics of one app, in a registry of its own (never the process-wide default)."""

    def __init__(self, *, refresh_timeout_seconds: float = 2.0, multiprocess_dir: str | None = None) -> None:
        self.registry = CollectorRegistry()
        self.refresh_timeout_seconds = refresh_timeout_seconds
        # Several worker processes behind one port: each scrape must add up every worker's files.
        self.multiprocess_dir = multiprocess_dir or os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None
        self.http_request_duration_seconds = Histogram(
            "http_request_duration_seconds",
            "HTTP requests by method, route template and status.",
            ["method", "route", "status"],
            buckets=HTTP_BUCKETS,
            registry=self.registry,
        )
        self.provider_request_duration_seconds = Histogram(
            "provider_request_duration_seconds",
            "Calls to interviewer, evaluator and voice providers.",
            ["provider", "operation", "outcome"],
            buckets=PROVIDER_BUCKETS,
            registry=self.registry,
        )
        self.provider_errors_total = Counter(
            "provider_errors",
            "Provider calls that failed, by outcome.",
            ["provider", "operation", "outcome"],
            registry=self.registry,
        )
        self.key_states: dict[str, collections.Counter[str]] = {}
        self.active_sessions: int | None = None
        self._key_sources: dict[str, KeyStatusSource] = {}
        self._active_source: CountSource | None = None
        self._state = _StateCollector(self)
        self.registry.register(self._state)

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        """Record one HTTP request (route is a template, never a raw path)."""
        self.http_request_duration_seconds.labels(method, route, str(status)).observe(seconds)

    @asynccontextmanager
    async def observe_provider(self, provider: str, operation: str) -> AsyncIterator[None]:
        """Time the block as one `provider`/`operation` call; a failure is counted by outcome and re-raised."""
        started = time.perf_counter()
        error: BaseException | None = None
        try:
            yield
        except BaseException as raised:
            error = raised
            raise
        finally:
            outcome = provider_outcome(error)
            self.provider_request_duration_seconds.labels(provider, operation, outcome).observe(
                time.perf_counter() - started
            )
            if outcome not in NOT_ERRORS:
                self.provider_errors_total.labels(provider, operation, outcome).inc()

    def watch_key_ring(self, provider: str, statuses: KeyStatusSource) -> None:
        """Report `provider`'s key states (e.g. `KeyRing.status`), read at each scrape."""
        self._key_sources[provider] = statuses

    def watch_active_sessions(self, count: CountSource) -> None:
        """Report the number of active interviews (an async DB count), read at each scrape."""
        self._active_source = count

    async def refresh(self) -> None:
        """Read the async sources into the cache the sync collector reports; a failing source is left out."""
        for provider, source in list(self._key_sources.items()):
            try:
                statuses = await asyncio.wait_for(source(), self.refresh_timeout_seconds)
            except Exception as error:
                log.warning("metrics: key states of %s unavailable (%s)", provider, type(error).__name__)
                self.key_states.pop(provider, None)
            else:
                self.key_states[provider] = collections.Counter(status["state"] for status in statuses)
        if self._active_source is not None:
            try:
                self.active_sessions = int(await asyncio.wait_for(self._active_source(), self.refresh_timeout_seconds))
            except Exception as error:
                log.warning("metrics: active sessions unavailable (%s)", type(error).__name__)
                self.active_sessions = None

    def render(self) -> bytes:
        """The Prometheus text exposition of the cached and live values."""
        if self.multiprocess_dir is None:
            return generate_latest(self.registry)
        merged = CollectorRegistry()
        MultiProcessCollector(merged, path=self.multiprocess_dir)  # type: ignore[no-untyped-call]
        merged.register(self._state)
        return generate_latest(merged)


def metrics_endpoint(metrics: Metrics, *, bearer_token: str | None = None) -> Endpoint:
    """A Starlette endpoint serving `metrics` in the Prometheus text format, behind `bearer_token` when given."""
    expected = f"Bearer {bearer_token}".encode() if bearer_token else None

    async def endpoint(request: Request) -> Response:
        """Refresh the cached gauges, then render."""
        if expected is not None:
            sent = request.headers.get("authorization", "").encode()
            if not hmac.compare_digest(sent, expected):
                return Response(status_code=401, headers={"WWW-Authenticate": "Bearer"})
        await metrics.refresh()
        return Response(metrics.render(), media_type=CONTENT_TYPE_LATEST)

    return endpoint


def metrics_route(app: Starlette, metrics: Metrics, path: str = "/metrics", *, bearer_token: str | None = None) -> None:
    """Serve `GET /metrics` on `app` (kept out of the OpenAPI schema), behind `bearer_token` when given."""
    endpoint = metrics_endpoint(metrics, bearer_token=bearer_token)
    app.router.add_route(path, endpoint, methods=["GET"], include_in_schema=False)


def voice_key_rings(voice: object) -> dict[str, KeyRing]:
    """The key rings inside a voice or a fallback chain of voices, by provider name."""
    rings: dict[str, KeyRing] = {}
    ring = getattr(voice, "key_ring", None)
    if isinstance(ring, KeyRing):
        rings[str(getattr(voice, "name", "unknown"))] = ring
    for member in getattr(voice, "members", ()):
        rings.update(voice_key_rings(member))
    return rings
