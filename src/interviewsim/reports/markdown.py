"""The report as Markdown."""

from __future__ import annotations

from interviewsim.reports.content import Report, delivery_line


def render_markdown(report: Report) -> str:
    """A Markdown document: scores, summary, then every question with its feedback and model answer."""
    lines = [
        f"# {report.title}",
        "",
        f"{report.subtitle} · {report.date:%Y-%m-%d}",
        "",
        f"**{report.verdict}**" if report.withheld else f"**Score: {report.score}/100** ({report.verdict})",
        "",
        *([] if report.withheld else _score_table(report.scores)),
        "## Summary",
        "",
        report.summary,
        "",
        report.impression,
        "",
    ]
    for heading, items in (
        ("Strengths", report.strengths),
        ("To improve", report.weaknesses),
        ("Recommendations", report.recommendations),
    ):
        if items:
            lines += [f"## {heading}", "", *(f"- {item}" for item in items), ""]
    if report.questions:
        lines += ["## Question by question", ""]
    for number, question in enumerate(report.questions, start=1):
        lines += [f"### {number}. {question.question}", "", f"**{question.score}/100**: {question.reason}", ""]
        lines += [_quoted(question.answer_excerpt or "(no answer)"), ""]
        spoken = delivery_line(question.delivery)
        if spoken:
            lines += [f"*{spoken}*", ""]
        if question.covered:
            lines += ["Covered: " + "; ".join(question.covered), ""]
        if question.missed:
            lines += ["Missed: " + "; ".join(question.missed), ""]
        lines += ["**Model answer:** " + question.model_answer, ""]
    return "\n".join(lines).rstrip() + "\n"


def _score_table(scores: tuple[tuple[str, int], ...]) -> list[str]:
    return ["| Category | Score |", "|---|---|", *(f"| {label} | {value} |" for label, value in scores), ""]


def _quoted(text: str) -> str:
    return "\n".join(f"> {line}" if line else ">" for line in text.splitlines())
