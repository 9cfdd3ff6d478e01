"""The report as a self-contained, print-ready HTML page (no script; the chart is inline SVG)."""

from __future__ import annotations

from html import escape

from interviewsim.reports.content import Report, delivery_line

# The page loads nothing and runs nothing: only its own inline style and SVG.
CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'"
BAR_WIDTH = 320
STYLE = """
body { font: 15px/1.5 system-ui, sans-serif; color: #1c2430; max-width: 46rem; margin: 2rem auto; padding: 0 1rem; }
h1 { margin-bottom: 0; } .meta { color: #5a6473; margin-top: .25rem; }
.score { font-size: 1.4rem; font-weight: 700; }
.question { border-top: 1px solid #d8dde5; padding-top: .75rem; margin-top: 1rem; break-inside: avoid; }
blockquote { margin: .5rem 0; padding: .25rem .75rem; border-left: 3px solid #9aa7b8; color: #333d4a; }
.model { background: #eef6ee; padding: .5rem .75rem; border-radius: 6px; }
.missed { color: #9a3a12; } .covered { color: #1d6b2f; } .spoken { color: #5a6473; font-style: italic; }
@page { margin: 18mm; }
@media print { body { margin: 0; max-width: none; } a { color: inherit; text-decoration: none; } }
"""


def render_html(report: Report) -> str:
    """The whole page."""
    e = escape
    sections = [
        f"<h1>{e(report.title)}</h1>",
        f'<p class="meta">{e(report.subtitle)} · {report.date:%Y-%m-%d}</p>',
        f'<p class="score">{e(report.verdict)}</p>'
        if report.withheld
        else f'<p class="score">{report.score}/100 <small>({e(report.verdict)})</small></p>',
        "" if report.withheld else chart_svg(report.scores),
        f"<h2>Summary</h2><p>{e(report.summary)}</p><p>{e(report.impression)}</p>",
    ]
    for heading, items in (
        ("Strengths", report.strengths),
        ("To improve", report.weaknesses),
        ("Recommendations", report.recommendations),
    ):
        if items:
            sections.append(f"<h2>{heading}</h2><ul>{''.join(f'<li>{e(i)}</li>' for i in items)}</ul>")
    if report.questions:
        sections.append("<h2>Question by question</h2>")
    for number, q in enumerate(report.questions, start=1):
        spoken = delivery_line(q.delivery)
        parts = [
            f'<section class="question"><h3>{number}. {e(q.question)}</h3>',
            f"<p><strong>{q.score}/100</strong>: {e(q.reason)}</p>",
            f"<blockquote>{e(q.answer_excerpt or '(no answer)')}</blockquote>",
            f'<p class="spoken">{e(spoken)}</p>' if spoken else "",
            f'<p class="covered">Covered: {e("; ".join(q.covered))}</p>' if q.covered else "",
            f'<p class="missed">Missed: {e("; ".join(q.missed))}</p>' if q.missed else "",
            f'<p class="model"><strong>Model answer:</strong> {e(q.model_answer)}</p></section>',
        ]
        sections.append("".join(parts))
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{e(report.title)}</title><style>{STYLE}</style></head><body>" + "\n".join(sections) + "</body></html>"
    )


def chart_svg(scores: tuple[tuple[str, int], ...]) -> str:
    """A horizontal bar per score, 0-100."""
    row = 26
    bars = []
    for index, (label, value) in enumerate(scores):
        y = index * row
        bars.append(
            f'<text x="0" y="{y + 16}" font-size="13">{escape(label)}</text>'
            f'<rect x="120" y="{y + 4}" width="{BAR_WIDTH}" height="16" fill="#e3e8ef"/>'
            f'<rect x="120" y="{y + 4}" width="{BAR_WIDTH * value // 100}" height="16" fill="{bar_colour(value)}"/>'
            f'<text x="{130 + BAR_WIDTH}" y="{y + 16}" font-size="13">{value}</text>'
        )
    height = row * len(scores)
    return (
        f'<svg role="img" aria-label="Scores" width="{BAR_WIDTH + 170}" height="{height}" '
        f'viewBox="0 0 {BAR_WIDTH + 170} {height}" xmlns="http://www.w3.org/2000/svg">{"".join(bars)}</svg>'
    )


def bar_colour(value: int) -> str:
    """Green from 70, amber from 45, else red."""
    return "#2e8540" if value >= 70 else "#c7861b" if value >= 45 else "#c0392b"
