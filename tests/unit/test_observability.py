"""Observability in isolation: JSON logs and redaction, the RequestContext middleware and the metrics endpoint."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncGenerator, AsyncIterator, Iterator
from pathlib import Path
from typing import Annotated, Any

import httpx
import pytest
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import StreamingResponse
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from interviewsim.engines.fallback import FallbackVoice
from interviewsim.observability.logging import (
    CHATTY_LIBRARIES,
    REDACTED,
    RedactingFilter,
    configure_logging,
    hash_user,
    redact,
    request_id_var,
    user_hash_var,
)
from interviewsim.observability.metrics import Metrics, metrics_route, provider_outcome, voice_key_rings
from interviewsim.observability.middleware import RequestContext, set_user
from interviewsim.tts.builtin import BuiltinVoice
from interviewsim.tts.elevenlabs import ElevenLabsVoice
from interviewsim.vendors.errors import InvalidOutput, ProviderError
from interviewsim.vendors.keyring import KeyRing
from tests.support.servers import thread_server

JWT = "eyJhbGciOiJSUzI1NiIsImtpZCI6IjEyMyJ9.eyJzdWIiOiJ1aWQtNDIiLCJhdWQiOiJkZW1vIn0.c2lnbmF0dXJlLWJ5dGVz"
SECRETS = {
    "bearer": ("Authorization: Bearer tok-0123456789abcdef", "tok-0123456789abcdef"),
    "bare bearer": ("sent Bearer raw-session-token-xyz to the verifier", "raw-session-token-xyz"),
    "jwt": (f"firebase token {JWT} rejected", JWT),
    "anthropic key": ("client built with sk-ant-api03-Zx9Yw8Vu7Ts6", "sk-ant-api03-Zx9Yw8Vu7Ts6"),
    "openai key": ("key=sk-proj-AbCdEf123456 failed", "sk-proj-AbCdEf123456"),
    "xi-api-key header": ("headers {'xi-api-key': 'el-0a1b2c3d4e5f', 'accept': 'audio/mpeg'}", "el-0a1b2c3d4e5f"),
    "google key in query": ("GET /v1beta/models?key=AIzaSyD-abcdefghijklmnopqrstuv&alt=sse", "AIzaSyD-abcdefghij"),
    "json api_key": ('{"api_key": "gm-secret-998877"}', "gm-secret-998877"),
    "basic auth": ("Authorization: Basic YWxpY2U6aHVudGVyMg==", "YWxpY2U6aHVudGVyMg=="),
    "password": ("login with password=hunter2-hunter2 failed", "hunter2-hunter2"),
    "signed url": ("GET /audio.mp3?sig=0a1b2c3d4e5f6a7b&exp=1", "0a1b2c3d4e5f6a7b"),
    "private key": ("-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg\n-----END PRIVATE KEY-----", "MIIEvQIBADANBg"),
    "client secret": ("client_secret: cs-77aa88bb99cc", "cs-77aa88bb99cc"),
}


# ---------------------------------------------------------------------------------------------------------------
# Fixtures and helpers


@pytest.fixture(autouse=True)
def _restore_root_logger() -> Iterator[None]:
    """configure_logging changes the process-wide root logger; put it back for the next test."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    libraries = {name: logging.getLogger(name).level for name in CHATTY_LIBRARIES}
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, library_level in libraries.items():
        logging.getLogger(name).setLevel(library_level)


def capture(json_lines: bool = True, **options: Any) -> io.StringIO:
    """Configure logging at INFO into a buffer."""
    buffer = io.StringIO()
    configure_logging("INFO", json_lines, stream=buffer, **options)
    return buffer


def records(buffer: io.StringIO) -> list[dict[str, Any]]:
    """Every line of `buffer` parsed as JSON, minus the test client's own httpx lines."""
    parsed = [json.loads(line) for line in buffer.getvalue().splitlines()]
    return [record for record in parsed if record["logger"] != "httpx"]


def server_output(buffer: io.StringIO) -> str:
    """The captured lines the server side wrote."""
    return "\n".join(json.dumps(record) for record in records(buffer))


def access_lines(buffer: io.StringIO) -> list[dict[str, Any]]:
    return [record for record in records(buffer) if record["logger"] == "interviewsim.access"]


def samples(exposition: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of a Prometheus text exposition, keyed by name and labels."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(exposition)
        for sample in family.samples
    }


def labels(**values: str) -> frozenset[tuple[str, str]]:
    return frozenset(values.items())


async def header_user(request: Request) -> str:
    """Stands in for auth: the user named by a header, put in the log context as `auth/deps.py` will."""
    user_id = request.headers.get("x-test-user", "anonymous")
    set_user(user_id)
    return user_id


def build_app(metrics: Metrics) -> FastAPI:
    """A small app with templated, streaming, failing and mounted routes behind the middleware."""
    app = FastAPI()
    api = APIRouter(prefix="/api")
    handler_log = logging.getLogger("tests.handler")

    @api.get("/items/{item_id}")
    async def item(item_id: str, user: Annotated[str, Depends(header_user)]) -> dict[str, str | None]:
        handler_log.info("item looked up")
        return {"item_id": item_id, "user": user, "request_id": request_id_var.get()}

    @api.get("/stream")
    async def stream() -> StreamingResponse:
        async def chunks() -> AsyncIterator[bytes]:
            for number in range(3):
                await asyncio.sleep(0.01)
                yield f"chunk {number}\n".encode()

        return StreamingResponse(chunks(), media_type="text/plain")

    @api.get("/boom")
    async def boom() -> None:
        raise RuntimeError("the handler failed")

    async def thing(request: Request) -> JSONResponse:
        return JSONResponse({"n": request.path_params["n"]})

    @app.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception) -> JSONResponse:
        handler_log.error("unhandled %s", type(error).__name__)
        return JSONResponse({"error": "internal"}, status_code=500)

    app.include_router(api)
    app.mount("/sub", Starlette(routes=[Route("/things/{n:int}", thing)]))
    app.mount("/files", StaticFiles(directory=Path(__file__).parent))
    app.add_middleware(RequestContext, metrics=metrics)
    metrics_route(app, metrics)
    return app


@pytest.fixture
def metrics() -> Metrics:
    return Metrics()


@pytest.fixture
async def client(metrics: Metrics) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=build_app(metrics), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


# ---------------------------------------------------------------------------------------------------------------
# Logging


def test_json_line_has_the_fields_and_the_request_context() -> None:
    buffer = capture()
    request_token = request_id_var.set("req-123")
    user_token = user_hash_var.set(hash_user("uid-alice-7f3a"))
    try:
        logging.getLogger("interviewsim.test").info("turn %d answered", 3, extra={"session_id": "s-1", "phase": "core"})
    finally:
        user_hash_var.reset(user_token)
        request_id_var.reset(request_token)
    logging.getLogger("interviewsim.test").warning("outside a request\nsecond line")

    first, second = records(buffer)
    assert first["level"] == "INFO" and first["logger"] == "interviewsim.test"
    assert first["message"] == "turn 3 answered"
    assert first["request_id"] == "req-123"
    assert first["user"] == hash_user("uid-alice-7f3a")
    assert first["session_id"] == "s-1" and first["phase"] == "core"
    assert first["ts"].endswith("Z") and "T" in first["ts"]
    assert "uid-alice-7f3a" not in buffer.getvalue()
    # A newline in a message cannot forge a second log line.
    assert second["message"] == "outside a request\nsecond line"
    assert second["request_id"] is None and second["user"] is None


def test_user_hash_is_salted_stable_and_short() -> None:
    import hashlib

    digest = hash_user("uid-alice-7f3a")
    assert digest == hash_user("uid-alice-7f3a")
    assert len(digest) == 12 and all(char in "0123456789abcdef" for char in digest)
    assert digest != hash_user("uid-bob-7f3a")
    assert digest != hashlib.sha256(b"uid-alice-7f3a").hexdigest()[:12]


@pytest.mark.parametrize(("text", "secret"), SECRETS.values(), ids=SECRETS.keys())
def test_credentials_are_masked_in_message_args_extra_and_traceback(text: str, secret: str) -> None:
    buffer = capture()
    log = logging.getLogger("interviewsim.test")
    log.info(text)
    log.info("value: %s", text)
    log.info("extra", extra={"detail": text, "nested": {"headers": [text]}})
    try:
        raise ValueError(text)
    except ValueError:
        log.exception("failed")
    output = buffer.getvalue()
    assert secret not in output
    assert REDACTED in output
    assert len(records(buffer)) == 4


def test_ordinary_text_is_left_alone() -> None:
    for text in (
        "key key#sha256:1a2b3c4d retired: invalid_api_key",
        "auth: local token (loopback only)",
        "max_tokens: 512",
        "Basic questions come first",
        "interviewer anthropic failed (overloaded); trying the next",
    ):
        assert redact(text) == text


@pytest.mark.parametrize("library", CHATTY_LIBRARIES)
def test_vendor_http_libraries_log_each_call_only_at_debug(library: str) -> None:
    # At INFO they logged a line per vendor call ("HTTP Request: POST ..."): two of every three lines under load.
    buffer, log = capture(), logging.getLogger(f"{library}.client")
    log.info("HTTP Request: POST http://vendor/v1/messages 200")
    log.warning("retrying")
    assert [line["message"] for line in records(buffer)] == ["retrying"]
    configure_logging("ERROR", stream=buffer)
    log.warning("not at ERROR")
    configure_logging("DEBUG", stream=buffer)
    log.info("HTTP Request: at DEBUG")
    assert [line["message"] for line in records(buffer)][-2:] == ["retrying", "HTTP Request: at DEBUG"]


def test_known_secrets_are_masked_literally() -> None:
    buffer = capture(secrets=["local-test-token-abc", "short"])
    logging.getLogger("interviewsim.test").warning("token file holds local-test-token-abc for a short while")
    (line,) = records(buffer)
    assert line["message"] == f"token file holds {REDACTED} for a short while"


def test_redacting_filter_helps_other_handlers_too() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "calling with %s", ("Bearer abc.def",), None)
    assert RedactingFilter().filter(record)
    assert record.getMessage() == f"calling with Bearer {REDACTED}"


def test_configure_logging_is_idempotent() -> None:
    root = logging.getLogger()
    before = len(root.handlers)
    capture()
    buffer = capture()
    assert len(root.handlers) == before + 1
    logging.getLogger("interviewsim.test").info("once")
    assert len(records(buffer)) == 1


def test_level_is_applied_and_unknown_levels_are_refused() -> None:
    buffer = io.StringIO()
    configure_logging("warning", stream=buffer)
    logging.getLogger("interviewsim.test").info("dropped")
    logging.getLogger("interviewsim.test").warning("kept")
    assert [line["message"] for line in records(buffer)] == ["kept"]
    with pytest.raises(ValueError, match="unknown log level"):
        configure_logging("LOUD")


def test_text_mode_carries_context_and_redacts() -> None:
    buffer = capture(json_lines=False)
    token = request_id_var.set("req-text-1")
    try:
        logging.getLogger("interviewsim.test").info("got Bearer abcdef123456")
    finally:
        request_id_var.reset(token)
    line = buffer.getvalue().strip()
    assert "[req-text-1 -]" in line and "abcdef123456" not in line and "interviewsim.test" in line


def test_importing_changes_no_logging_or_metrics_state() -> None:
    script = (
        "import logging, prometheus_client\n"
        "import interviewsim.observability.logging, interviewsim.observability.middleware\n"
        "import interviewsim.observability.metrics\n"
        "assert logging.getLogger().handlers == [], logging.getLogger().handlers\n"
        "assert logging.getLogger().level == logging.WARNING\n"
        "names = {m.name for m in prometheus_client.REGISTRY.collect()}\n"
        "assert not names & {'http_request_duration_seconds', 'provider_errors', 'key_ring_keys'}, names\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=60)


# ---------------------------------------------------------------------------------------------------------------
# Middleware


async def test_a_request_id_is_generated_and_returned(client: httpx.AsyncClient) -> None:
    capture()
    response = await client.get("/api/items/1")
    request_id = response.headers["x-request-id"]
    assert uuid.UUID(hex=request_id).hex == request_id
    assert response.json()["request_id"] == request_id
    assert (await client.get("/api/items/1")).headers["x-request-id"] != request_id


async def test_a_sane_client_request_id_is_propagated_to_logs_and_response(client: httpx.AsyncClient) -> None:
    buffer = capture()
    response = await client.get("/api/items/7", headers={"X-Request-ID": "edge-4f2a:9.1_x"})
    assert response.headers["x-request-id"] == "edge-4f2a:9.1_x"
    assert response.json()["request_id"] == "edge-4f2a:9.1_x"
    handler_line, access_line = records(buffer)
    assert handler_line["message"] == "item looked up" and handler_line["request_id"] == "edge-4f2a:9.1_x"
    assert access_line["request_id"] == "edge-4f2a:9.1_x"


@pytest.mark.parametrize(
    "bad", ["x" * 65, "two words", "<script>", "id\u00e9", "", "-leading-dash", "a/b", "Bearer sk-abcdefgh1234"]
)
async def test_an_unsafe_client_request_id_is_replaced(client: httpx.AsyncClient, bad: str) -> None:
    buffer = capture()
    response = await client.get("/api/items/1", headers={b"X-Request-ID": bad.encode("utf-8")})
    request_id = response.headers["x-request-id"]
    assert request_id != bad and len(request_id) == 32
    assert all(line["request_id"] == request_id for line in records(buffer))


async def test_one_access_line_per_request_with_route_template_never_path_or_query(
    client: httpx.AsyncClient,
) -> None:
    buffer = capture()
    response = await client.get(
        "/api/items/order-5512", params={"token": "qs-secret-1"}, headers={"X-Test-User": "uid-carol-11"}
    )
    assert response.status_code == 200
    (line,) = access_lines(buffer)
    assert line["route"] == "/api/items/{item_id}"
    assert line["method"] == "GET" and line["status"] == 200
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert line["message"].startswith("GET /api/items/{item_id} 200 ")
    assert line["user"] == hash_user("uid-carol-11")
    output = server_output(buffer)
    for leaked in ("order-5512", "qs-secret-1", "uid-carol-11", "token="):
        assert leaked not in output


async def test_unmatched_mounted_streaming_and_failing_requests(client: httpx.AsyncClient) -> None:
    buffer = capture()
    assert (await client.get("/no/such/page-9931")).status_code == 404
    assert (await client.get("/sub/things/42")).json() == {"n": 42}
    assert (await client.get("/files/__init__.py")).status_code == 200
    assert (await client.post("/api/items/1")).status_code == 405
    streamed = await client.get("/api/stream")
    assert streamed.text == "chunk 0\nchunk 1\nchunk 2\n" and streamed.headers["x-request-id"]
    failed = await client.get("/api/boom")
    assert failed.status_code == 500
    seen = [(line["method"], line["route"], line["status"]) for line in access_lines(buffer)]
    assert seen == [
        ("GET", "unmatched", 404),
        ("GET", "/sub/things/{n}", 200),
        ("GET", "/files/{path}", 200),
        ("POST", "/api/items/{item_id}", 405),
        ("GET", "/api/stream", 200),
        ("GET", "/api/boom", 500),
    ]
    assert "page-9931" not in server_output(buffer)
    # The server-error handler runs outside the middleware, yet its line carries the failed request's id.
    error_line = next(line for line in records(buffer) if line["message"] == "unhandled RuntimeError")
    assert error_line["request_id"] == access_lines(buffer)[-1]["request_id"]


async def test_route_templates_in_a_plain_starlette_app() -> None:
    buffer = capture()

    async def thing(request: Request) -> JSONResponse:
        return JSONResponse({"n": request.path_params["n"]})

    app = Starlette(
        routes=[
            Route("/things/{n:int}", thing),
            Mount("/files", StaticFiles(directory=Path(__file__).parent)),
            Mount("/sub", routes=[Route("/things/{n:int}", thing)]),
        ],
        middleware=[Middleware(RequestContext)],
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        for path in ("/things/1", "/files/__init__.py", "/sub/things/2", "/elsewhere"):
            await http.get(path)
    routes = [line["route"] for line in access_lines(buffer)]
    assert routes == ["/things/{n}", "/files/{path}", "/sub/things/{n}", "unmatched"]


async def test_the_context_does_not_outlive_the_request(client: httpx.AsyncClient) -> None:
    await client.get("/api/items/1", headers={"X-Test-User": "uid-dave"})
    assert request_id_var.get() is None and user_hash_var.get() is None


def test_over_real_http(metrics: Metrics) -> None:
    buffer = capture()
    with thread_server(build_app(metrics)) as base_url:
        response = httpx.get(f"{base_url}/api/items/abc", headers={"X-Request-ID": "probe-1"})
        scrape = httpx.get(f"{base_url}/metrics")
    assert response.headers["x-request-id"] == "probe-1"
    assert {"route": "/api/items/{item_id}", "request_id": "probe-1"}.items() <= access_lines(buffer)[0].items()
    count = samples(scrape.text)[
        ("http_request_duration_seconds_count", labels(method="GET", route="/api/items/{item_id}", status="200"))
    ]
    assert count == 1


# ---------------------------------------------------------------------------------------------------------------
# Metrics


async def test_metrics_endpoint_exposes_request_histograms_by_route(
    client: httpx.AsyncClient, metrics: Metrics
) -> None:
    for item in ("a-1", "b-2", "c-3"):
        await client.get(f"/api/items/{item}")
    await client.get("/missing/xyz-77")
    await client.get("/api/boom")
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    values = samples(response.text)
    item_route = labels(method="GET", route="/api/items/{item_id}", status="200")
    assert values[("http_request_duration_seconds_count", item_route)] == 3
    assert values[("http_request_duration_seconds_bucket", item_route | {("le", "+Inf")})] == 3
    assert values[("http_request_duration_seconds_sum", item_route)] > 0
    assert values[("http_request_duration_seconds_count", labels(method="GET", route="unmatched", status="404"))] == 1
    assert values[("http_request_duration_seconds_count", labels(method="GET", route="/api/boom", status="500"))] == 1
    for raw in ("a-1", "xyz-77"):
        assert raw not in response.text
    assert "/metrics" not in (await client.get("/openapi.json")).text


async def test_the_endpoint_can_require_a_scrape_token(metrics: Metrics) -> None:
    app = Starlette()
    metrics_route(app, metrics, bearer_token="scrape-secret-1")
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        assert (await http.get("/metrics")).status_code == 401
        assert (await http.get("/metrics", headers={"Authorization": "Bearer wrong"})).status_code == 401
        allowed = await http.get("/metrics", headers={"Authorization": "Bearer scrape-secret-1"})
    assert allowed.status_code == 200 and "http_request_duration_seconds" in allowed.text


def test_each_metrics_object_has_its_own_registry() -> None:
    first, second = Metrics(), Metrics()
    first.observe_request("GET", "/x", 200, 0.1)
    assert first.registry.get_sample_value(
        "http_request_duration_seconds_count", {"method": "GET", "route": "/x", "status": "200"}
    )
    assert (
        second.registry.get_sample_value(
            "http_request_duration_seconds_count", {"method": "GET", "route": "/x", "status": "200"}
        )
        is None
    )
    assert REGISTRY.get_sample_value("http_request_duration_seconds_count", {"method": "GET", "route": "/x"}) is None


async def test_provider_calls_are_timed_and_errors_counted_by_outcome(metrics: Metrics) -> None:
    failures: list[BaseException] = [
        ProviderError("anthropic", "overloaded", retryable=True, status=529),
        ProviderError("anthropic", "rate limited", retryable=True, status=429),
        ProviderError("anthropic", "bad key", retryable=False, status=401),
        InvalidOutput("anthropic", "not JSON"),
        TimeoutError(),
        RuntimeError("bug"),
    ]
    async with metrics.observe_provider("anthropic", "respond"):
        pass
    for failure in failures:
        with pytest.raises(type(failure)):
            async with metrics.observe_provider("anthropic", "respond"):
                raise failure

    def errors(outcome: str) -> float | None:
        return metrics.registry.get_sample_value(
            "provider_errors_total", {"provider": "anthropic", "operation": "respond", "outcome": outcome}
        )

    def calls(outcome: str) -> float | None:
        return metrics.registry.get_sample_value(
            "provider_request_duration_seconds_count",
            {"provider": "anthropic", "operation": "respond", "outcome": outcome},
        )

    for outcome in ("retryable", "rate_limited", "fatal", "invalid_output", "timeout", "error"):
        assert errors(outcome) == 1, outcome
        assert calls(outcome) == 1, outcome
    assert calls("ok") == 1 and errors("ok") is None


async def test_a_cancelled_or_abandoned_call_is_not_an_error(metrics: Metrics) -> None:
    async def audio() -> AsyncGenerator[bytes]:
        async with metrics.observe_provider("elevenlabs", "synthesize"):
            for _ in range(10):
                yield b"mp3"

    stream = audio()
    assert await anext(stream) == b"mp3"
    await stream.aclose()

    async def slow() -> None:
        async with metrics.observe_provider("gemini", "evaluate"):
            await asyncio.sleep(10)

    task = asyncio.create_task(slow())
    await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    for provider, operation in (("elevenlabs", "synthesize"), ("gemini", "evaluate")):
        labels_ = {"provider": provider, "operation": operation, "outcome": "cancelled"}
        assert metrics.registry.get_sample_value("provider_request_duration_seconds_count", labels_) == 1
        assert metrics.registry.get_sample_value("provider_errors_total", labels_) is None


def test_provider_outcome_names() -> None:
    assert provider_outcome(None) == "ok"
    assert provider_outcome(ProviderError("x", "gateway timeout", retryable=True, status=504)) == "timeout"
    assert provider_outcome(asyncio.CancelledError()) == "cancelled"


class Clock:
    """A clock tests move by hand."""

    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


async def test_key_ring_gauge_reflects_key_states_at_each_scrape(client: httpx.AsyncClient, metrics: Metrics) -> None:
    clock = Clock()
    ring = KeyRing(["el-key-aaaa1111", "el-key-bbbb2222", "el-key-cccc3333", "el-key-dddd4444"], clock=clock)
    bad, tired = ring.keys[0], ring.keys[1]
    await ring.retire(bad, "invalid_api_key")
    await ring.rest(tired, 60, "quota_exceeded")
    metrics.watch_key_ring("elevenlabs", ring.status)

    def keys(exposition: str, state: str) -> float:
        return samples(exposition)[("key_ring_keys", labels(provider="elevenlabs", state=state))]

    first = (await client.get("/metrics")).text
    assert (keys(first, "healthy"), keys(first, "resting"), keys(first, "retired")) == (2, 1, 1)
    assert "el-key-" not in first and "sha256" not in first
    clock.now += 61
    second = (await client.get("/metrics")).text
    assert (keys(second, "healthy"), keys(second, "resting"), keys(second, "retired")) == (3, 0, 1)


def test_key_rings_are_found_inside_voice_chains() -> None:
    eleven = ElevenLabsVoice(["el-key-aaaa1111"], voice_male="m", voice_female="f")
    assert voice_key_rings(FallbackVoice([eleven, BuiltinVoice()])) == {"elevenlabs": eleven.key_ring}
    assert voice_key_rings(BuiltinVoice()) == {}


async def test_active_sessions_gauge_is_refreshed_per_scrape_and_dropped_on_failure(
    client: httpx.AsyncClient, metrics: Metrics, caplog: pytest.LogCaptureFixture
) -> None:
    counts = iter([3, 5])

    async def count() -> int:
        try:
            return next(counts)
        except StopIteration:
            raise ConnectionError("database is down") from None

    metrics.watch_active_sessions(count)
    assert samples((await client.get("/metrics")).text)[("active_sessions", labels())] == 3
    assert samples((await client.get("/metrics")).text)[("active_sessions", labels())] == 5
    with caplog.at_level(logging.WARNING, logger="interviewsim.observability.metrics"):
        third = await client.get("/metrics")
    assert third.status_code == 200 and ("active_sessions", labels()) not in samples(third.text)
    assert "active sessions unavailable (ConnectionError)" in caplog.text


async def test_a_slow_source_is_given_up_on(client: httpx.AsyncClient) -> None:
    metrics = Metrics(refresh_timeout_seconds=0.05)

    async def hanging() -> int:
        await asyncio.sleep(5)
        return 1

    metrics.watch_active_sessions(hanging)
    await metrics.refresh()
    assert metrics.active_sessions is None
    assert b"active_sessions " not in metrics.render()


def test_multiprocess_mode_adds_up_worker_files(tmp_path: Path) -> None:
    script = (
        "from interviewsim.observability.metrics import Metrics\n"
        "m = Metrics()\n"
        "m.observe_request('GET', '/x/{id}', 200, 0.2)\n"
        "import sys; sys.stdout.write(m.render().decode())\n"
    )
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    first = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
    second = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
    key = ("http_request_duration_seconds_count", labels(method="GET", route="/x/{id}", status="200"))
    assert samples(first.stdout)[key] == 1
    assert samples(second.stdout)[key] == 2  # the second "worker" sees the first one's requests too
    assert ("key_ring_keys", labels()) not in samples(second.stdout)
