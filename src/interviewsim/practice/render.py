"""Rendering of turns, results and reports: rich for the terminal, plain Markdown for files."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from interviewsim.practice.feedback import markdown_questions, print_questions

SCORES = (
    ("Overall", "score"),
    ("Communication", "communication_score"),
    ("Technical", "technical_score"),
    ("Confidence", "confidence_score"),
    ("Behavior", "behavior_score"),
)
BAR_WIDTH = 20
DEFAULT_PASS_MARK = 65
PHASE_NAMES = {"warmup": "Warm-up", "wrapup": "Wrap-up", "ended": "Ended"}


def progress_line(reply: Mapping[str, Any]) -> str:
    """Where the interview stands: "Question 2 of 6 · 11.5 min left" (or the phase outside core questions)."""
    phase = str(reply.get("phase", ""))
    number, planned = int(reply.get("question_number") or 0), int(reply.get("questions_planned") or 0)
    if phase == "core" and number > 0:
        where = f"Question {number} of {planned}"
    else:
        where = PHASE_NAMES.get(phase, phase.title() or "Interview")
    minutes = float(reply.get("minutes_left") or 0.0)
    return f"{where} · {minutes:.1f} min left"


def bar(score: int, width: int = BAR_WIDTH) -> str:
    """A horizontal bar for a 0-100 score."""
    filled = round(max(0, min(100, score)) * width / 100)
    return "█" * filled + "░" * (width - filled)


def pass_mark_of(evaluation: Mapping[str, Any]) -> int:
    """The pass mark the evaluation was judged against."""
    details = evaluation.get("details") or {}
    mark = details.get("pass_mark") if isinstance(details, Mapping) else None
    return mark if isinstance(mark, int) else DEFAULT_PASS_MARK


def items(evaluation: Mapping[str, Any], key: str) -> list[str]:
    """A list field (strengths, weaknesses, recommendations) from `details`, else from its "- a\\n- b" string."""
    details = evaluation.get("details") or {}
    listed = details.get(key) if isinstance(details, Mapping) else None
    if isinstance(listed, list):
        return [str(item) for item in listed]
    text = str(evaluation.get(key) or "")
    return [line.strip().removeprefix("- ").strip() for line in text.splitlines() if line.strip()]


def evidence(evaluation: Mapping[str, Any]) -> list[tuple[str, str]]:
    """`(quote, comment)` pairs the evaluator cited."""
    details = evaluation.get("details") or {}
    cited = details.get("evidence") if isinstance(details, Mapping) else None
    if not isinstance(cited, list):
        return []
    return [(str(e.get("quote", "")), str(e.get("comment", ""))) for e in cited if isinstance(e, Mapping)]


def decision(evaluation: Mapping[str, Any]) -> str:
    """ "Selected" or "Not selected"."""
    return "Selected" if evaluation.get("selected") else "Not selected"


def _style(score: int, pass_mark: int) -> str:
    if score >= pass_mark:
        return "green"
    return "yellow" if score >= pass_mark - 15 else "red"


def score_table(evaluation: Mapping[str, Any]) -> Table:
    """The five scores with bars, coloured against the pass mark."""
    pass_mark = pass_mark_of(evaluation)
    table = Table(title="Scores", title_justify="left", show_edge=True)
    table.add_column("Category")
    table.add_column("Score", justify="right")
    table.add_column(f"(pass mark {pass_mark})", no_wrap=True)
    for label, key in SCORES:
        score = int(evaluation.get(key) or 0)
        table.add_row(label, str(score), Text(bar(score), style=_style(score, pass_mark)))
    return table


def _section(console: Console, title: str, lines: list[str], bullet: str = "•") -> None:
    """A titled block; each line gets a hanging indent under its bullet."""
    lines = [line for line in lines if line.strip()]
    if not lines:
        return
    console.print()
    console.print(Text(title, style="bold"))
    grid = Table.grid(padding=(0, 1), pad_edge=True)
    grid.add_column(width=len(bullet) + 1, justify="right")
    grid.add_column()
    for line in lines:
        grid.add_row(bullet, Text(line))
    console.print(grid)


def print_results(console: Console, evaluation: Mapping[str, Any], session_id: str) -> None:
    """The evaluation: scores, decision, summary, strengths, weaknesses, recommendations, evidence."""
    console.print()
    console.rule("Results")
    console.print(score_table(evaluation))
    verdict = decision(evaluation)
    overall = int(evaluation.get("score") or 0)
    style = "bold green" if evaluation.get("selected") else "bold red"
    console.print(
        Text.assemble(
            ("Decision: ", "bold"), (verdict, style), f" (overall {overall}, pass mark {pass_mark_of(evaluation)})"
        )
    )
    _section(console, "Summary", [str(evaluation.get("text_response") or "")], bullet=" ")
    _section(console, "Overall impression", [str(evaluation.get("overall_impression") or "")], bullet=" ")
    _section(console, "Strengths", items(evaluation, "strengths"))
    _section(console, "Weaknesses", items(evaluation, "weaknesses"))
    _section(console, "Recommendations", items(evaluation, "recommendations"))
    quotes = [f"“{quote}” — {comment}" for quote, comment in evidence(evaluation)]
    _section(console, "Evidence", quotes, bullet="›")
    console.print()
    console.print(Text.assemble(("Session ", "bold"), session_id))
    console.print(Text.assemble(("See it again: ", "dim"), (f"interviewsim report {session_id}", "cyan")))


def transcript_counts(detail: Mapping[str, Any]) -> tuple[int, int]:
    """`(messages, candidate answers)` in a stored interview."""
    messages = detail.get("messages") or []
    answers = sum(1 for m in messages if isinstance(m, Mapping) and m.get("role") == "user")
    return len(messages), answers


def settings_rows(detail: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The interview's settings and status as label/value pairs."""
    total, answers = transcript_counts(detail)
    status = str(detail.get("status", ""))
    if detail.get("ended_by"):
        status += f" ({detail['ended_by']})"
    return [
        ("Session", str(detail.get("session_id", ""))),
        ("Role", str(detail.get("role", ""))),
        ("Domain", str(detail.get("domain", ""))),
        ("Type", str(detail.get("interview_type", ""))),
        ("Difficulty", str(detail.get("difficulty", ""))),
        ("Duration", f"{detail.get('duration', '')} min"),
        ("Started", str(detail.get("created_at", ""))),
        ("Status", status),
        ("Questions", f"{detail.get('questions_asked', 0)} of {detail.get('questions_planned', 0)}"),
        ("Transcript", f"{total} messages, {answers} answers"),
    ]


def print_report(console: Console, detail: Mapping[str, Any], evaluation: Mapping[str, Any]) -> None:
    """A stored interview: its settings, then its evaluation."""
    title = f"Interview report: {detail.get('role', '')} ({detail.get('domain', '')})"
    console.rule(Text(title, style="bold"))
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold")
    table.add_column()
    for label, value in settings_rows(detail):
        table.add_row(label, value)
    console.print(table)
    print_results(console, evaluation, str(detail.get("session_id", "")))
    print_questions(console, evaluation)


def _indent(text: str, prefix: str) -> str:
    """Continuation lines indented so a multi-line text stays inside its Markdown list item."""
    lines = text.strip().splitlines()
    return "\n".join(lines[:1] + [prefix + line if line.strip() else "" for line in lines[1:]])


def _quote(text: str) -> str:
    return "\n".join(f"> {line}".rstrip() for line in text.strip().splitlines()) or ">"


def markdown_report(detail: Mapping[str, Any], evaluation: Mapping[str, Any]) -> str:
    """The whole report as Markdown: settings, scores, lists, evidence as blockquotes, and the Q&A."""
    out = [f"# Interview report: {detail.get('role', '')} ({detail.get('domain', '')})", ""]
    out += [f"- **{label}:** {value}" for label, value in settings_rows(detail)]
    pass_mark = pass_mark_of(evaluation)
    verdict = f"**{decision(evaluation)}**: overall {int(evaluation.get('score') or 0)}/100 (pass mark {pass_mark})"
    out += ["", "## Result", "", verdict, "", str(evaluation.get("text_response") or "").strip(), ""]
    out += ["| Category | Score | Bar |", "|---|---:|---|"]
    out += [
        f"| {label} | {int(evaluation.get(key) or 0)} | `{bar(int(evaluation.get(key) or 0))}` |"
        for label, key in SCORES
    ]
    impression = str(evaluation.get("overall_impression") or "").strip()
    if impression:
        out += ["", "## Overall impression", "", impression]
    for title, key in (
        ("Strengths", "strengths"),
        ("Weaknesses", "weaknesses"),
        ("Recommendations", "recommendations"),
    ):
        listed = items(evaluation, key)
        if listed:
            out += ["", f"## {title}", "", *(f"- {_indent(item, '  ')}" for item in listed)]
    cited = evidence(evaluation)
    if cited:
        out += ["", "## Evidence"]
        for quote, comment in cited:
            out += ["", _quote(quote), "", f"— {comment.strip()}"]
    out += markdown_questions(evaluation)
    out += ["", "## Transcript", "", *_qa_list(detail)]
    return "\n".join(out).rstrip() + "\n"


def _qa_list(detail: Mapping[str, Any]) -> list[str]:
    """Each interviewer turn with the candidate's answer to it, as a numbered list."""
    lines: list[str] = []
    number = 0
    for message in detail.get("messages") or []:
        if not isinstance(message, Mapping):
            continue
        text = _indent(str(message.get("text", "")), "   ")
        if message.get("role") == "user":
            lines += ["", f"   **A:** {text}"]
        else:
            number += 1
            lines += ["", f"{number}. **Q:** {text}"]
    return lines[1:] if lines else ["_No messages._"]
