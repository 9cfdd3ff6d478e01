"""`interviewsim simulate`: play personas through interviews and check them against the quality criteria."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import typer

from interviewsim.config import Settings, SettingsError, load_settings
from interviewsim.quality.grader import grade_all
from interviewsim.quality.judge import judge_suite
from interviewsim.quality.llm_candidate import LLMCandidate
from interviewsim.quality.models import MissingKeyError, candidate_model, require_model
from interviewsim.quality.personas import PERSONAS
from interviewsim.quality.records import RunRecord, SuiteReport, Verdict
from interviewsim.quality.report import render, to_json
from interviewsim.quality.runner import Plan, Writer, plans_for, run_plans
from interviewsim.quality.server import Target, temporary_server
from interviewsim.quality.voice.interview import VoiceTransport
from interviewsim.vendors.chat import ChatModel

USAGE_ERROR = 2
Graded = dict[tuple[str, int], list[Verdict]]
Spoken = tuple[Graded, list[Verdict]]  # the voice criteria: per run, and across the suite


def fail(message: str) -> typer.Exit:
    """Print a one-line error and return the exit to raise."""
    typer.echo(f"interviewsim simulate: {message}", err=True)
    return typer.Exit(USAGE_ERROR)


def resolve_personas(requested: Sequence[str]) -> list[str]:
    """Persona names in the catalogue's order; `all` means every persona; unknown names raise ValueError."""
    wanted = {name.strip().lower() for item in requested for name in item.split(",") if name.strip()}
    if not wanted or "all" in wanted:
        return list(PERSONAS)
    unknown = sorted(wanted - set(PERSONAS))
    if unknown:
        raise ValueError(f"unknown persona {', '.join(unknown)}; choose from all, {', '.join(PERSONAS)}")
    return [name for name in PERSONAS if name in wanted]


@dataclass
class Roles:
    """The optional LLM roles of a run."""

    candidate: ChatModel | None = None
    grader: ChatModel | None = None

    async def aclose(self) -> None:
        """Close the vendor clients."""
        for model in (self.candidate, self.grader):
            if model is not None:
                await model.aclose()


async def play_suite(
    target: Target, plans: Sequence[Plan], roles: Roles, *, voice: bool = False
) -> tuple[list[RunRecord], Graded, Spoken]:
    """Play every plan (spoken with `voice`); the records, the LLM grader's verdicts and the voice criteria's."""
    writer: Writer | None = LLMCandidate(roles.candidate) if roles.candidate else None
    transport = VoiceTransport(target) if voice else None
    try:
        records = await run_plans(target, plans, writer, transport)
        graded = await grade_all(roles.grader, records) if roles.grader else {}
    finally:
        await roles.aclose()
    return records, graded, transport.verdicts(records) if transport else ({}, [])


def _roles(llm_candidate: bool, grader: str | None) -> Roles:
    if not llm_candidate and grader is None:
        return Roles()
    settings: Settings = load_settings()
    return Roles(
        candidate=candidate_model(settings) if llm_candidate else None,
        grader=require_model(grader.strip().lower(), settings, "--grader") if grader else None,
    )


@contextlib.contextmanager
def _target(base_url: str | None, token: str | None, provider: str | None) -> Iterator[Target]:
    if base_url:
        yield Target(base_url.rstrip("/"), token or "")
    else:
        with temporary_server(provider) as target:
            yield target


# Typer reads options from the defaults; the list default is never mutated.
def simulate(
    persona: list[str] = typer.Option(["all"], "--persona", "-p", help="Persona, repeatable, or all."),  # noqa: B008
    provider: str | None = typer.Option(
        None,
        "--provider",
        help="Engines of the harness's own server: NAME or INTERVIEWER:EVALUATOR (builtin, anthropic, gemini, "
        "openai). Default: as INTERVIEWER/EVALUATOR are configured.",
    ),
    runs: int = typer.Option(1, "--runs", min=1, max=100, help="Interviews per persona."),
    json_output: bool = typer.Option(False, "--json", help="Print machine-readable JSON instead of tables."),
    base_url: str | None = typer.Option(None, "--base-url", help="Test a running server instead of starting one."),
    token: str | None = typer.Option(None, "--token", help="Bearer token for --base-url."),
    llm_candidate: bool = typer.Option(
        False, "--llm-candidate", help="An LLM words the personas' answers (needs ANTHROPIC_API_KEY or OPENAI_MODEL)."
    ),
    grader: str | None = typer.Option(
        None, "--grader", help="Add LLM-graded criteria with anthropic, gemini or openai (needs its key)."
    ),
    seed: int = typer.Option(1, "--seed", min=0, help="Base seed: run R of every persona uses interview seed SEED+R."),
    voice: bool = typer.Option(
        False,
        "--voice",
        help="Speak the answers through the live voice WebSocket (/api/voice) in real time with the built-in voice, "
        "and add the voice criteria.",
    ),
    duration: int = typer.Option(10, "--duration", min=5, max=90, help="Minutes each interview is planned for."),
) -> None:
    """Play scripted candidates through interviews and check the interviewer and evaluator; exit 1 on any failure."""
    try:
        names = resolve_personas(persona)
    except ValueError as error:
        raise fail(str(error)) from None
    if base_url and provider:
        raise fail("--provider configures the harness's own server; it cannot change a server at --base-url")
    if base_url and not token:
        raise fail("--base-url needs --token (the server's bearer token)")
    try:
        roles = _roles(llm_candidate, grader)
    except (MissingKeyError, SettingsError) as error:
        raise fail(str(error)) from None
    try:
        with _target(base_url, token, provider) as target:
            plans = plans_for(names, runs, seed, duration)
            records, graded, spoken = asyncio.run(play_suite(target, plans, roles, voice=voice))
    except (SettingsError, RuntimeError) as error:
        raise fail(str(error)) from None
    report: SuiteReport = judge_suite(records, graded, *spoken)
    if json_output:
        typer.echo(json.dumps(to_json(report), indent=2))
    else:
        render(report)
    if not report.ok:
        raise typer.Exit(1)
