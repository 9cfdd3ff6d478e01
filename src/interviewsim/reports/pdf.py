"""The report as a PDF, drawn with fpdf2 (pure Python: no system libraries, no browser), chart included."""

from __future__ import annotations

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from interviewsim.reports.content import Report, delivery_line

# fpdf2's built-in Helvetica covers Latin-1 only; common typographic marks are mapped to their plain forms.
_PLAIN = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-", "…": "...", "•": "-", "·": "-"})
GREEN, AMBER, RED, TRACK = (46, 133, 64), (199, 134, 27), (192, 57, 43), (227, 232, 239)
BAR_MM = 110


def plain(text: str) -> str:
    """Text the core font can draw: typographic marks made plain, anything else outside Latin-1 as '?'."""
    return text.translate(_PLAIN).encode("latin-1", "replace").decode("latin-1")


def render_pdf(report: Report) -> bytes:
    """An A4 PDF: title, score chart, summary, lists, then each question with its feedback."""
    pdf = FPDF(format="A4")
    pdf.set_title(plain(report.title))
    pdf.set_creator("interviewsim")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 18)
    _text(pdf, report.title, 8)
    pdf.set_font("Helvetica", "", 10)
    _text(pdf, f"{report.subtitle} - {report.date:%Y-%m-%d}", 5)
    pdf.ln(2)
    pdf.set_font("Helvetica", "B", 14)
    _text(pdf, report.verdict if report.withheld else f"Score: {report.score}/100 ({report.verdict})", 7)
    pdf.ln(2)
    if not report.withheld:  # its scores are placeholders: no chart of zeros
        _chart(pdf, report.scores)
    _heading(pdf, "Summary")
    _paragraph(pdf, report.summary)
    _paragraph(pdf, report.impression)
    for heading, items in (
        ("Strengths", report.strengths),
        ("To improve", report.weaknesses),
        ("Recommendations", report.recommendations),
    ):
        if items:
            _heading(pdf, heading)
            for item in items:
                _paragraph(pdf, f"- {item}")
    if report.questions:
        _heading(pdf, "Question by question")
    for number, q in enumerate(report.questions, start=1):
        pdf.set_font("Helvetica", "B", 11)
        _text(pdf, f"{number}. {q.question}", 5.5)
        _paragraph(pdf, f"{q.score}/100: {q.reason}", style="B")
        _paragraph(pdf, f'Your answer: "{q.answer_excerpt or "(no answer)"}"', style="I")
        spoken = delivery_line(q.delivery)
        if spoken:
            _paragraph(pdf, spoken, style="I")
        if q.covered:
            _paragraph(pdf, "Covered: " + "; ".join(q.covered))
        if q.missed:
            _paragraph(pdf, "Missed: " + "; ".join(q.missed))
        _paragraph(pdf, "Model answer: " + q.model_answer)
        pdf.ln(2)
    return bytes(pdf.output())


def _text(pdf: FPDF, text: str, height: float) -> None:
    pdf.multi_cell(0, height, plain(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _heading(pdf: FPDF, text: str) -> None:
    pdf.ln(3)
    pdf.set_font("Helvetica", "B", 13)
    _text(pdf, text, 7)


def _paragraph(pdf: FPDF, text: str, style: str = "") -> None:
    pdf.set_font("Helvetica", style, 10)
    _text(pdf, text, 5)


def _chart(pdf: FPDF, scores: tuple[tuple[str, int], ...]) -> None:
    """One horizontal bar per score on a grey 0-100 track, its value at the end."""
    pdf.set_font("Helvetica", "", 10)
    left = pdf.l_margin
    for label, value in scores:
        y = pdf.get_y()
        pdf.set_xy(left, y)
        pdf.cell(32, 6, plain(label))
        pdf.set_fill_color(*TRACK)
        pdf.rect(left + 34, y + 1, BAR_MM, 4, style="F")
        pdf.set_fill_color(*(GREEN if value >= 70 else AMBER if value >= 45 else RED))
        if value:
            pdf.rect(left + 34, y + 1, BAR_MM * value / 100, 4, style="F")
        pdf.set_xy(left + 36 + BAR_MM, y)
        pdf.cell(12, 6, str(value), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)
