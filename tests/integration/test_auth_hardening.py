"""Sign-in from outside: 401 names its scheme, guessing tokens meets a 429, a short LOCAL_TOKEN stops the server."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from interviewsim.app import create_app
from interviewsim.config import Settings
from interviewsim.serving.threaded import serve_in_thread
from tests.support.auth import TokenTableVerifier
from tests.support.servers import free_port, thread_server
from tests.support.voice_client import VoiceClient

TOKEN = "auth-test-token-0123"
LIMIT = 20  # the default RATE_LIMIT_AUTH_FAILURES is 20/minute
_real_connect = socket.socket.connect  # before the suite's network guard patches it, per test


@pytest.fixture
def local_site(tmp_path: Path) -> Iterator[str]:
    with thread_server(create_app(Settings(data_dir=tmp_path, local_token=TOKEN))) as base_url:  # type: ignore[call-arg]
        yield base_url


def test_401_names_the_bearer_scheme(local_site: str) -> None:
    for headers in ({}, {"Authorization": "Bearer not-the-token"}):
        response = httpx.get(f"{local_site}/api/sessions", headers=headers)
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"
        assert response.json()["code"] == "unauthorized"


def test_guessing_tokens_meets_a_429_that_even_the_right_token_waits_out(local_site: str) -> None:
    statuses = []
    with httpx.Client(base_url=local_site) as client:
        for n in range(LIMIT + 20):  # bounded: the probe sent 800
            response = client.get("/api/sessions", headers={"Authorization": f"Bearer guess-{n}"})
            statuses.append(response.status_code)
            if response.status_code == 429:
                assert int(response.headers["retry-after"]) >= 1
                break
        assert statuses == [401] * LIMIT + [429]
        right = client.get("/api/sessions", headers={"Authorization": f"Bearer {TOKEN}"})
        assert right.status_code == 429  # no more guesses are checked until the window passes
        assert "retry-after" in right.headers


@contextlib.contextmanager
def firebase_style_server(tmp_path: Path) -> Iterator[int]:
    """Firebase-mode settings (no loopback guard) on every interface, with fixed test tokens."""
    settings = Settings(data_dir=tmp_path, firebase_project_id="demo-auth")  # type: ignore[call-arg]
    app = create_app(settings, verifier=TokenTableVerifier({TOKEN: "alice"}))
    with serve_in_thread(app, host="0.0.0.0") as base_url:
        yield int(urlsplit(base_url).port or 0)


def test_failed_sign_ins_are_counted_per_client_address(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        _real_connect(probe, ("192.0.2.1", 9))  # a UDP "connect" sends nothing: it only picks the interface
        outside = str(probe.getsockname()[0])
    guarded = socket.socket.connect

    def connect(self: socket.socket, target: Any) -> Any:
        # This machine's own address: reaching it never leaves the machine.
        return (_real_connect if target[0] == outside else guarded)(self, target)

    monkeypatch.setattr(socket.socket, "connect", connect)
    with firebase_style_server(tmp_path) as port:
        for n in range(LIMIT):
            assert (
                httpx.get(
                    f"http://127.0.0.1:{port}/api/sessions", headers={"Authorization": f"Bearer g{n}"}
                ).status_code
                == 401
            )
        blocked = httpx.get(f"http://127.0.0.1:{port}/api/sessions", headers={"Authorization": "Bearer again"})
        assert blocked.status_code == 429
        other = httpx.get(f"http://{outside}:{port}/api/sessions", headers={"Authorization": f"Bearer {TOKEN}"})
        assert other.status_code == 200  # another address is not locked out


def test_a_short_local_token_stops_the_server_with_one_line(tmp_path: Path) -> None:
    env = {**os.environ, "DATA_DIR": str(tmp_path), "PORT": str(free_port()), "LOCAL_TOKEN": "a"}
    result = subprocess.run(
        [sys.executable, "-m", "interviewsim", "serve"], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "LOCAL_TOKEN" in lines[0] and "16 characters" in lines[0], result.stderr


async def test_wrong_tokens_on_the_voice_socket_count_against_the_same_limit(local_site: str) -> None:
    codes = []
    for n in range(LIMIT + 1):
        client = await VoiceClient.open(local_site, "any-session", token=f"guess-{n}")
        await asyncio.wait_for(client.closed.wait(), 10)
        codes.append(client.close_code)
        await client.close()
    assert codes == [1008] * LIMIT + [1013]  # 1013: try again later
    with httpx.Client(base_url=local_site) as client:
        right = client.get("/api/sessions", headers={"Authorization": f"Bearer {TOKEN}"})
        assert right.status_code == 429  # the socket's guesses locked the address out of HTTP too
