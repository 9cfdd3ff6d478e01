"""Record/Stop on the practice page in Chromium: a fake microphone plays speech made by the built-in voice,
the server transcribes it, the transcript lands in the answer box and is sent with its speech id, and the results
page says how the interview was spoken.
The browser's own SpeechRecognition is removed from the page first: nothing may rely on it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect, sync_playwright

from tests.e2e.test_web_page import (
    CHROMIUM,
    CHROMIUM_ARGS,
    WAIT_MS,
    Tab,
    api_client,
    fill_setup,
    interviewer_replies,
    serve,
    sign_in,
    start,
)
from tests.support.speech import spoken, wav_file, with_silence

pytestmark = pytest.mark.timeout(240)

SPOKEN_ANSWER = "I would add an index to the orders table and measure the latency again."
NO_RECOGNITION = "delete window.SpeechRecognition; delete window.webkitSpeechRecognition;"


@pytest.fixture
def microphone_wav(tmp_path: Path) -> Path:
    """The answer spoken by the built-in voice, with silence around it (Chromium loops the file)."""
    path = tmp_path / "answer.wav"
    path.write_bytes(wav_file(with_silence(bytes(2 * 11025) + spoken(SPOKEN_ANSWER), 6.0)))
    return path


@pytest.fixture
def browser_with_microphone(microphone_wav: Path) -> Iterator[Browser]:
    assert CHROMIUM.exists(), f"no Chromium at {CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH)"
    args = [
        *CHROMIUM_ARGS,
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-audio-capture={microphone_wav}",
    ]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=args)
        yield browser
        browser.close()


def test_a_recorded_answer_is_transcribed_edited_and_sent_with_its_delivery(
    browser_with_microphone: Browser, tmp_path: Path
) -> None:
    with serve(tmp_path / "data") as base_url:
        context = browser_with_microphone.new_context(viewport={"width": 1000, "height": 700})
        context.add_init_script(NO_RECOGNITION)
        page = context.new_page()
        page.set_default_timeout(WAIT_MS)
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        tab = Tab(page, base_url)
        sign_in(tab)
        assert page.evaluate("typeof window.SpeechRecognition + typeof window.webkitSpeechRecognition") == (
            "undefinedundefined"
        )
        fill_setup(page)
        start(page)

        record = page.locator("#mic-button")
        expect(record).to_be_visible()
        expect(record).to_have_text("Record")
        record.click()
        expect(record).to_have_attribute("aria-pressed", "true")
        expect(page.locator("#mic-level")).to_be_visible()
        # The level meter moves while the fake microphone speaks.
        levels = []
        for _ in range(55):  # the spoken answer lasts about 5 s
            page.wait_for_timeout(100)
            levels.append(page.evaluate("() => document.getElementById('mic-level').value"))
        assert max(levels) > 0.05, levels
        record.click()
        expect(record).to_have_text("Record")

        box = page.get_by_label("Your answer")
        expect(box).to_have_value(re.compile(r"\bindex\b", re.IGNORECASE), timeout=WAIT_MS)
        heard = box.input_value()
        # Whisper hears "orders table" as "order's table" or "order stable" at times: check sturdier words.
        words = set(re.findall(r"[a-z]+", heard.lower().replace("'", "")))
        assert {"index", "latency", "measure"} <= words, heard
        replies = interviewer_replies(page)
        before = replies.count()
        box.press("Enter")
        expect(replies).to_have_count(before + 1)

        # The results page sums up how the interview was spoken.
        page.get_by_role("button", name="End interview").click()
        expect(page.locator("#view-results")).to_be_visible()
        spoke = page.locator("#delivery-card")
        expect(spoke.get_by_role("heading", name="How you spoke")).to_be_visible()
        expect(spoke).to_contain_text(re.compile(r"Average pace: \d+(\.\d)? words per minute"))
        expect(spoke).to_contain_text(re.compile(r"Filler words: \d+(\.\d)? per minute"))
        expect(spoke).to_contain_text("Long pauses (over 2 s): 0")
        expect(spoke).to_contain_text(re.compile(r"Speaking time: \d+ s"))
        context.close()

        with api_client(base_url) as api:
            session_id = api.get("/api/sessions").json()["sessions"][0]["session_id"]
            messages = api.get(f"/api/sessions/{session_id}").json()["messages"]
    answer = next(m for m in messages if m["role"] == "user")
    assert answer["text"] == heard
    assert answer["delivery"] is not None and answer["delivery"]["words_per_minute"] > 60
    assert answer["delivery"]["edited"] is False
    assert errors == []
