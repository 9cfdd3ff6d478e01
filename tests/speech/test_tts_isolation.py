"""Issue 16 finding 3: one user's many /api/tts requests never starve another user's authentication."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import httpx
import pytest

from interviewsim.app import create_app
from interviewsim.auth.base import AuthUser
from interviewsim.tts import builtin
from tests.speech.conftest import speech_settings
from tests.support.mp3 import looks_like_mp3
from tests.support.servers import thread_server

LONG_TEXT = ("Tell me how you would design a rate limiter for a public API, and why. " * 36)[:2500]


class ThreadedVerifier:
    """Verifies in the default thread pool, as the Firebase verifier does."""

    name = "threaded"

    def __init__(self, users: dict[str, str]) -> None:
        self.users = users

    async def verify(self, token: str) -> AuthUser | None:
        user_id = await asyncio.to_thread(self.users.get, token)
        return AuthUser(id=user_id) if user_id else None


async def test_thirty_long_tts_requests_do_not_delay_another_users_request(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate, entered = threading.Event(), threading.Semaphore(0)
    speak = builtin._ESPEAK.speak

    def gated_speak(text: str, voice: bytes) -> bytes:
        entered.release()
        gate.wait(60)
        return speak(text, voice)

    monkeypatch.setattr(builtin._ESPEAK, "speak", gated_speak)
    settings = speech_settings(tmp_path, rate_limit_tts="100/minute")
    verifier = ThreadedVerifier({"alice-token": "alice", "bob-token": "bob"})
    with thread_server(create_app(settings, verifier=verifier)) as base_url:
        alice = httpx.AsyncClient(base_url=base_url, headers={"Authorization": "Bearer alice-token"}, timeout=120)
        bob = httpx.AsyncClient(base_url=base_url, headers={"Authorization": "Bearer bob-token"}, timeout=120)
        body = {"text": LONG_TEXT, "voice_style": "female"}
        speeches = [asyncio.create_task(alice.post("/api/tts", json=body)) for _ in range(30)]
        # Synthesis is now held inside its threads, as a long text holds them.
        assert await asyncio.to_thread(entered.acquire, True, 60)
        sessions = await asyncio.wait_for(bob.get("/api/sessions"), timeout=30)
        assert sessions.status_code == 200 and not gate.is_set()  # bob was served while alice's speech was stuck
        gate.set()
        responses = await asyncio.gather(*speeches)
        again = await alice.post("/api/tts", json={"text": "Thanks.", "voice_style": "female"})
        await alice.aclose()
        await bob.aclose()
    statuses = sorted(response.status_code for response in responses)
    assert statuses == [200] * 4 + [429] * 26
    limited = next(response for response in responses if response.status_code == 429)
    assert limited.headers["Retry-After"] == "1" and "speech requests running" in limited.json()["error"]
    assert all(looks_like_mp3(r.content) for r in responses if r.status_code == 200)
    assert again.status_code == 200  # every slot came back when the streams ended
