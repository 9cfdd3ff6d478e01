"""The PDF report, rendered to PNG with poppler's pdftoppm and read back with pdftotext."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime
from pathlib import Path

from PIL import Image

from interviewsim.evaluation.builtin import evaluate
from interviewsim.reports.content import Report
from interviewsim.reports.pdf import AMBER, GREEN, RED, TRACK, render_pdf
from tests.unit.test_builtin_evaluator import STRONG, WEAK, interview
from tests.unit.test_question_feedback import DELIVERY


def report(questions: int = 4) -> Report:
    strong = evaluate(interview(STRONG)).questions
    weak = evaluate(interview(WEAK)).questions
    graded = [*(strong + weak) * 3][:questions]
    if graded:
        spoken = {"delivery": DELIVERY, "answer_excerpt": "Naïve “quotes” — and 😀 emoji"}
        graded[0] = graded[0].model_copy(update=spoken)
    return Report(
        title="Backend Engineer: Technical interview",
        subtitle="software · Intermediate · 15 minutes",
        date=datetime(2026, 11, 27, tzinfo=UTC),
        score=82,
        selected=True,
        pass_mark=60,
        scores=(("Overall", 82), ("Technical", 90), ("Communication", 75), ("Confidence", 40), ("Behavior", 0)),
        summary="A strong interview.",
        impression="Ready for the next level.",
        strengths=("Quantified impact",),
        weaknesses=("Hedging",),
        recommendations=("Practise STAR",),
        questions=tuple(graded),
    )


def pages(path: Path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(next(line for line in info.splitlines() if line.startswith("Pages:")).split()[1])


def test_the_pdf_renders_with_its_chart_text_and_pages(tmp_path: Path) -> None:
    path = tmp_path / "report.pdf"
    path.write_bytes(render_pdf(report(questions=12)))
    count = pages(path)
    assert count >= 3  # twelve questions with model answers do not fit on one page
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(path), str(tmp_path / "page")], check=True)
    images = sorted(tmp_path.glob("page-*.png"))
    assert len(images) == count

    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "Backend Engineer: Technical interview" in text and "Score: 82/100 (Passed the pass mark of 60)" in text
    assert text.count("Model answer:") == 12 and "Spoken: 120 words per minute, 2 fillers" in text
    assert 'Naïve "quotes" - and ? emoji' in text  # Latin-1 kept, typography made plain, the rest replaced

    chart = Image.open(images[0]).convert("RGB")
    counts = {colour: count for count, colour in chart.getcolors(maxcolors=1 << 24) or []}
    # Overall, Technical and Communication are drawn green, Confidence (40) red, Behavior (0) as an empty track.
    assert counts.get(GREEN, 0) > 3 * counts.get(RED, 0) > 0 and AMBER not in counts
    assert counts.get(TRACK, 0) > counts[RED]


def test_a_short_report_is_one_page(tmp_path: Path) -> None:
    path = tmp_path / "short.pdf"
    path.write_bytes(render_pdf(report(questions=0)))
    assert pages(path) == 1
