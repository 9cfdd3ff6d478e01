"""Connect to a server, or run the app in-process on a free loopback port so terminal interviews are stored."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

from interviewsim.app import create_app
from interviewsim.auth.local import TOKEN_FILE, ensure_local_token
from interviewsim.config import SettingsError, load_settings
from interviewsim.practice.client import InterviewClient
from interviewsim.serving.threaded import LOOPBACK, serve_in_thread


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
