"""The harness's own server: the app on a free 127.0.0.1 port in a background thread, on SQLite in a temp dir."""

from __future__ import annotations

import contextlib
import secrets
import socket
import tempfile
import threading
import time
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


def free_port() -> int:
    """A port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def local_server(settings: Settings) -> Iterator[Target]:
    """Serve `create_app(settings)` with uvicorn on a free port until the block ends."""
    import uvicorn

    from interviewsim.app import create_app

    token = settings.fixed_local_token
    if token is None:
        raise ValueError("the harness's own server needs a fixed local token")
    port = free_port()
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="interviewsim-quality-server", daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the in-process server did not start")
            time.sleep(0.02)
        yield Target(f"http://127.0.0.1:{port}", token, settings.pass_mark)
    finally:
        server.should_exit = True
        thread.join(timeout=15)


@contextlib.contextmanager
def temporary_server(provider: str | None) -> Iterator[Target]:
    """A fresh app with its own data directory, removed afterwards."""
    with (
        tempfile.TemporaryDirectory(prefix="interviewsim-quality-") as tmp,
        local_server(local_settings(Path(tmp), provider)) as target,
    ):
        yield target
