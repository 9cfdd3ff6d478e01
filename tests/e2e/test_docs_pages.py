"""The API docs in a real browser: Swagger UI and ReDoc render from this server alone, under their policy."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Request, sync_playwright

from interviewsim.app import create_app
from interviewsim.config import Settings
from tests.support.servers import thread_server

pytestmark = pytest.mark.timeout(180)

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
TOKEN = "docs-test-token-0123"
WAIT_MS = 30_000


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert CHROMIUM.exists(), f"no Chromium at {CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH)"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"])
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    settings = Settings(data_dir=tmp_path_factory.mktemp("docs"), local_token=TOKEN)  # type: ignore[call-arg]
    with thread_server(create_app(settings)) as base_url:
        yield base_url


@pytest.mark.parametrize(
    ("path", "rendered"),
    [
        ("/docs", ".swagger-ui .info .title"),  # Swagger UI drew the API's title from /openapi.json
        ("/redoc", "h1"),  # ReDoc drew it too
    ],
)
def test_docs_render_from_this_server_alone(browser: Browser, site: str, path: str, rendered: str) -> None:
    offsite: list[str] = []
    problems: list[str] = []
    page = browser.new_page()

    def note_request(request: Request) -> None:
        # What the policy blocked never left: ReDoc's footer tries a logo on its CDN, refused as img-src.
        if not request.url.startswith((site, "data:", "blob:")) and request.failure != "csp":
            offsite.append(request.url)

    def note_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            problems.append(message.text)

    page.on("requestfinished", note_request)
    page.on("requestfailed", note_request)
    page.on("console", note_console)
    page.on("pageerror", lambda error: problems.append(str(error)))
    try:
        page.goto(f"{site}{path}")
        title = page.locator(rendered).first
        title.wait_for(timeout=WAIT_MS)
        assert "interviewsim" in title.inner_text()
        page.wait_for_load_state("networkidle", timeout=WAIT_MS)
    finally:
        page.close()
    assert offsite == [], f"the docs reached another origin: {offsite}"
    # The viewers' own scripts, styles and workers all ran under the policy (only an image may be refused).
    refused = [p for p in problems if "Content Security Policy" in p and "img-src" not in p]
    assert refused == [], refused
