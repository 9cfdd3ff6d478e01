"""The results page's per-question feedback, report downloads, share link and drill button in a real Chromium."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
from playwright.sync_api import expect

from tests.e2e.test_web_page import (  # noqa: F401  (browser, site and tab are fixtures)
    ANSWERS,
    Tab,
    answer,
    browser,
    fill_setup,
    shoot,
    sign_in,
    site,
    start,
    tab,
)

BETTER = (
    "I'd start by measuring, because guessing wastes time: I'd open the performance panel and the slow query "
    "log, then fix the biggest cost first, for example an index on the orders table, which in my last role took "
    "p95 from 800 ms to 120 ms, and I'd measure again with the same load test."
)


def test_per_question_feedback_downloads_sharing_and_a_drill(tab: Tab, tmp_path: Path) -> None:  # noqa: F811
    page = tab.page
    sign_in(tab)
    fill_setup(page, "Technical", "10")
    start(page)
    for text in ANSWERS:
        answer(page, text)
    page.get_by_role("button", name="End interview").click()
    expect(page.locator("#view-results")).to_be_visible()

    questions = page.locator("#questions > li")
    expect(questions.first).to_be_visible()
    count = questions.count()
    assert count >= 1
    first = questions.first
    expect(first.locator(".question-score")).to_have_text(re.compile(r"^\d{1,3}/100$"))
    expect(first.locator(".question-reason")).to_have_text(re.compile(r"\.$"))
    expect(first.locator("blockquote")).to_contain_text(ANSWERS[2][:40])
    expect(first.locator(".covered, .missed").first).to_be_visible()
    model = first.locator(".model-answer")
    model.locator("summary").click()
    expect(model.locator("p")).to_contain_text("I'd answer in")
    shoot(page, "results-questions")

    with page.expect_download() as pdf_download:
        page.get_by_role("button", name="Download PDF").click()
    saved = tmp_path / "report.pdf"
    pdf_download.value.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF-") and pdf_download.value.suggested_filename.endswith(".pdf")

    page.get_by_role("button", name="Create a share link").click()
    link = page.get_by_label("Share link")
    expect(link).to_have_value(re.compile(r"/shared/[\w-]{40,}$"))
    shared_url = link.input_value()
    assert httpx.get(shared_url).status_code == 200  # no token: the report alone
    page.get_by_role("button", name="Stop sharing").click()
    expect(page.locator("#share-status")).to_contain_text("Sharing stopped")
    assert httpx.get(shared_url).status_code == 410

    original_question = first.locator(".question-text").inner_text()
    first.get_by_role("button", name="Practise this question again").click()
    expect(page.locator("#view-interview")).to_be_visible()
    bubbles = page.locator("#transcript .bubble.interviewer:not(.pending)")
    expect(bubbles).to_have_count(1)
    expect(page.locator("#progress")).to_have_text("Question 1 of 1")
    asked = bubbles.first.locator(".text").inner_text()
    assert asked.strip() and asked.strip() in original_question
    answer(page, BETTER)
    page.get_by_role("button", name="End interview").click()
    expect(page.locator("#view-results")).to_be_visible()
    expect(page.locator("#questions > li")).to_have_count(1)
    expect(page.locator("#results-meta")).to_contain_text("Drill")

    page.get_by_role("navigation").get_by_role("button", name="History").click()
    skills = page.locator("#skills .skill")
    expect(skills.first).to_be_visible()
    expect(skills.first).to_contain_text(re.compile(r"latest \d+, best \d+"))
    tab.assert_clean()
