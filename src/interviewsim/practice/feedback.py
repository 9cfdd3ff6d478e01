"""Per-question feedback in a report: each question's score and reason, what was covered and missed, a model answer."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError
from rich.console import Console
from rich.table import Table
from rich.text import Text

from interviewsim.evaluation.schema import QuestionFeedback
from interviewsim.reports.content import delivery_line


def questions_of(evaluation: Mapping[str, Any]) -> list[QuestionFeedback]:
    """The graded questions of a stored evaluation (none for one stored before per-question grading)."""
    graded: list[QuestionFeedback] = []
    for item in evaluation.get("questions") or []:
        try:
            graded.append(QuestionFeedback.model_validate(item))
        except ValidationError:
            continue  # one malformed entry does not hide the others
    return graded


def withheld_reason(evaluation: Mapping[str, Any]) -> str | None:
    """Why the interview was not graded, when it was not."""
    details = evaluation.get("details") or {}
    if isinstance(details, Mapping) and details.get("withheld"):
        return str(details.get("withheld_reason") or "The transcript was too thin to grade.")
    return None


def spoken_line(question: QuestionFeedback) -> str:
    """The answer's delivery, with the recogniser's confidence, or "" for a typed answer."""
    line = delivery_line(question.delivery)
    confidence = (question.delivery or {}).get("confidence")
    if line and isinstance(confidence, int | float):
        line += f" (speech-recognition confidence {confidence:.0%})"
    return line


def print_questions(console: Console, evaluation: Mapping[str, Any]) -> None:
    """Each question as a block: score and reason, the answer, covered and missed points, the model answer."""
    reason = withheld_reason(evaluation)
    if reason:
        console.print()
        console.print(Text.assemble(("Not graded: ", "bold yellow"), reason))
    graded = questions_of(evaluation)
    if not graded:
        return
    console.print()
    console.rule("Question by question")
    for number, question in enumerate(graded, start=1):
        console.print()
        console.print(Text.assemble((f"Q{number}. ", "bold"), (question.question, "bold"), f"  {question.score}/100"))
        table = Table.grid(padding=(0, 1))
        table.add_column(style="dim", no_wrap=True)
        table.add_column()
        table.add_row("Why", question.reason)
        table.add_row("Your answer", question.answer_excerpt or "(no answer)")
        spoken = spoken_line(question)
        if spoken:
            table.add_row("Delivery", spoken)
        table.add_row("Covered", ", ".join(question.covered) or "—")
        table.add_row("Missed", ", ".join(question.missed) or "—")
        table.add_row("Model answer", question.model_answer)
        console.print(table)


def markdown_questions(evaluation: Mapping[str, Any]) -> list[str]:
    """The per-question section of the Markdown report (with the reason a grade was withheld, if it was)."""
    out: list[str] = []
    reason = withheld_reason(evaluation)
    if reason:
        out += ["", "## Not graded", "", reason]
    graded = questions_of(evaluation)
    if not graded:
        return out
    out += ["", "## Question by question"]
    for number, question in enumerate(graded, start=1):
        out += ["", f"### {number}. {question.question}", "", f"**Score:** {question.score}/100 — {question.reason}"]
        out += ["", f"**Your answer:** {question.answer_excerpt or '_(no answer)_'}"]
        spoken = spoken_line(question)
        if spoken:
            out += ["", f"**Delivery:** {spoken}"]
        out += [
            "",
            f"**Covered:** {', '.join(question.covered) or '—'}",
            "",
            f"**Missed:** {', '.join(question.missed) or '—'}",
        ]
        out += ["", "**Model answer:**", "", *(f"> {line}".rstrip() for line in question.model_answer.splitlines())]
    return out
