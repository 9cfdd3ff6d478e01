"""A spoken interview through the page: Chromium's fake microphone plays a WAV of synthesized speech."""

from __future__ import annotations

import os
import wave
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from interviewsim.app import create_app
from interviewsim.config import Settings
from tests.support.live_speech import silence, spoken
from tests.support.servers import thread_server

pytestmark = pytest.mark.timeout(240)

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
TOKEN = "voice-e2e-token-0001"
WAIT_MS = 60_000


def write_wav(path: Path, pcm: bytes) -> None:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16_000)
        out.writeframes(pcm)


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    app = create_app(Settings(data_dir=tmp_path / "data", local_token=TOKEN))  # type: ignore[call-arg]
    with thread_server(app) as base_url:
        yield base_url


@pytest.fixture
def page(tmp_path: Path) -> Iterator[Page]:
    """Chromium whose microphone says one answer a few seconds in, then stays silent."""
    assert CHROMIUM.exists(), f"no Chromium at {CHROMIUM}"
    microphone = tmp_path / "answer.wav"
    write_wav(
        microphone, silence(2.0) + spoken("I worked on the payment system for three years.", b"en-us+m3") + silence(60)
    )
    args = [
        "--no-sandbox",
        "--disable-gpu",
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-audio-capture={microphone}%noloop",
        "--autoplay-policy=no-user-gesture-required",
    ]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=args)
        context = browser.new_context()
        tab = context.new_page()
        errors: list[str] = []
        tab.on("pageerror", lambda error: errors.append(str(error)))
        tab.set_default_timeout(WAIT_MS)
        yield tab
        assert errors == [], errors
        browser.close()


def test_a_voice_interview_through_the_page_shows_captions_and_results(site: str, page: Page) -> None:
    page.goto(site + "/")
    page.get_by_label("Access token").fill(TOKEN)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Domain", exact=True).select_option("software")
    page.get_by_label("Role", exact=True).fill("Backend Engineer")
    page.get_by_label("Voice interview").check()
    page.get_by_role("button", name="Start interview").click()
    expect(page.locator("#view-interview")).to_be_visible()
    state = page.locator("#voice-state")
    expect(state).to_be_visible()

    # The microphone speaks two seconds in, over the (long) greeting: the interviewer stops to listen.
    expect(page.locator(".transcript .note")).to_contain_text("stopped to listen", timeout=WAIT_MS)
    # What it said appears as the candidate's caption, then the interviewer answers.
    expect(page.locator(".bubble.candidate .text")).to_contain_text("payment", ignore_case=True, timeout=WAIT_MS)
    expect(page.locator(".bubble.interviewer")).to_have_count(2, timeout=WAIT_MS)

    page.get_by_role("button", name="End interview").click()
    expect(page.locator("#view-results")).to_be_visible(timeout=WAIT_MS)
    expect(state).to_have_text("Interview over.", timeout=WAIT_MS)
