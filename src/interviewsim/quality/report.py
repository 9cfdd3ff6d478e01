"""The harness's output: rich tables per persona with a summary, or machine-readable JSON."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.console import Console
from rich.table import Table

from interviewsim.quality.records import RunReport, SuiteReport, Verdict


def _persona_order(report: SuiteReport) -> list[str]:
    return list(dict.fromkeys(run.record.persona for run in report.runs))


def _runs_of(report: SuiteReport, persona: str) -> list[RunReport]:
    return [run for run in report.runs if run.record.persona == persona]


def _verdict_json(verdict: Verdict) -> dict[str, Any]:
    return {"name": verdict.name, "passed": verdict.passed, "turn": verdict.turn, "detail": verdict.detail}


def to_json(report: SuiteReport) -> dict[str, Any]:
    """The whole report as plain JSON types."""
    personas: dict[str, Any] = {}
    for persona in _persona_order(report):
        runs = _runs_of(report, persona)
        personas[persona] = {
            "passed": sum(run.passed for run in runs),
            "total": sum(len(run.verdicts) for run in runs),
            "runs": [
                {
                    "run": run.record.run,
                    "seed": run.record.seed,
                    "session_id": run.record.session_id,
                    "score": run.record.score,
                    "control_score": run.record.control.score if run.record.control else None,
                    "ended_by": run.record.ended_by,
                    "turns": len(run.record.messages),
                    "error": run.record.error,
                    "criteria": [_verdict_json(v) for v in run.verdicts],
                }
                for run in runs
            ],
        }
    return {
        "ok": report.ok,
        "passed": report.passed,
        "total": report.total,
        "personas": personas,
        "cross": [_verdict_json(v) for v in report.cross],
        "graded": report.graded_means or None,
    }


def _status(passed: bool) -> str:
    return "[green]pass[/green]" if passed else "[bold red]FAIL[/bold red]"


def _criterion_rows(runs: list[RunReport]) -> Iterable[tuple[str, str, str, str, str]]:
    """One row per criterion: status, runs passed, the first broken turn and its detail."""
    names = list(dict.fromkeys(v.name for run in runs for v in run.verdicts))
    for name in names:
        verdicts = [(run.record.run, v) for run in runs for v in run.verdicts if v.name == name]
        failed = [(number, v) for number, v in verdicts if not v.passed]
        passed = len(verdicts) - len(failed)
        if failed:
            number, first = failed[0]
            turn = f"run {number}, turn {first.turn}" if first.turn is not None else f"run {number}"
            detail = first.detail
        else:
            turn, detail = "", verdicts[0][1].detail if len(verdicts) == 1 else ""
        yield name, _status(not failed), f"{passed}/{len(verdicts)}", turn, detail


def render(report: SuiteReport, console: Console | None = None) -> None:
    """Print a table per persona, the cross-persona checks, the grader's means and a summary."""
    console = console or Console()
    summary = Table(title="Summary", title_justify="left")
    for column in ("persona", "criteria passed", "mean score"):
        summary.add_column(column)
    for persona in _persona_order(report):
        runs = _runs_of(report, persona)
        table = Table(title=persona, title_justify="left")
        for column in ("criterion", "result", "runs", "broken at", "detail"):
            table.add_column(column, overflow="fold")
        for row in _criterion_rows(runs):
            table.add_row(*row)
        console.print(table)
        scores = [run.record.score for run in runs if run.record.score is not None]
        mean = f"{sum(scores) / len(scores):.0f}" if scores else "-"
        total = sum(len(run.verdicts) for run in runs)
        summary.add_row(persona, f"{sum(run.passed for run in runs)}/{total}", mean)
    if report.cross:
        cross = Table(title="cross-persona", title_justify="left")
        for column in ("criterion", "result", "detail"):
            cross.add_column(column)
        for verdict in report.cross:
            cross.add_row(verdict.name, _status(verdict.passed), verdict.detail)
        console.print(cross)
    if report.graded_means:
        graded = Table(title="LLM grader (share of transcripts passing)", title_justify="left")
        graded.add_column("criterion")
        graded.add_column("mean")
        for name, value in report.graded_means.items():
            graded.add_row(name, f"{value:.2f}")
        console.print(graded)
    console.print(summary)
    colour = "green" if report.ok else "bold red"
    console.print(f"[{colour}]{report.passed}/{report.total} criteria passed[/{colour}]")
