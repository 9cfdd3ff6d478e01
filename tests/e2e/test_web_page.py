"""The built-in practice page in a real browser: Debian's Chromium, driven by Playwright, against a live app.

Nothing is stubbed in the main flow: the page talks to the real API on 127.0.0.1 with the built-in engines.
Stubs (page.route) appear only where a failure or a wire format has to be forced.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from playwright.sync_api import Browser, Page, Request, Route, expect, sync_playwright
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from interviewsim.app import create_app
from interviewsim.config import Settings
from interviewsim.web.routes import mount_web, web_root
from tests.fakes.firebase import FakeFirebaseCerts
from tests.support.servers import thread_server
from tests.support.services import CHROMIUM, require

pytestmark = [pytest.mark.timeout(180), pytest.mark.browser]
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TOKEN = "e2e-test-token-1234"
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "screenshots"
DOCS = ROOT / "docs" / "screenshots"
DOC_SHOTS = {"signin", "setup", "interview", "results", "history"}
WAIT_MS = 30_000

ANSWERS = [
    "I'm doing well, thanks. A little nervous but looking forward to it.",
    "I've been preparing for a few weeks, mostly practising system design and reviewing my past projects.",
    "A hash map hashes the key to a bucket index, so lookups and inserts are O(1) on average. Collisions are "
    "handled by chaining or open addressing, and the table resizes when the load factor passes a threshold.",
    "I would measure first: open the network and performance panels, find whether the time is spent on the "
    "server, in large bundles or in rendering, then fix the biggest cost, for example with caching, code "
    "splitting or an index on the slow query, and measure again.",
]


# --- fixtures ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the module (the system one: no browser is ever downloaded)."""
    # .ci/run installs Debian's chromium, so under CI=true a missing one fails; locally it is a skip.
    require("browser")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@contextlib.contextmanager
def serve(data_dir: Path, *, stream_route: bool = True) -> Iterator[str]:
    """The real app with the page mounted, on a free loopback port (optionally as an older server)."""
    settings = Settings(data_dir=data_dir, local_token=TOKEN)
    app = create_app(settings)
    mount_web(app)
    with thread_server(app if stream_route else without_stream_route(app)) as base_url:
        yield base_url


def without_stream_route(app: ASGIApp) -> ASGIApp:
    """The app as a server from before streaming: /api/chat/stream is an unknown route (404)."""

    async def older(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == "/api/chat/stream":
            await JSONResponse({"error": "Not Found", "code": "http_error"}, status_code=404)(scope, receive, send)
        else:
            await app(scope, receive, send)

    return older


@pytest.fixture
def site(tmp_path: Path) -> Iterator[str]:
    with serve(tmp_path / "data") as base_url:
        yield base_url


@dataclass
class Tab:
    """A page plus what it did that a test may need to check."""

    page: Page
    base_url: str
    errors: list[str] = field(default_factory=list)
    offsite: list[str] = field(default_factory=list)
    calls: list[tuple[str, str, int, str]] = field(default_factory=list)  # method, path, status, content type
    sent: list[tuple[str, str]] = field(default_factory=list)  # method, path of every request made

    def paths(self, method: str, path: str) -> list[tuple[str, str, int, str]]:
        return [call for call in self.calls if call[0] == method and call[1] == path]

    def assert_clean(self) -> None:
        assert self.errors == [], f"uncaught errors in the page: {self.errors}"
        assert self.offsite == [], f"the page tried to load from elsewhere: {self.offsite}"


def _open_tab(browser: Browser, base_url: str, width: int, height: int) -> Iterator[Tab]:
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    tab = Tab(page, base_url)
    page.on("pageerror", lambda error: tab.errors.append(str(error)))

    def guard(route: Route, request: Request) -> None:
        # Belt and braces: the page may fetch nothing but this server (no CDN, no fonts, no analytics).
        if urlsplit(request.url).hostname not in {"127.0.0.1", "localhost"}:
            tab.offsite.append(request.url)
            route.abort()
        else:
            route.fallback()

    context.route("**/*", guard)
    page.on("request", lambda request: tab.sent.append((request.method, urlsplit(request.url).path)))
    page.on(
        "response",
        lambda response: tab.calls.append(
            (
                response.request.method,
                urlsplit(response.url).path,
                response.status,
                response.headers.get("content-type", ""),
            )
        ),
    )
    page.set_default_timeout(WAIT_MS)
    yield tab
    context.close()


@pytest.fixture
def tab(browser: Browser, site: str) -> Iterator[Tab]:
    """A desktop-sized page (1000×700: the size of the README screenshots)."""
    yield from _open_tab(browser, site, 1000, 700)


@pytest.fixture
def phone(browser: Browser, site: str) -> Iterator[Tab]:
    """A 375 px wide page, the narrowest common phone."""
    yield from _open_tab(browser, site, 375, 740)


# --- helpers ------------------------------------------------------------------------------------------


def shoot(page: Page, name: str) -> None:
    """Save a screenshot to test-artifacts/; with UPDATE_SCREENSHOTS=1 the README's five go to docs/screenshots/."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))
    if name in DOC_SHOTS and os.environ.get("UPDATE_SCREENSHOTS") == "1":
        DOCS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, DOCS / f"{name}.png")


def sign_in(tab: Tab) -> None:
    page = tab.page
    page.goto(tab.base_url + "/")
    expect(page.locator("#view-signin")).to_be_visible()
    page.get_by_label("Access token").fill(TOKEN)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#view-setup")).to_be_visible()


def fill_setup(page: Page, interview_type: str = "Technical", minutes: str = "10") -> None:
    page.get_by_label("Domain", exact=True).select_option("software")
    page.get_by_label("Role", exact=True).fill("Backend Engineer")
    page.get_by_label("Interview type").select_option(interview_type)
    page.get_by_label("Difficulty").select_option("Intermediate")
    page.get_by_label("Duration", exact=True).select_option(minutes)
    page.get_by_label("Female").check()


def expect_not_graded(page: Page) -> None:
    """Results of an interview too thin to grade: said so, with no chart of placeholder zeros."""
    expect(page.locator("#decision")).to_have_text(re.compile(r"^Not graded"))
    expect(page.locator("#scores-chart svg")).to_have_count(0)


def start(page: Page) -> None:
    page.get_by_role("button", name="Start interview").click()
    expect(page.locator("#view-interview")).to_be_visible()
    expect(interviewer_replies(page)).to_have_count(1)
    expect(page.locator("#progress")).to_have_text("Warm-up")


def interviewer_replies(page: Page) -> Any:
    """Finished interviewer bubbles (a reply still arriving is `.pending` or being streamed)."""
    return page.locator("#transcript .bubble.interviewer:not(.pending)")


def answer(page: Page, text: str) -> str:
    """Type an answer, send it with Enter, wait for the reply; return the reply's text."""
    replies = interviewer_replies(page)
    before = replies.count()
    box = page.get_by_label("Your answer")
    box.fill(text)
    box.press("Enter")
    expect(replies).to_have_count(before + 1)
    expect(page.locator("#send-button")).to_be_enabled()
    expect(box).to_have_value("")
    return str(replies.last.locator(".text").inner_text())


def assert_fits(page: Page, where: str) -> None:
    """Nothing sticks out sideways: the page never scrolls horizontally."""
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth, document.body.scrollWidth]"
    )
    scroll_width, client_width, body_width = widths
    assert scroll_width <= client_width and body_width <= client_width, f"{where}: {widths} overflows"


def api_client(base_url: str) -> httpx.Client:
    return httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=60)


def stream_route_exists(base_url: str) -> bool:
    """Whether this server has POST /api/chat/stream (it is being added alongside the page)."""
    paths = httpx.get(f"{base_url}/openapi.json", timeout=30).json()["paths"]
    return "post" in paths.get("/api/chat/stream", {})


# --- tests ----------------------------------------------------------------------------------------------


def test_a_whole_interview_from_sign_in_to_history(tab: Tab) -> None:
    page = tab.page
    page.goto(tab.base_url + "/")
    expect(page.locator("#view-signin")).to_be_visible()
    shoot(page, "signin")
    page.get_by_label("Access token").fill(TOKEN)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#view-setup")).to_be_visible()
    assert page.evaluate("localStorage.getItem('interviewsim.token')") == TOKEN

    fill_setup(page, "Technical", "10")
    shoot(page, "setup")
    start(page)
    expect(page.locator("#timer")).to_have_text(re.compile(r"^(10:00|9:5\d)$"))

    for text in ANSWERS:
        assert answer(page, text).strip()
    expect(page.locator("#progress")).to_have_text(re.compile(r"^Question [1-9] of 4$"))
    candidate = page.locator("#transcript .bubble.candidate")
    expect(candidate).to_have_count(len(ANSWERS))  # each answer shown once
    expect(page.locator("#announcer")).not_to_be_empty()
    shoot(page, "interview")
    # Each reply was spoken: /api/tts answered with MP3 (playing it may be refused headless; no error shows).
    spoken = tab.paths("POST", "/api/tts")
    assert spoken and all(status == 200 and kind == "audio/mpeg" for *_, status, kind in spoken)

    page.get_by_role("button", name="End interview").click()
    expect(page.locator("#view-results")).to_be_visible()
    bars = page.locator("#scores-chart svg .bar")
    expect(bars).to_have_count(5)
    values = [int(v) for v in page.locator("#scores-chart svg .bar-value").all_text_contents()]
    assert len(values) == 5 and all(0 <= v <= 100 for v in values)
    assert [int(bars.nth(i).get_attribute("data-value") or -1) for i in range(5)] == values
    # Screen readers get every value from the chart's label.
    names = ["Overall", "Communication", "Technical", "Confidence", "Behavior"]
    expected = ", ".join(f"{name} {value}" for name, value in zip(names, values, strict=True))
    expect(page.locator("#scores-chart svg")).to_have_attribute("aria-label", f"Scores out of 100: {expected}")
    expect(page.locator("#decision")).to_have_text(re.compile(r"^Decision: (selected|not selected)"))
    expect(page.locator("#summary")).not_to_be_empty()
    expect(page.locator("#strengths li").first).to_be_visible()
    expect(page.locator("#evidence blockquote").first).to_be_visible()
    shoot(page, "results")

    # A second, quick interview through the API, so the trend has two points.
    with api_client(tab.base_url) as client:
        started = client.post(
            "/api/start-session",
            json={"domain": "data", "role": "Data Analyst", "interview_type": "Behavioral", "duration": 5},
        ).json()
        ended = client.post(
            "/api/chat", json={"session_id": started["session_id"], "user_message": "[END_INTERVIEW_MANUAL]"}
        )
        assert ended.status_code == 200, ended.text

    page.get_by_role("navigation").get_by_role("button", name="History").click()
    expect(page.locator("#view-history")).to_be_visible()
    entries = page.locator("#history-list .history-entry")
    expect(entries).to_have_count(2)
    expect(entries.nth(1)).to_contain_text("Technical · Backend Engineer")  # newest first
    expect(entries.nth(1)).to_contain_text(f"{values[0]}/100")
    expect(page.locator("#trend-chart svg .trend-point")).to_have_count(2)
    expect(page.locator("#trend-chart svg polyline")).to_have_count(1)
    shoot(page, "history")

    entries.nth(1).click()
    expect(page.locator("#view-results")).to_be_visible()
    expect(page.locator("#scores-chart svg .bar")).to_have_count(5)
    expect(page.locator("#results-transcript-card")).to_be_visible()
    expect(page.locator("#results-transcript .bubble.candidate")).to_have_count(len(ANSWERS))
    tab.assert_clean()


def test_replies_stream_from_this_server_and_deltas_render(tab: Tab) -> None:
    """Nothing stubbed: whichever way this server answers, the page uses it."""
    page = tab.page
    streaming = stream_route_exists(tab.base_url)
    sign_in(tab)
    fill_setup(page)
    start(page)
    # Muted, the page asks for no speech, and remembers the choice.
    mute = page.get_by_role("button", name="Mute voice")
    mute.click()
    expect(mute).to_have_attribute("aria-pressed", "true")
    assert page.evaluate("localStorage.getItem('interviewsim.muted')") == "1"
    spoken = tab.sent.count(("POST", "/api/tts"))
    assert answer(page, ANSWERS[0]).strip()
    assert answer(page, ANSWERS[1]).strip()
    assert tab.sent.count(("POST", "/api/tts")) == spoken

    stream_calls = tab.paths("POST", "/api/chat/stream")
    chat_calls = tab.paths("POST", "/api/chat")
    if streaming:
        assert [status for _, _, status, _ in stream_calls] == [200, 200]
        assert all("text/event-stream" in kind for *_, kind in stream_calls)
        assert chat_calls == []
        # Each reply was drawn piece by piece: the bubble counts the delta frames it rendered.
        bubbles = page.locator("#transcript .bubble.interviewer")
        for index in (1, 2):
            deltas = bubbles.nth(index).get_attribute("data-deltas")
            assert deltas is not None and int(deltas) >= 1
    else:
        assert_fell_back(tab)
    tab.assert_clean()


def test_an_older_server_without_the_stream_route_gets_plain_chat(browser: Browser, tmp_path: Path) -> None:
    with serve(tmp_path / "data", stream_route=False) as base_url:
        for tab in _open_tab(browser, base_url, 1000, 700):
            sign_in(tab)
            fill_setup(tab.page)
            start(tab.page)
            assert answer(tab.page, ANSWERS[0]).strip()
            assert answer(tab.page, ANSWERS[1]).strip()
            assert_fell_back(tab)
            tab.assert_clean()


def assert_fell_back(tab: Tab) -> None:
    """One 404 from /api/chat/stream taught the page to use /api/chat from then on."""
    assert [status for _, _, status, _ in tab.paths("POST", "/api/chat/stream")] == [404]
    assert [status for _, _, status, _ in tab.paths("POST", "/api/chat")] == [200, 200]
    assert tab.page.locator("#transcript .bubble[data-deltas]").count() == 0


def test_stream_frames_are_parsed_and_an_error_frame_offers_send_again(tab: Tab) -> None:
    """The wire format from the brief, forced: deltas, comments, CRLF, an error frame, then success."""
    page = tab.page
    sign_in(tab)
    fill_setup(page)
    start(page)
    done = {
        "text_response": "Thanks! **First question:** how does a hash map work?",
        "voice_response": "Thanks! First question: how does a hash map work?",
        "end": False,
        "phase": "core",
        "question_number": 1,
        "questions_planned": 4,
        "minutes_left": 9.5,
        "kind": "question",
        "provider": "builtin",
    }
    pieces = ["Thanks! ", "**First question:** how does ", "a hash map work?"]
    frames = [": keep-alive\r\n\r\n"]
    frames += [f"event: delta\r\ndata: {json.dumps({'text': piece})}\r\n\r\n" for piece in pieces]
    frames.append(f"event: done\ndata: {json.dumps(done)}\n\n")
    failing = (
        f"event: delta\ndata: {json.dumps({'text': 'Thanks'})}\n\n"
        'event: error\ndata: {"error": "The interviewer failed; send your answer again.", '
        '"code": "upstream_error", "status": 502}\n\n'
    )
    bodies = [failing, "".join(frames)]
    seen: list[dict[str, Any]] = []

    def fake_stream(route: Route) -> None:
        seen.append(json.loads(route.request.post_data or "{}"))
        route.fulfill(status=200, content_type="text/event-stream", body=bodies.pop(0))

    page.route("**/api/chat/stream", fake_stream)
    box = page.get_by_label("Your answer")
    box.fill("Doing well, thanks.")
    box.press("Enter")
    expect(page.locator("#chat-error")).to_contain_text("send your answer again")
    retry = page.get_by_role("button", name="Send again")
    expect(retry).to_be_focused()
    expect(page.locator("#transcript .bubble.interviewer")).to_have_count(1)  # the partial reply is gone
    retry.click()
    reply = interviewer_replies(page).last
    expect(reply.locator(".text")).to_have_text("Thanks! First question: how does a hash map work?")
    expect(reply.locator("strong")).to_have_text("First question:")
    assert reply.get_attribute("data-deltas") == "3"
    expect(page.locator("#chat-error")).to_be_hidden()
    expect(page.locator("#progress")).to_have_text("Question 1 of 4")
    expect(page.locator("#transcript .bubble.candidate")).to_have_count(1)  # re-sent, not re-added
    assert [body["user_message"] for body in seen] == ["Doing well, thanks."] * 2
    tab.assert_clean()


def test_a_502_from_the_server_shows_the_message_and_send_again_resends_the_same_answer(tab: Tab) -> None:
    page = tab.page
    sign_in(tab)
    fill_setup(page)
    start(page)
    sent: list[str] = []

    def fail_once(route: Route) -> None:
        sent.append(json.loads(route.request.post_data or "{}")["user_message"])
        if len(sent) == 1:
            route.fulfill(
                status=502,
                content_type="application/json",
                body=json.dumps({"error": "The interviewer could not answer just now.", "code": "upstream_error"}),
            )
        else:
            route.fallback()

    page.route(re.compile(r".*/api/chat(/stream)?$"), fail_once)
    box = page.get_by_label("Your answer")
    box.fill(ANSWERS[0])
    box.press("Enter")
    expect(page.locator("#chat-error-text")).to_have_text("The interviewer could not answer just now.")
    page.get_by_role("button", name="Send again").click()
    expect(interviewer_replies(page)).to_have_count(2)
    expect(page.locator("#chat-error")).to_be_hidden()
    assert sent[0] == sent[1] == ANSWERS[0]
    expect(page.locator("#transcript .bubble.candidate")).to_have_count(1)
    tab.assert_clean()


def test_every_view_fits_a_375_px_screen(phone: Tab) -> None:
    page = phone.page
    page.goto(phone.base_url + "/")
    expect(page.locator("#view-signin")).to_be_visible()
    assert_fits(page, "sign-in")
    shoot(page, "mobile-signin")
    page.get_by_label("Access token").fill(TOKEN)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#view-setup")).to_be_visible()
    fill_setup(page)
    page.get_by_label("Domain", exact=True).select_option("other")
    page.get_by_label("Other domain").fill("Cybersecurity and incident response")
    page.get_by_label("Duration", exact=True).select_option("custom")
    page.get_by_label("Minutes (5–90)").fill("12")
    assert_fits(page, "setup")
    shoot(page, "mobile-setup")
    start(page)
    answer(page, "Fine thanks! " + "supercalifragilisticexpialidocious" * 4)  # one very long word
    assert_fits(page, "interview")
    shoot(page, "mobile-interview")
    page.get_by_role("button", name="End interview").click()
    expect(page.locator("#view-results")).to_be_visible()
    expect_not_graded(page)  # one answer or none: too little to grade
    assert_fits(page, "results")
    shoot(page, "mobile-results")
    page.get_by_role("navigation").get_by_role("button", name="History").click()
    expect(page.locator("#history-list .history-entry")).to_have_count(1)
    expect(page.locator("#history-list")).to_contain_text("Cybersecurity and incident response")
    assert_fits(page, "history")
    shoot(page, "mobile-history")
    phone.assert_clean()


def test_sign_in_works_with_the_keyboard_alone_and_focus_is_visible(tab: Tab) -> None:
    page = tab.page
    page.goto(tab.base_url + "/")
    expect(page.locator("#view-signin")).to_be_visible()
    for _ in range(6):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "token":
            break
    assert page.evaluate("document.activeElement.id") == "token"
    page.keyboard.type(TOKEN)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "signin-submit"
    focus = page.evaluate(
        "() => { const e = document.activeElement; const s = getComputedStyle(e);"
        " return [e.matches(':focus-visible'), s.outlineStyle, parseFloat(s.outlineWidth)]; }"
    )
    assert focus[0] is True and focus[1] != "none" and focus[2] >= 2, focus
    page.keyboard.press("Enter")
    expect(page.locator("#view-setup")).to_be_visible()
    expect(page.locator("#setup-title")).to_be_focused()

    # Every form control on the page has a label a screen reader can announce.
    unlabelled = page.evaluate(
        "() => [...document.querySelectorAll('input, select, textarea')]"
        ".filter(e => !e.labels || e.labels.length === 0).map(e => e.id || e.name)"
    )
    assert unlabelled == []

    # A wrong token is refused with a message, and the field gets the focus back.
    page.evaluate("localStorage.clear()")
    page.reload()
    page.get_by_label("Access token").fill("wrong-token")
    page.get_by_label("Access token").press("Enter")
    expect(page.locator("#signin-error")).to_contain_text("not accepted")
    expect(page.get_by_label("Access token")).to_be_focused()
    tab.assert_clean()


def test_the_page_is_package_data_served_with_a_strict_policy(site: str) -> None:
    assert (web_root() / "index.html").is_file()
    index = httpx.get(f"{site}/", timeout=30)
    assert index.status_code == 200 and index.headers["content-type"].startswith("text/html")
    policy = index.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy
    # No CDN, no remote font, no inline script: everything comes from /web/.
    assert not re.search(r"(src|href)=\"(https?:)?//", index.text)
    assert "<script>" not in index.text
    script = httpx.get(f"{site}/web/app.js", timeout=30)
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
    assert httpx.get(f"{site}/web/styles.css", timeout=30).headers["content-type"].startswith("text/css")
    # Only assets are served from the package directory, never its Python files.
    assert httpx.get(f"{site}/web/routes.py", timeout=30).status_code == 404
    assert httpx.get(f"{site}/web/__init__.py", timeout=30).status_code == 404
    # Server and user text never becomes HTML.
    for module in web_root().glob("*.js"):  # the page's script is split into ES modules
        source = module.read_text()
        for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
            assert sink not in source, module.name
    # The API is unchanged by the mount.
    assert httpx.get(f"{site}/api/sessions", timeout=30).status_code == 401


def test_at_zero_the_countdown_ends_the_interview(tab: Tab) -> None:
    page = tab.page
    page.clock.install()  # the page's clock only: the server still keeps real time
    sign_in(tab)
    fill_setup(page, "Behavioral", "10")
    start(page)
    answer(page, ANSWERS[0])
    bodies: list[str] = []
    page.on("request", lambda request: bodies.append(request.post_data or "") if "/api/chat" in request.url else None)
    page.clock.run_for("09:30")
    expect(page.locator("#timer")).to_have_text(re.compile(r"^0:[0-3]\d$"))
    expect(page.locator("#timer")).to_have_class("low")
    page.clock.run_for("00:45")
    expect(page.locator("#view-results")).to_be_visible()
    expect_not_graded(page)  # one answer or none: too little to grade
    assert [json.loads(body)["user_message"] for body in bodies] == ["[END_INTERVIEW_TIME_UP]"]
    expect(page.locator("#transcript .note")).to_have_text("Time is up.")

    # Practising again starts a fresh interview with a working answer box and a full countdown.
    page.get_by_role("button", name="Practice again").click()
    expect(page.locator("#view-setup")).to_be_visible()
    start(page)
    expect(page.locator("#timer")).to_have_text(re.compile(r"^(10:00|9:5\d)$"))
    expect(page.locator("#transcript .bubble")).to_have_count(1)
    expect(page.get_by_role("button", name="Send", exact=True)).to_be_enabled()
    expect(page.get_by_role("button", name="End interview")).to_be_enabled()
    answer(page, ANSWERS[1])
    tab.assert_clean()


def test_an_unfinished_interview_in_the_history_can_be_ended_and_graded(tab: Tab) -> None:
    page = tab.page
    with api_client(tab.base_url) as client:
        started = client.post("/api/start-session", json={"domain": "sales", "role": "Account Executive"})
        assert started.status_code == 200, started.text
        client.post("/api/chat", json={"session_id": started.json()["session_id"], "user_message": ANSWERS[0]})
    sign_in(tab)
    page.get_by_role("navigation").get_by_role("button", name="History").click()
    entry = page.locator("#history-list .history-entry")
    expect(entry).to_have_count(1)
    expect(entry).to_contain_text("in progress")
    expect(page.locator("#trend-chart")).to_contain_text("Finish an interview")
    entry.click()
    expect(page.locator("#view-results")).to_be_visible()
    expect(page.locator("#scores-chart")).to_be_hidden()
    expect(page.locator("#results-transcript .bubble.candidate")).to_have_count(1)
    page.get_by_role("button", name="End and get results").click()
    expect_not_graded(page)  # one answer or none: too little to grade
    expect(page.locator("#decision")).to_be_visible()
    assert tab.paths("POST", "/api/results")[0][2] == 200
    tab.assert_clean()


def test_an_interview_ended_elsewhere_shows_its_results_instead_of_an_error(tab: Tab) -> None:
    page = tab.page
    sign_in(tab)
    fill_setup(page)
    start(page)
    with api_client(tab.base_url) as client:  # the same user ends it from another tab
        session_id = client.get("/api/sessions").json()["sessions"][0]["session_id"]
        ended = client.post("/api/chat", json={"session_id": session_id, "user_message": "[END_INTERVIEW_MANUAL]"})
        assert ended.status_code == 200, ended.text
    box = page.get_by_label("Your answer")
    box.fill(ANSWERS[0])
    box.press("Enter")
    expect(page.locator("#view-results")).to_be_visible()
    expect_not_graded(page)  # one answer or none: too little to grade
    assert any(status == 409 for _, path, status, _ in tab.calls if path.startswith("/api/chat"))
    tab.assert_clean()


# --- Firebase sign-in -----------------------------------------------------------------------------------
# The server runs in Firebase mode against FakeFirebaseCerts (real RS256 tokens it verifies); the page's
# calls to Google's REST API are answered by page.route, so nothing leaves the machine.

PROJECT = "demo-web"
WEB_KEY = "web-key"
EMAIL = "ada@example.com"
PASSWORD = "correct horse battery staple"
IDENTITY_TOOLKIT = "https://identitytoolkit.googleapis.com"
SECURE_TOKEN = "https://securetoken.googleapis.com"


@contextlib.contextmanager
def serve_firebase(data_dir: Path, **overrides: Any) -> Iterator[tuple[str, FakeFirebaseCerts]]:
    """The real app in Firebase mode, verifying tokens against a fake certificate server."""
    with FakeFirebaseCerts().serve() as certs:
        options: dict[str, Any] = {
            "data_dir": data_dir,
            "firebase_project_id": PROJECT,
            "firebase_certs_url": certs.url,
            "firebase_web_api_key": WEB_KEY,
        }
        settings = Settings(**(options | overrides))
        app = create_app(settings)
        mount_web(app)
        with thread_server(app) as base_url:
            yield base_url, certs


@dataclass
class FakeGoogleAuth:
    """Identity Toolkit's signInWithPassword and Secure Token's refresh, answered inside the browser."""

    certs: FakeFirebaseCerts
    expires_in: str = "3600"  # what the page is told about each ID token's life
    exp_delta: int = 3600  # the real life of the next signed-in token
    refusal: str | None = None  # answer refreshes with this Google error code
    sign_ins: list[dict[str, Any]] = field(default_factory=list)
    refreshes: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def install(self, page: Page) -> None:
        page.route(f"{IDENTITY_TOOLKIT}/**", self._sign_in)
        page.route(f"{SECURE_TOKEN}/**", self._refresh)

    def _reply(self, route: Route, status: int, body: dict[str, Any]) -> None:
        # Google answers the browser with CORS headers; so does the fake.
        route.fulfill(
            status=status,
            content_type="application/json",
            headers={"Access-Control-Allow-Origin": "*"},
            body=json.dumps(body),
        )

    def _error(self, route: Route, message: str) -> None:
        self._reply(route, 400, {"error": {"code": 400, "message": message, "errors": [{"message": message}]}})

    def _sign_in(self, route: Route) -> None:
        request = route.request
        url = urlsplit(request.url)
        body = json.loads(request.post_data or "{}")
        self.sign_ins.append({"path": url.path, "query": parse_qs(url.query), "body": body})
        if request.method != "POST" or url.path != "/v1/accounts:signInWithPassword":
            self.problems.append(f"unexpected {request.method} {request.url}")
        if parse_qs(url.query).get("key") != [WEB_KEY]:
            self._error(route, "API key not valid. Please pass a valid API key.")
            return
        if body.get("email") != EMAIL or body.get("password") != PASSWORD:
            self._error(route, "INVALID_LOGIN_CREDENTIALS")
            return
        if body.get("returnSecureToken") is not True:
            self.problems.append("returnSecureToken was not true")
        token = self.certs.mint("uid-ada", project_id=PROJECT, email=EMAIL, exp_delta=self.exp_delta)
        reply = {
            "kind": "identitytoolkit#VerifyPasswordResponse",
            "localId": "uid-ada",
            "email": EMAIL,
            "displayName": "",
            "idToken": token,
            "registered": True,
            "refreshToken": "refresh-1",
            "expiresIn": self.expires_in,
        }
        self._reply(route, 200, reply)

    def _refresh(self, route: Route) -> None:
        request = route.request
        url = urlsplit(request.url)
        form = parse_qs(request.post_data or "")
        self.refreshes.append({"path": url.path, "query": parse_qs(url.query), "form": form})
        if request.method != "POST" or url.path != "/v1/token":
            self.problems.append(f"unexpected {request.method} {request.url}")
        if "x-www-form-urlencoded" not in (request.headers.get("content-type") or ""):
            self.problems.append(f"refresh sent as {request.headers.get('content-type')}")
        if parse_qs(url.query).get("key") != [WEB_KEY]:
            self._error(route, "API key not valid. Please pass a valid API key.")
            return
        if self.refusal:
            self._error(route, self.refusal)
            return
        if form.get("grant_type") != ["refresh_token"] or not form.get("refresh_token"):
            self._error(route, "INVALID_GRANT_TYPE")
            return
        token = self.certs.mint("uid-ada", project_id=PROJECT, email=EMAIL)
        number = len(self.refreshes) + 1
        reply = {
            "access_token": token,
            "expires_in": "3600",
            "token_type": "Bearer",
            "refresh_token": f"refresh-{number}",
            "id_token": token,
            "user_id": "uid-ada",
            "project_id": "1234567890",
        }
        self._reply(route, 200, reply)


def storage_of(page: Page) -> dict[str, str | None]:
    return dict(
        page.evaluate(
            "() => ({local: localStorage.getItem('interviewsim.firebase.refresh'),"
            " session: sessionStorage.getItem('interviewsim.firebase.refresh')})"
        )
    )


def firebase_sign_in(page: Page, password: str = PASSWORD, *, keep: bool = False) -> None:
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(password)
    page.get_by_label("Keep me signed in").set_checked(keep)
    page.get_by_role("button", name="Sign in").click()


def test_firebase_email_and_password_sign_in_reaches_the_first_question(browser: Browser, tmp_path: Path) -> None:
    with serve_firebase(tmp_path / "data") as (base_url, certs):
        index = httpx.get(f"{base_url}/", timeout=30)
        connect = next(part for part in index.headers["content-security-policy"].split("; ") if "connect" in part)
        assert connect == f"connect-src 'self' {IDENTITY_TOOLKIT} {SECURE_TOKEN}"
        to_google: list[str] = []
        for tab in _open_tab(browser, base_url, 1000, 700):
            page = tab.page
            google = FakeGoogleAuth(certs)
            google.install(page)
            page.on("request", lambda r: to_google.append(r.url) if "googleapis.com" in r.url else None)
            page.goto(base_url + "/")
            expect(page.locator("#firebase-signin")).to_be_visible()
            expect(page.locator("#local-signin")).to_be_hidden()
            expect(page.get_by_label("Access token")).to_be_hidden()
            shoot(page, "firebase-signin")

            firebase_sign_in(page, "not the password")
            expect(page.locator("#firebase-error")).to_have_text(
                "That email and password do not match an account. Check them and try again."
            )
            expect(page.get_by_label("Password")).to_be_focused()
            expect(page.locator("#view-setup")).to_be_hidden()

            # The keyboard alone: email, Tab, password, Tab to the checkbox, Tab to the button, Enter.
            page.get_by_label("Email").fill("")
            page.get_by_label("Email").focus()
            page.keyboard.type(EMAIL)
            page.keyboard.press("Tab")
            page.keyboard.press("Control+A")
            page.keyboard.type(PASSWORD)
            page.keyboard.press("Tab")
            expect(page.get_by_label("Keep me signed in")).to_be_focused()
            page.keyboard.press("Tab")
            expect(page.locator("#firebase-submit")).to_be_focused()
            page.keyboard.press("Enter")
            expect(page.locator("#view-setup")).to_be_visible()
            expect(page.get_by_label("Password")).to_have_value("")  # not kept in the form
            assert storage_of(page) == {"local": None, "session": "refresh-1"}  # not "kept": this tab only
            sign_in_call = google.sign_ins[-1]
            assert sign_in_call["path"] == "/v1/accounts:signInWithPassword"
            assert sign_in_call["query"] == {"key": [WEB_KEY]}
            assert sign_in_call["body"] == {"email": EMAIL, "password": PASSWORD, "returnSecureToken": True}
            assert len(google.sign_ins) == 2 and google.refreshes == []

            fill_setup(page)
            start(page)  # the server verified the Firebase ID token: the first question is on screen
            assert tab.paths("POST", "/api/start-session")[0][2] == 200
            assert answer(page, ANSWERS[0]).strip()

            page.get_by_role("button", name="Sign out").click()
            expect(page.locator("#view-signin")).to_be_visible()
            expect(page.get_by_label("Email")).to_be_focused()
            assert storage_of(page) == {"local": None, "session": None}
            page.reload()
            expect(page.locator("#firebase-signin")).to_be_visible()  # signed out stays signed out
            # Every request meant for Google was answered by the fake; anything else offsite is aborted.
            assert len(to_google) == len(google.sign_ins) + len(google.refreshes) == 2
            assert google.problems == []
            tab.assert_clean()


def test_a_kept_firebase_sign_in_refreshes_before_expiry_and_survives_a_reload(
    browser: Browser, tmp_path: Path
) -> None:
    with serve_firebase(tmp_path / "data") as (base_url, certs):
        for tab in _open_tab(browser, base_url, 1000, 700):
            page = tab.page
            page.clock.install()  # the page's clock only: the tokens keep real time on the server
            google = FakeGoogleAuth(certs)
            google.install(page)
            page.goto(base_url + "/")
            firebase_sign_in(page, keep=True)
            expect(page.locator("#view-setup")).to_be_visible()
            assert storage_of(page) == {"local": "refresh-1", "session": None}
            assert google.refreshes == []

            # 56 minutes on, the hour-long ID token is within the refresh margin: the next call refreshes first.
            page.clock.fast_forward("56:00")
            fill_setup(page)
            start(page)
            assert len(google.refreshes) == 1
            refresh = google.refreshes[0]
            assert refresh["path"] == "/v1/token" and refresh["query"] == {"key": [WEB_KEY]}
            assert refresh["form"] == {"grant_type": ["refresh_token"], "refresh_token": ["refresh-1"]}
            assert storage_of(page) == {"local": "refresh-2", "session": None}  # the rotated token is kept
            assert [status for *_, status, _ in tab.paths("POST", "/api/start-session")] == [200]  # no 401 first

            # "Keep me signed in": a reload is still signed in; the ID token is fetched again from the refresh token.
            page.reload()
            expect(page.locator("#view-setup")).to_be_visible()
            expect(page.get_by_label("Keep me signed in")).to_be_checked()
            page.get_by_role("navigation").get_by_role("button", name="History").click()
            expect(page.locator("#history-list .history-entry")).to_have_count(1)
            assert [r["form"]["refresh_token"] for r in google.refreshes] == [["refresh-1"], ["refresh-2"]]
            assert len(google.sign_ins) == 1
            assert google.problems == []
            tab.assert_clean()


def test_a_401_from_the_api_refreshes_the_firebase_token_once_and_a_refused_refresh_signs_out(
    browser: Browser, tmp_path: Path
) -> None:
    with serve_firebase(tmp_path / "data") as (base_url, certs):
        for tab in _open_tab(browser, base_url, 1000, 700):
            page = tab.page
            page.clock.install()
            # The ID token the page gets has already expired, though it is told it lasts an hour.
            google = FakeGoogleAuth(certs, exp_delta=-120)
            google.install(page)
            page.goto(base_url + "/")
            firebase_sign_in(page)
            expect(page.locator("#view-setup")).to_be_visible()
            # The server refused the stale token; the page refreshed it once and sent the request again.
            assert [status for *_, status, _ in tab.paths("GET", "/api/sessions")] == [401, 200]
            assert len(google.refreshes) == 1
            assert storage_of(page)["session"] == "refresh-2"

            # Later Google refuses the refresh token (revoked, disabled user…): the page asks to sign in again.
            google.refusal = "TOKEN_EXPIRED"
            page.clock.fast_forward("58:00")
            fill_setup(page)
            page.get_by_role("button", name="Start interview").click()
            expect(page.locator("#view-signin")).to_be_visible()
            expect(page.locator("#firebase-error")).to_contain_text("Sign in again")
            expect(page.get_by_label("Email")).to_be_focused()
            assert storage_of(page) == {"local": None, "session": None}
            assert len(google.refreshes) == 2  # tried once, not in a loop
            assert google.problems == []
            tab.assert_clean()


def test_firebase_mode_without_a_web_api_key_says_what_to_set(browser: Browser, tmp_path: Path) -> None:
    with serve_firebase(tmp_path / "data", firebase_web_api_key=None) as (base_url, _certs):
        config = httpx.get(f"{base_url}/web/config.json", timeout=30)
        assert config.headers["cache-control"] == "no-store"
        assert config.json() == {
            "auth": "firebase",
            "firebase_api_key": None,
            "identity_toolkit_url": IDENTITY_TOOLKIT,
            "secure_token_url": SECURE_TOKEN,
        }
        for tab in _open_tab(browser, base_url, 1000, 700):
            page = tab.page
            page.goto(base_url + "/")
            expect(page.locator("#firebase-config-error")).to_contain_text("set FIREBASE_WEB_API_KEY")
            expect(page.get_by_label("Email")).to_be_disabled()
            expect(page.get_by_role("button", name="Sign in")).to_be_disabled()
            tab.assert_clean()


def test_the_page_config_follows_the_auth_mode(site: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    local = httpx.get(f"{site}/web/config.json", timeout=30).json()
    assert local == {
        "auth": "local",
        "firebase_api_key": None,
        "identity_toolkit_url": IDENTITY_TOOLKIT,
        "secure_token_url": SECURE_TOKEN,
    }
    policy = httpx.get(f"{site}/", timeout=30).headers["content-security-policy"]
    assert "connect-src 'self';" in policy and "googleapis" not in policy  # local mode talks to nobody else
    assert "/web/config.json" not in httpx.get(f"{site}/openapi.json", timeout=30).json()["paths"]

    # With the Auth emulator the page signs in against the emulator instead of Google.
    emulator = "127.0.0.1:9099"
    overrides = {"auth_mode": "firebase-emulator", "firebase_auth_emulator_host": emulator}
    # create_app exports the emulator host for firebase-admin; monkeypatch takes it away again afterwards.
    monkeypatch.setenv("FIREBASE_AUTH_EMULATOR_HOST", emulator)
    with serve_firebase(tmp_path / "emulated", **overrides) as (base_url, _certs):
        config = httpx.get(f"{base_url}/web/config.json", timeout=30).json()
        assert config == {
            "auth": "firebase-emulator",
            "firebase_api_key": WEB_KEY,
            "identity_toolkit_url": f"http://{emulator}/identitytoolkit.googleapis.com",
            "secure_token_url": f"http://{emulator}/securetoken.googleapis.com",
        }
        policy = httpx.get(f"{base_url}/", timeout=30).headers["content-security-policy"]
        assert f"connect-src 'self' http://{emulator};" in policy
