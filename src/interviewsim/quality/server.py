"""The harness's own server: the app on a free 127.0.0.1 port in a background thread, on SQLite in a temp dir."""

from __future__ import annotations

import contextlib
import secrets
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from interviewsim.config import Settings, load_settings

START_TIMEOUT_SECONDS = 30.0
# The harness plays many interviews a minute for one user; its own server must not throttle it.
UNTHROTTLED = "1000000/minute"


@dataclass(frozen=True)
class Target:
    """Where the harness sends its interviews."""

    base_url: str
    token: str
    pass_mark: int | None = None  # known when the harness runs the app itself


def provider_chains(provider: str | None) -> dict[str, list[str]]:
    """INTERVIEWER/EVALUATOR overrides: `NAME` sets both, `INTERVIEWER:EVALUATOR` each."""
    if not provider:
        return {}
    interviewer, _, evaluator = provider.partition(":")
    return {"interviewer": [interviewer.strip()], "evaluator": [(evaluator or interviewer).strip()]}


def local_settings(data_dir: Path, provider: str | None = None) -> Settings:
    """Settings from the environment, pinned to a private SQLite file, a fixed token and loopback."""
    return load_settings(
        data_dir=data_dir,
        database_url=f"sqlite+aiosqlite:///{data_dir / 'quality.db'}",
        local_token=secrets.token_urlsafe(24),
        auth_mode="local",
        host="127.0.0.1",
        redis_url=None,
        rate_limit_sessions=UNTHROTTLED,
        rate_limit_chat=UNTHROTTLED,
        rate_limit_results=UNTHROTTLED,
        **provider_chains(provider),
    )


@contextlib.contextmanager
def local_server(settings: Settings) -> Iterator[Target]:
    """Serve `create_app(settings)` on a free loopback port until the block ends."""
    from interviewsim.app import create_app
    from interviewsim.serving.threaded import serve_in_thread

    token = settings.fixed_local_token
    if token is None:
        raise ValueError("the harness's own server needs a fixed local token")
    with serve_in_thread(create_app(settings), start_timeout=START_TIMEOUT_SECONDS) as base_url:
        yield Target(base_url, token, settings.pass_mark)


@contextlib.contextmanager
def temporary_server(provider: str | None) -> Iterator[Target]:
    """A fresh app with its own data directory, removed afterwards."""
    with (
        tempfile.TemporaryDirectory(prefix="interviewsim-quality-") as tmp,
        local_server(local_settings(Path(tmp), provider)) as target,
    ):
        yield target
