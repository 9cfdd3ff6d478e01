"""The local modes answer this machine only: whatever the server is bound to, and under whatever Host name.

Served for real: `uvicorn --factory interviewsim.app:app_from_env --host 0.0.0.0` as an operator might run
it, reached from this machine's own non-loopback address; and the app in a thread, reached under a
rebinding attacker's host name.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from interviewsim.app import create_app
from interviewsim.config import Settings
from tests.fakes.firebase import FakeFirebaseCerts
from tests.support.servers import free_port, thread_server, wait_healthy

TOKEN = "loopback-test-token-0123"
PROJECT = "demo-loopback"
EMULATOR = "127.0.0.1:9099"


_real_connect = socket.socket.connect  # before the suite's network guard patches it, per test


@pytest.fixture
def outside(monkeypatch: pytest.MonkeyPatch) -> str:
    """This machine's own non-loopback address; the network guard lets tests reach it (nothing leaves)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        _real_connect(probe, ("192.0.2.1", 9))  # a UDP "connect" sends nothing: it only picks the interface
        address = str(probe.getsockname()[0])
    assert not ipaddress.ip_address(address).is_loopback, "this test needs a non-loopback interface"
    with socket.socket() as own:
        own.bind((address, 0))  # only an address of this machine can be bound
    guarded = socket.socket.connect

    def connect(self: socket.socket, target: Any) -> Any:
        if isinstance(target, tuple) and target and target[0] == address:
            return _real_connect(self, target)
        return guarded(self, target)

    monkeypatch.setattr(socket.socket, "connect", connect)
    return address


@contextlib.contextmanager
def uvicorn_on_every_interface(data_dir: Path, env: dict[str, str]) -> Iterator[int]:
    """`uvicorn --factory interviewsim.app:app_from_env --host 0.0.0.0`, bypassing `interviewsim serve`."""
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "--factory", "interviewsim.app:app_from_env"]
    process = subprocess.Popen(
        [*command, "--host", "0.0.0.0", "--port", str(port)],
        env={**os.environ, "DATA_DIR": str(data_dir), **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_healthy(f"http://127.0.0.1:{port}", process=process)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def test_local_token_mode_refuses_other_machines_whatever_uvicorn_binds(tmp_path: Path, outside: str) -> None:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    with uvicorn_on_every_interface(tmp_path, {"LOCAL_TOKEN": TOKEN}) as port:
        here = httpx.get(f"http://127.0.0.1:{port}/api/sessions", headers=headers)
        assert here.status_code == 200
        for path in ("/api/sessions", "/", "/openapi.json", "/healthz"):
            there = httpx.get(f"http://{outside}:{port}{path}", headers=headers)
            assert there.status_code == 403, (path, there.status_code)
            assert there.json()["code"] == "not_local"


def test_emulator_mode_refuses_unsigned_tokens_from_other_machines(tmp_path: Path, outside: str) -> None:
    unsigned = FakeFirebaseCerts().mint_unsigned("mallory", project_id=PROJECT)
    headers = {"Authorization": f"Bearer {unsigned}"}
    env = {"AUTH_MODE": "firebase-emulator", "FIREBASE_AUTH_EMULATOR_HOST": EMULATOR, "FIREBASE_PROJECT_ID": PROJECT}
    with uvicorn_on_every_interface(tmp_path, env) as port:
        assert httpx.get(f"http://127.0.0.1:{port}/api/sessions", headers=headers).status_code == 200
        there = httpx.get(f"http://{outside}:{port}/api/sessions", headers=headers)
        assert there.status_code == 403 and there.json()["code"] == "not_local"


def test_serve_refuses_to_expose_emulator_mode(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DATA_DIR": str(tmp_path),
        "PORT": str(free_port()),
        "HOST": "0.0.0.0",
        "AUTH_MODE": "firebase-emulator",
        "FIREBASE_AUTH_EMULATOR_HOST": EMULATOR,
        "FIREBASE_PROJECT_ID": PROJECT,
    }
    command = [sys.executable, "-m", "interviewsim", "serve"]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "HOST" in lines[0] and "firebase-emulator" in lines[0], result.stderr


@pytest.fixture
def local_site(tmp_path: Path) -> Iterator[str]:
    with thread_server(create_app(Settings(data_dir=tmp_path, local_token=TOKEN))) as base_url:  # type: ignore[call-arg]
        yield base_url


@pytest.mark.parametrize("path", ["/", "/metrics", "/openapi.json", "/web/config.json", "/web", "/docs", "/healthz"])
def test_local_mode_refuses_a_foreign_host_name(local_site: str, path: str) -> None:
    response = httpx.get(f"{local_site}{path}", headers={"Host": "rebind.evil.example"})
    assert response.status_code == 400
    assert response.json()["code"] == "host_not_allowed"
    assert "location" not in response.headers  # GET /web no longer redirects to the attacker's host


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "localhost", "[::1]", "LOCALHOST.", "127.0.0.1:{port}", "localhost:{port}"]
)
def test_local_mode_answers_its_own_host_names(local_site: str, host: str) -> None:
    port = local_site.rsplit(":", 1)[1]
    response = httpx.get(f"{local_site}/", headers={"Host": host.format(port=port)})
    assert response.status_code == 200


def test_firebase_mode_answers_any_host_name(tmp_path: Path) -> None:
    from tests.support.auth import TokenTableVerifier

    settings = Settings(data_dir=tmp_path, firebase_project_id=PROJECT)  # type: ignore[call-arg]
    app = create_app(settings, verifier=TokenTableVerifier({TOKEN: "alice"}))
    with thread_server(app) as base_url:
        response = httpx.get(f"{base_url}/healthz", headers={"Host": "interviews.example.com"})
        assert response.status_code == 200
