"""Reports over real HTTP: export formats, share links (opt-in, read-only, revocable, expiring), drills, progress."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import httpx
import pytest

from interviewsim.config import Settings
from tests.conftest import Api
from tests.integration.test_contract import ANSWERS, run_interview


def graded_interview(api: Api) -> tuple[str, dict]:
    """A finished, graded interview of the api's user: (its id, its results)."""
    session_id, _ = run_interview(api, ANSWERS)
    final = api.say(session_id, "[END_INTERVIEW_MANUAL]")
    assert final["end"] is True
    return session_id, final


def expire_share_links(settings: Settings) -> None:
    """Move every share link's expiry into the past, in the test's database."""
    past = datetime.now(UTC) - timedelta(minutes=1)
    url = settings.database_url
    if url.startswith("sqlite"):
        with sqlite3.connect(url.split("///", 1)[1]) as db:
            db.execute("UPDATE share_links SET expires_at = ?", (past.strftime("%Y-%m-%d %H:%M:%S.%f"),))
        return

    async def update() -> None:
        connection = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
        try:
            await connection.execute("UPDATE share_links SET expires_at = $1", past)
        finally:
            await connection.close()

    asyncio.run(update())


def test_the_report_downloads_as_markdown_html_and_pdf(alice: Api, bob: Api, tmp_path: Path) -> None:
    session_id, final = graded_interview(alice)
    questions = final["questions"]
    assert questions and all(q["model_answer"] and q["reason"] for q in questions)

    md = alice.client.get(f"/api/sessions/{session_id}/report", params={"format": "md"})
    assert md.status_code == 200 and md.headers["content-type"].startswith("text/markdown")
    assert "attachment" in md.headers["content-disposition"]
    assert f"**Score: {final['score']}/100**" in md.text and questions[0]["question"] in md.text
    assert md.text.count("**Model answer:**") == len(questions)

    page = alice.client.get(f"/api/sessions/{session_id}/report")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "script-src" not in page.headers["content-security-policy"]  # default-src 'none': nothing runs
    assert "<script" not in page.text and "<svg" in page.text and "@media print" in page.text

    pdf = alice.client.get(f"/api/sessions/{session_id}/report", params={"format": "pdf"})
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf.content)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert f"Score: {final['score']}/100" in text and "Question by question" in text and "Model answer:" in text
    assert "Overall" in text and "Communication" in text  # the chart's labels

    for format in ("md", "pdf", "html"):
        assert bob.client.get(f"/api/sessions/{session_id}/report", params={"format": format}).status_code == 404
    bad = alice.client.get(f"/api/sessions/{session_id}/report", params={"format": "docx"})
    assert bad.status_code == 422 and bad.json()["error"]
    unauthenticated = httpx.get(f"{alice.client.base_url}/api/sessions/{session_id}/report")
    assert unauthenticated.status_code == 401


def report_text(api: Api, session_id: str, format: str, tmp_path: Path) -> str:
    """The report in `format` as text (a PDF read back with pdftotext)."""
    response = api.client.get(f"/api/sessions/{session_id}/report", params={"format": format})
    assert response.status_code == 200, response.text
    if format != "pdf":
        return response.text
    path = tmp_path / "report.pdf"
    path.write_bytes(response.content)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


@pytest.mark.parametrize("format", ["md", "html", "pdf"])
def test_a_withheld_grade_is_reported_as_not_graded(alice: Api, format: str, tmp_path: Path) -> None:
    session_id = alice.start()["session_id"]
    final = alice.say(session_id, "[END_INTERVIEW_MANUAL]")  # no answer at all: the grade is withheld
    assert final["end"] is True and final["details"]["withheld"] is True
    text = report_text(alice, session_id, format, tmp_path)
    assert "Not graded: too little to judge fairly" in text and "No grade was given." in text
    assert "pass mark" not in text and "/100" not in text  # its zeros are not a score
    assert "Overall" not in text and "<svg" not in text  # nor a chart of them


def test_an_ungraded_interview_has_no_report_yet(alice: Api) -> None:
    session_id = alice.start()["session_id"]
    response = alice.client.get(f"/api/sessions/{session_id}/report", params={"format": "md"})
    assert response.status_code == 409 and "not been graded" in response.json()["error"]
    assert alice.client.post(f"/api/sessions/{session_id}/share").status_code == 409
    assert alice.client.get("/api/sessions/no-such-session/report").status_code == 404


def test_a_share_link_is_opt_in_read_only_revocable_and_expires(alice: Api, bob: Api, settings: Settings) -> None:
    session_id, final = graded_interview(alice)
    assert bob.client.post(f"/api/sessions/{session_id}/share").status_code == 404
    assert bob.client.delete(f"/api/sessions/{session_id}/share").status_code == 404

    created = alice.client.post(f"/api/sessions/{session_id}/share", json={"expires_in_days": 3})
    assert created.status_code == 200, created.text
    url = created.json()["url"]
    token = url.rsplit("/", 1)[1]
    assert len(token) >= 40 and session_id not in url
    expires = datetime.fromisoformat(created.json()["expires_at"])
    assert timedelta(days=2, hours=23) < expires - datetime.now(UTC) <= timedelta(days=3)

    with httpx.Client() as reader:  # no token at all
        page = reader.get(url)
        assert page.status_code == 200 and f"{final['score']}/100" in page.text
        assert reader.get(url, params={"format": "pdf"}).content.startswith(b"%PDF-")
        assert reader.post(url).status_code == 405  # read-only
        assert reader.get(f"{alice.client.base_url}/api/sessions/{session_id}").status_code == 401
        assert reader.get(url[:-1] + ("A" if url[-1] != "A" else "B")).status_code == 404

        second = alice.client.post(f"/api/sessions/{session_id}/share").json()["url"]
        assert second != url
        assert alice.client.delete(f"/api/sessions/{session_id}/share").status_code == 204
        for revoked in (url, second):
            gone = reader.get(revoked)
            assert gone.status_code == 410 and "revoked" in gone.json()["error"]

        third = alice.client.post(f"/api/sessions/{session_id}/share").json()["url"]
        assert reader.get(third).status_code == 200
        expire_share_links(settings)
        expired = reader.get(third)
        assert expired.status_code == 410 and "expired" in expired.json()["error"]
    assert alice.client.post(f"/api/sessions/{session_id}/share", json={"expires_in_days": 90}).status_code == 422


def test_a_drill_reasks_one_question_links_back_and_shows_in_progress(alice: Api, bob: Api) -> None:
    original, final = graded_interview(alice)
    weakest = min(range(len(final["questions"])), key=lambda i: final["questions"][i]["score"])
    asked = final["questions"][weakest]

    started = alice.start(drill={"session_id": original, "question_index": weakest})
    drill_id = started["session_id"]
    first = started["first_question"]
    assert first["kind"] == "question" and first["phase"] == "core"
    assert asked["question"].endswith(first["text_response"]) or first["text_response"] in asked["question"]

    answer = (
        "I'd start by measuring, because guessing wastes time: I'd add tracing and read the slow query log. "
        "Then I'd fix the biggest cost first, for example an index on the orders table, which in my last role "
        "took p95 from 800 ms to 120 ms, and I'd check the result with the same load test afterwards."
    )
    reply = alice.say(drill_id, answer)
    for _ in range(3):
        if reply["end"]:
            break
        reply = alice.say(drill_id, "No further questions, thank you.")
    results = alice.client.post("/api/results", json={"session_id": drill_id}).json()
    assert len(results["questions"]) == 1
    assert results["questions"][0]["question_id"] == asked["question_id"]

    detail = alice.client.get(f"/api/sessions/{drill_id}").json()
    assert detail["drill_of"] == original and detail["drill_question"] == weakest
    assert alice.client.get(f"/api/sessions/{original}").json()["drill_of"] is None

    progress = alice.client.get("/api/progress").json()
    [entry] = [q for q in progress["questions"] if q["question_id"] == asked["question_id"]]
    scores = [asked["score"], results["questions"][0]["score"]]
    assert entry["attempts"] == 2 and entry["best"] == max(scores) and entry["latest"] == scores[1]
    assert [h["drill"] for h in entry["history"]] == [False, True]
    skills = {s["skill"]: s for s in progress["skills"]}
    for skill in asked["skills"]:
        assert skills[skill]["attempts"] >= 2 and skills[skill]["latest"] == scores[1]
    assert bob.client.get("/api/progress").json() == {"skills": [], "questions": []}

    for body, status in (
        ({"session_id": original, "question_index": weakest}, 404),  # bob's view: not his interview
        ({"session_id": original, "question_index": 99}, 404),
        ({"session_id": original, "question_index": -1}, 422),
    ):
        api = bob if status == 404 and body["question_index"] == weakest else alice
        response = api.client.post(
            "/api/start-session", json={"domain": "software", "role": "Backend Engineer", "drill": body}
        )
        assert response.status_code == status and response.json()["error"], response.text


@pytest.mark.parametrize("path", ["/api/progress"])
def test_progress_needs_a_token(live: str, path: str) -> None:
    assert httpx.get(f"{live}{path}").status_code == 401
