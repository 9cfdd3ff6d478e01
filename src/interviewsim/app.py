"""The application factory: create_app(settings) wires routes, middleware and the lifespan."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import timedelta

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from interviewsim import __version__
from interviewsim.auth.base import Verifier
from interviewsim.auth.local import LocalTokenVerifier, ensure_local_token
from interviewsim.auth.throttle import SignInThrottle
from interviewsim.config import Settings, SettingsError
from interviewsim.engines.factory import Engines, build_engines
from interviewsim.errors import Unavailable, install_error_handlers
from interviewsim.interviews.guard import TurnGuard
from interviewsim.interviews.routes import router as interviews_router
from interviewsim.interviews.stores import open_repository
from interviewsim.interviews.turns import TurnRunner
from interviewsim.limits import BodySizeLimit
from interviewsim.observability.logging import configure_logging
from interviewsim.observability.metrics import Metrics, metrics_route, voice_key_rings
from interviewsim.observability.middleware import RequestContext
from interviewsim.reports.routes import router as reports_router
from interviewsim.reports.routes import shared_router
from interviewsim.runtime import settle_heap_for_serving
from interviewsim.serving.guards import RequestGuard
from interviewsim.shared.state import build_shared_state
from interviewsim.speech.live.routes import VoiceSlots
from interviewsim.speech.live.routes import router as voice_router
from interviewsim.speech.routes import router as speech_router
from interviewsim.speech.tts_routes import router as tts_router
from interviewsim.speech.upload import MULTIPART_OVERHEAD_BYTES
from interviewsim.storage.db import create_engine, migrate
from interviewsim.storage.postgres import asyncpg_dsn, create_pool
from interviewsim.storage.sqlite import SqliteDatabase, sqlite_file
from interviewsim.storage.types import utcnow
from interviewsim.tts.slots import UserSlots
from interviewsim.vendors import eager_writes
from interviewsim.web.routes import mount_web

log = logging.getLogger(__name__)


def build_verifier(settings: Settings) -> Verifier:
    """The verifier for the configured auth mode; a bad Firebase setting raises SettingsError."""
    if settings.resolved_auth_mode == "local":
        token = ensure_local_token(settings.data_dir, settings.fixed_local_token)
        return LocalTokenVerifier(token)
    from interviewsim.auth.firebase import FirebaseVerifier, emulator_warning

    emulator = settings.resolved_auth_mode == "firebase-emulator"
    if emulator:
        if not settings.firebase_auth_emulator_host:
            raise SettingsError("invalid setting AUTH_MODE: firebase-emulator needs FIREBASE_AUTH_EMULATOR_HOST")
        # firebase-admin reads the emulator host from os.environ on every verification.
        os.environ["FIREBASE_AUTH_EMULATOR_HOST"] = settings.firebase_auth_emulator_host
        log.warning(emulator_warning(settings.firebase_auth_emulator_host))
    try:
        return FirebaseVerifier.create(
            project_id=settings.firebase_project_id,
            credentials_json=settings.firebase_credentials.get_secret_value()
            if settings.firebase_credentials
            else None,
            credentials_file=settings.google_application_credentials,
            certs_url=settings.firebase_certs_url,
            clock_skew_seconds=settings.firebase_clock_skew_seconds,
            check_revoked=settings.firebase_check_revoked,
            allow_emulator=emulator,
        )
    except ValueError as error:
        raise SettingsError(f"invalid settings: {error}") from None


def app_from_env() -> FastAPI:
    """The app for one worker process, configured from the environment (`uvicorn --factory`)."""
    from interviewsim.config import load_settings

    settings = load_settings()
    configure_logging(settings.log_level, secrets=settings.secret_values())
    return create_app(settings, settle_heap=True)


def watch_operations(app: FastAPI, metrics: Metrics) -> None:
    """Feed the key-ring and active-interview gauges from this app's state."""
    for provider, ring in voice_key_rings(app.state.engines.voice).items():
        metrics.watch_key_ring(provider, ring.status)

    async def active_interviews() -> int:
        # "Active": not ended and touched within the last day (abandoned ones stop counting).
        async with open_repository(app.state) as repository:
            return await repository.count_active(utcnow() - timedelta(days=1))

    metrics.watch_active_sessions(active_interviews)


def create_app(
    settings: Settings,
    *,
    verifier: Verifier | None = None,
    engines: Engines | None = None,
    settle_heap: bool = False,
) -> FastAPI:
    """Build the app; databases, providers and tokens are set up in the lifespan, not here.

    `settle_heap` tunes the garbage collector for a server process once startup is done
    (`interviewsim serve` sets it; an app embedded in another process leaves the collector alone).
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        # SQLAlchemy is only Alembic's: it migrates the schema, then the raw drivers do all the rest.
        engine = create_engine(settings.resolved_database_url, pool_size=1, max_overflow=0)
        try:
            await migrate(engine)
        finally:
            await engine.dispose()
        app.state.settings = settings
        dsn, sqlite_path = asyncpg_dsn(settings.resolved_database_url), sqlite_file(settings.resolved_database_url)
        max_connections = settings.db_pool_size + settings.db_max_overflow
        # Each thing is closed at shutdown, or when a later step of the startup fails, in reverse order.
        async with AsyncExitStack() as cleanup:
            loop = asyncio.get_running_loop()
            if eager_writes.install(loop):
                cleanup.callback(eager_writes.uninstall, loop)
            app.state.pg_pool = None if dsn is None else await create_pool(dsn, max_size=max_connections)
            if app.state.pg_pool is not None:
                cleanup.push_async_callback(app.state.pg_pool.close)
            app.state.sqlite = None if sqlite_path is None else SqliteDatabase(sqlite_path)
            if app.state.sqlite is not None:
                cleanup.push_async_callback(app.state.sqlite.close)
            app.state.shared = await build_shared_state(settings)
            cleanup.push_async_callback(app.state.shared.aclose)
            app.state.turn_guard = TurnGuard(
                app.state.shared, settings.turn_lock_wait_seconds, settings.idempotency_ttl_seconds
            )
            app.state.verifier = verifier or build_verifier(settings)
            close_verifier = getattr(app.state.verifier, "close", None)
            if close_verifier is not None:
                cleanup.callback(close_verifier)
            app.state.sign_in_throttle = SignInThrottle(app.state.shared.limiter, settings.rate_limit_auth_failures)
            if settings.resolved_auth_mode == "local" and verifier is None:
                log.info("auth: local token (loopback only)")
            app.state.engines = engines or build_engines(
                settings, key_state=app.state.shared.key_state, metrics=metrics
            )
            cleanup.push_async_callback(app.state.engines.aclose)
            app.state.turn_runner = TurnRunner(
                lambda: open_repository(app.state),
                app.state.engines,
                app.state.turn_guard,
                app.state.shared.limiter,
                pass_mark=settings.pass_mark,
                speech=app.state.shared.speech,
            )
            app.state.voice_slots = VoiceSlots(settings.voice_max_sessions)
            watch_operations(app, metrics)
            if settle_heap:
                settle_heap_for_serving()
            yield

    app = FastAPI(
        title="interviewsim",
        version=__version__,
        description="AI mock interviews: an interviewer, an evaluator and a voice behind four routes. "
        "Live spoken interviews run over one WebSocket, `GET /api/voice`: [its protocol](/docs/voice).",
        lifespan=lifespan,
        docs_url=None,  # /docs and /redoc are served from the package by mount_web (no CDN)
        redoc_url=None,
    )
    install_error_handlers(app)
    app.add_middleware(BodySizeLimit, streamed_paths={"/api/stt": settings.stt_max_bytes + MULTIPART_OVERHEAD_BYTES})
    # Outside the body limit and the app: even a 413 or a 500 carries the CORS headers the browser needs.
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_methods=["GET", "POST", "OPTIONS"],
        allow_headers=["Content-Type", "Authorization", "Idempotency-Key", "X-Request-ID"],
        expose_headers=["X-Request-ID", "Retry-After"],
        allow_credentials=True,
        max_age=600,
    )
    # Header count, and in the local modes this machine only, before anything else runs.
    app.add_middleware(RequestGuard, max_header_count=settings.max_header_count, loopback_only=settings.loopback_only)
    metrics = Metrics()
    app.state.metrics = metrics
    app.state.tts_slots = UserSlots(settings.tts_concurrent_per_user)
    # Outermost of all: every request, preflights and 413s included, gets an id and an access line.
    app.add_middleware(RequestContext, metrics=metrics)
    metrics_token = settings.metrics_token.get_secret_value() if settings.metrics_token else None
    metrics_route(app, metrics, bearer_token=metrics_token)
    app.include_router(interviews_router)
    app.include_router(tts_router)
    app.include_router(voice_router)
    app.include_router(speech_router)
    app.include_router(reports_router)
    app.include_router(shared_router)
    mount_web(app)

    @app.get("/healthz", tags=["operations"])
    async def healthz() -> dict[str, str]:
        """The process is up."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["operations"])
    async def readyz() -> dict[str, str]:
        """The database answers, and Redis when it is configured."""
        try:
            async with open_repository(app.state) as repository:
                await repository.ping()
            await app.state.shared.ping()
        except Exception as error:
            log.warning("not ready: %s", type(error).__name__)
            raise Unavailable("Not ready: the database or Redis does not answer.", retry_after=5) from None
        return {"status": "ready"}

    return app
