"""Connect to a server, or run the app in-process on a free loopback port so terminal interviews are stored."""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

import uvicorn
from starlette.types import ASGIApp

from interviewsim.app import create_app
from interviewsim.auth.local import TOKEN_FILE, ensure_local_token
from interviewsim.config import SettingsError, load_settings
from interviewsim.practice.client import InterviewClient

LOOPBACK = "127.0.0.1"


@contextmanager
def serve_in_thread(app: ASGIApp, *, start_timeout: float = 30.0) -> Iterator[str]:
    """Serve `app` with uvicorn in a background thread on a free 127.0.0.1 port; yield its base URL."""
    # Binding the socket here (not just picking a free port) leaves no window for another process to take it.
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((LOOPBACK, 0))
    port = int(listener.getsockname()[1])
    config = uvicorn.Config(app, host=LOOPBACK, port=port, log_level="warning", lifespan="on", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [listener]}, name="interviewsim-server", daemon=True
    )
    thread.start()
    try:
        deadline = time.monotonic() + start_timeout
        while not server.started:
            if not thread.is_alive():
                raise RuntimeError("the interview server failed to start (see the log above)")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the interview server did not start within {start_timeout:.0f} seconds")
            time.sleep(0.02)
        yield f"http://{LOOPBACK}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        listener.close()


@contextmanager
def _quiet_app_logs() -> Iterator[None]:
    """Only errors from the in-process app reach the terminal, so its warnings do not cut into streamed turns."""
    logger = logging.getLogger("interviewsim")
    level = logger.level
    logger.setLevel(max(level, logging.ERROR))
    try:
        yield
    finally:
        logger.setLevel(level)


class SetupError(Exception):
    """The connection to an interview server could not be set up; the message says what to do."""


def _stored_token() -> str | None:
    """LOCAL_TOKEN or the token kept in the data directory, without creating one."""
    try:
        settings = load_settings()
    except SettingsError:
        return None
    path = settings.data_dir / TOKEN_FILE
    stored = path.read_text(encoding="utf-8").strip() if path.is_file() else ""
    return settings.fixed_local_token or stored or None


@contextmanager
def connect(base_url: str | None, token: str | None) -> Iterator[InterviewClient]:
    """A client for `base_url`, or for the app started in-process from the environment's settings."""
    if base_url:
        resolved = token or _stored_token()
        if not resolved:
            raise SetupError("pass --token (the server's local access token, printed by `interviewsim serve`)")
        with InterviewClient(base_url, resolved) as client:
            yield client
        return
    try:
        # The in-process server only ever listens on loopback, whatever HOST says.
        settings = load_settings(host=LOOPBACK)
    except SettingsError as error:
        raise SetupError(str(error)) from None
    if token is None:
        if settings.resolved_auth_mode != "local":
            raise SetupError("Firebase auth is configured: pass --token with a Firebase ID token")
        token = ensure_local_token(settings.data_dir, settings.fixed_local_token)
    with ExitStack() as stack:
        stack.enter_context(_quiet_app_logs())
        try:
            base = stack.enter_context(serve_in_thread(create_app(settings)))
        except RuntimeError as error:
            raise SetupError(str(error)) from None
        yield stack.enter_context(InterviewClient(base, token))
