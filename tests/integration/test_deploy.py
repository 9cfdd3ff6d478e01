"""Deployment: the Procfile's command, several workers, and graceful shutdown on SIGTERM."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

from tests.fakes.firebase import FakeFirebaseCerts
from tests.support.servers import free_port, wait_healthy

ROOT = Path(__file__).resolve().parents[2]
PROJECT = "demo-deploy"


def procfile_command() -> str:
    line = next(line for line in (ROOT / "Procfile").read_text().splitlines() if line.startswith("web:"))
    return line.removeprefix("web:").strip()


def test_procfile_starts_workers_behind_firebase_auth(tmp_path: Path) -> None:
    port = free_port()
    with FakeFirebaseCerts().serve() as certs:
        env = {
            **os.environ,
            "PORT": str(port),
            "DATA_DIR": str(tmp_path),
            "FIREBASE_PROJECT_ID": PROJECT,
            "FIREBASE_CERTS_URL": certs.url,
            "WEB_CONCURRENCY": "2",
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        }
        process = subprocess.Popen(
            ["bash", "-c", procfile_command()],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            wait_healthy(base, process=process)
            assert httpx.get(f"{base}/readyz").json() == {"status": "ready"}
            token = certs.mint("deploy-user", project_id=PROJECT)
            headers = {"Authorization": f"Bearer {token}"}
            started = httpx.post(f"{base}/api/start-session", json={"domain": "sales", "role": "AE"}, headers=headers)
            assert started.status_code == 200
            assert httpx.get(f"{base}/api/sessions", headers={"Authorization": "Bearer nope"}).status_code == 401
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            output = process.communicate(timeout=30)[0].decode()
    assert len(set(re.findall(r"Started server process \[(\d+)\]", output))) == 2, output


def test_dockerfile_repeats_the_tested_commands() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "FROM python:3.11-slim" in dockerfile and "USER app" in dockerfile
    assert "pip install ." in dockerfile and "interviewsim serve --workers" in dockerfile
    assert "/readyz" in dockerfile


def test_sigterm_lets_an_in_flight_turn_finish(tmp_path: Path) -> None:
    from tests.fakes.anthropic import FakeAnthropic, Reply, serve
    from tests.fakes.scripts import interviewer_reply

    fake = FakeAnthropic(default=interviewer_reply)
    with serve(fake) as anthropic_url:
        port = free_port()
        env = {
            **os.environ,
            "PORT": str(port),
            "DATA_DIR": str(tmp_path),
            "LOCAL_TOKEN": "local-test-token",
            "ANTHROPIC_API_KEY": "sk-ant-x",
            "ANTHROPIC_BASE_URL": anthropic_url,
        }
        process = subprocess.Popen(
            [sys.executable, "-m", "interviewsim", "serve"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        base = f"http://127.0.0.1:{port}"
        headers = {"Authorization": "Bearer local-test-token"}
        try:
            wait_healthy(base, process=process)
            session_id = httpx.post(
                f"{base}/api/start-session", json={"domain": "data", "role": "DA"}, headers=headers
            ).json()["session_id"]
            held = threading.Event()
            fake.queue(Reply(before_last=held))
            result: dict[str, httpx.Response] = {}

            def answer() -> None:
                result["reply"] = httpx.post(
                    f"{base}/api/chat/stream",
                    headers=headers,
                    timeout=30,
                    json={"session_id": session_id, "user_message": "Fine, thanks."},
                )

            thread = threading.Thread(target=answer)
            thread.start()
            deadline = time.monotonic() + 10
            while fake.request_count < 2 and time.monotonic() < deadline:
                time.sleep(0.02)
            process.send_signal(signal.SIGTERM)  # mid-turn: the model is still writing
            time.sleep(0.3)
            held.set()
            thread.join(timeout=20)
            # uvicorn re-raises SIGTERM after its graceful shutdown, so the exit is by that signal.
            assert process.wait(timeout=20) in (0, -signal.SIGTERM)
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
    assert result["reply"].status_code == 200 and "event: done" in result["reply"].text
