"""The server as a user runs it: `python -m interviewsim serve`, restarts, bad settings."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx

from tests.support.servers import ServerProcess, free_port

TOKEN = "process-test-token"


def client(server: ServerProcess) -> httpx.Client:
    return httpx.Client(base_url=server.base_url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=60)


def test_an_interview_survives_a_restart(tmp_path: Path) -> None:
    server = ServerProcess(tmp_path, TOKEN).start()
    try:
        with client(server) as api:
            started = api.post("/api/start-session", json={"domain": "data", "role": "Data Analyst"}).json()
            session_id = started["session_id"]
            for answer in (
                "Good, thanks.",
                "I like turning messy data into decisions.",
                "I would use a LEFT JOIN.",
            ):
                assert api.post("/api/chat", json={"session_id": session_id, "user_message": answer}).status_code == 200
    finally:
        server.stop()
    assert "local access token: process-test-token" in server.log()
    assert f"http://127.0.0.1:{server.port}" in server.log()

    server.start()
    try:
        with client(server) as api:
            before = api.get(f"/api/sessions/{session_id}").json()
            assert before["status"] == "in_progress" and len(before["messages"]) == 7
            reply = api.post("/api/chat", json={"session_id": session_id, "user_message": "GROUP BY region, then SUM."})
            assert reply.status_code == 200 and reply.json()["end"] is False
            final = api.post("/api/chat", json={"session_id": session_id, "user_message": "[END_INTERVIEW_MANUAL]"})
            assert final.json()["end"] is True
            after = api.get(f"/api/sessions/{session_id}").json()
            assert len(after["messages"]) == 10  # nothing lost or doubled across the restart
    finally:
        server.stop()


def test_generated_token_is_kept_in_the_data_directory(tmp_path: Path) -> None:
    server = ServerProcess(tmp_path, TOKEN)
    del server.env["LOCAL_TOKEN"]
    server.start()
    server.stop()
    token = (tmp_path / "local_token").read_text().strip()
    assert len(token) >= 24 and f"local access token: {token}" in server.log()
    assert (tmp_path / "local_token").stat().st_mode & 0o077 == 0
    server.start()
    try:
        ok = httpx.get(f"{server.base_url}/api/sessions", headers={"Authorization": f"Bearer {token}"})
        assert ok.status_code == 200
    finally:
        server.stop()


def run_cli(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "interviewsim", "serve"],
        env={**os.environ, "DATA_DIR": str(tmp_path), "PORT": str(free_port()), **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_invalid_settings_stop_the_server_with_one_line(tmp_path: Path) -> None:
    for env, variable in (
        ({"PORT": "99999"}, "PORT"),
        ({"CORS_ORIGINS": "*"}, "CORS_ORIGINS"),
        ({"INTERVIEWER": "nonsense"}, "INTERVIEWER"),
        ({"HOST": "0.0.0.0"}, "HOST"),
    ):
        result = run_cli(tmp_path, **env)
        assert result.returncode == 2, result
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and variable in lines[0], result.stderr
