"""`practice` (an interview in the terminal) and `report` (a stored evaluation), registered on the CLI."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from rich.console import Console

    from interviewsim.practice.client import ApiError

DOMAINS = ("software", "data", "product", "design", "marketing", "sales")
DEFAULT_ROLES = {
    "software": "Software Engineer",
    "data": "Data Scientist",
    "product": "Product Manager",
    "design": "Product Designer",
    "marketing": "Marketing Manager",
    "sales": "Account Executive",
}
VOICES = ("male", "female")

BaseUrl = Annotated[
    str | None, typer.Option("--base-url", help="A running server (e.g. http://127.0.0.1:5000); default: in-process.")
]
Token = Annotated[str | None, typer.Option("--token", help="Access token for --base-url (default: the local token).")]


def _fail(message: str, code: int = 1) -> typer.Exit:
    typer.echo(f"interviewsim: {message}", err=True)
    return typer.Exit(code)


def _api_failure(error: ApiError) -> typer.Exit:
    hint = " (check --token)" if error.status == 401 else ""
    return _fail(f"{error.message}{hint}")


def _canonical(value: str, allowed: tuple[str, ...], flag: str) -> str:
    for option in allowed:
        if value.strip().lower() == option.lower():
            return option
    raise typer.BadParameter(f"choose one of {', '.join(allowed)}", param_hint=flag)


def _read_file(path: Path | None) -> str | None:
    if path is None:
        return None
    try:
        return path.read_text(encoding="utf-8").strip() or None
    except (OSError, UnicodeDecodeError) as error:
        raise typer.BadParameter(f"cannot read {path}: {error}") from None


def _ask_settings(
    console: Console,
    domain: str | None,
    role: str | None,
    interview_type: str | None,
    difficulty: str | None,
    duration: int | None,
) -> dict[str, Any]:
    """Prompt for every setting not given as a flag."""
    from rich.prompt import IntPrompt, Prompt

    from interviewsim.interviews.schemas import DIFFICULTIES, INTERVIEW_TYPES

    if domain is None:
        domain = Prompt.ask(f"Domain ({'/'.join(DOMAINS)} or any field)", default="software", console=console)
    domain = domain.strip() or "software"
    suggested = DEFAULT_ROLES.get(domain.lower())
    while not role:
        answer = (
            Prompt.ask("Role", default=suggested, console=console) if suggested else Prompt.ask("Role", console=console)
        )
        role = answer.strip()
    if interview_type is None:
        interview_type = Prompt.ask(
            "Interview type", choices=list(INTERVIEW_TYPES), default="Mixed", case_sensitive=False, console=console
        )
    if difficulty is None:
        difficulty = Prompt.ask(
            "Difficulty", choices=list(DIFFICULTIES), default="Intermediate", case_sensitive=False, console=console
        )
    while duration is None or not 5 <= duration <= 90:
        duration = IntPrompt.ask("Duration in minutes (5-90)", default=15, console=console)
    return {
        "domain": domain,
        "role": role,
        "interview_type": _canonical(interview_type, INTERVIEW_TYPES, "--type"),
        "difficulty": _canonical(difficulty, DIFFICULTIES, "--difficulty"),
        "duration": duration,
    }


def practice(
    domain: Annotated[
        str | None, typer.Option("--domain", help=f"{', '.join(DOMAINS)}, or any field (prompted if missing).")
    ] = None,
    role: Annotated[str | None, typer.Option("--role", help="The role you are interviewing for.")] = None,
    interview_type: Annotated[
        str | None, typer.Option("--type", help="Technical, Behavioral, HR or Mixed (prompted; default Mixed).")
    ] = None,
    difficulty: Annotated[
        str | None, typer.Option("--difficulty", help="Beginner, Intermediate or Advanced (prompted).")
    ] = None,
    duration: Annotated[int | None, typer.Option("--duration", min=5, max=90, help="Minutes (prompted).")] = None,
    voice_style: Annotated[str, typer.Option("--voice", help="Interviewer voice: male or female.")] = "female",
    job_description_file: Annotated[
        Path | None, typer.Option("--job-description", exists=True, dir_okay=False, help="A job description file.")
    ] = None,
    resume_file: Annotated[
        Path | None, typer.Option("--resume", exists=True, dir_okay=False, help="Your résumé as a text file.")
    ] = None,
    base_url: BaseUrl = None,
    token: Token = None,
    seed: Annotated[int | None, typer.Option("--seed", min=0, help="Replay the same built-in interview.")] = None,
) -> None:
    """Practise an interview in the terminal; it is stored like any other and graded at the end."""
    from rich.console import Console

    from interviewsim.interviews.schemas import DIFFICULTIES, INTERVIEW_TYPES
    from interviewsim.practice.client import ApiError
    from interviewsim.practice.interview import TerminalInterview
    from interviewsim.practice.server import SetupError, connect

    console = Console(highlight=False, emoji=False)
    if interview_type is not None:
        interview_type = _canonical(interview_type, INTERVIEW_TYPES, "--type")
    if difficulty is not None:
        difficulty = _canonical(difficulty, DIFFICULTIES, "--difficulty")
    voice = _canonical(voice_style, VOICES, "--voice")
    body: dict[str, Any] = {"voice_style": voice, "seed": seed}
    body["job_description"] = _read_file(job_description_file)
    body["resume"] = _read_file(resume_file)
    try:
        body.update(_ask_settings(console, domain, role, interview_type, difficulty, duration))
    except (EOFError, KeyboardInterrupt):
        raise _fail("the interview settings were not completed") from None
    body = {key: value for key, value in body.items() if value is not None}
    try:
        with connect(base_url, token) as client:
            interview = TerminalInterview(client, console, sys.stdin, interactive=sys.stdin.isatty())
            code = interview.run(body)
    except SetupError as error:
        raise _fail(str(error), 2) from None
    except ApiError as error:
        raise _api_failure(error) from None
    if code:
        raise typer.Exit(code)


def report(
    session_id: Annotated[str, typer.Argument(help="The interview's session id (printed at the end of practice).")],
    json_output: Annotated[bool, typer.Option("--json", help="Print the raw evaluation JSON.")] = False,
    markdown: Annotated[bool, typer.Option("--markdown", help="Print a Markdown report.")] = False,
    base_url: BaseUrl = None,
    token: Token = None,
) -> None:
    """Show the stored evaluation of one interview."""
    from rich.console import Console

    from interviewsim.practice import render
    from interviewsim.practice.client import ApiError
    from interviewsim.practice.server import SetupError, connect

    if json_output and markdown:
        raise typer.BadParameter("choose either --json or --markdown", param_hint="--json/--markdown")
    try:
        with connect(base_url, token) as client:
            detail = client.session(session_id)
    except SetupError as error:
        raise _fail(str(error), 2) from None
    except ApiError as error:
        if error.status == 404:
            raise _fail(f"no interview with id {session_id} was found") from None
        raise _api_failure(error) from None
    evaluation = detail.get("evaluation")
    if not isinstance(evaluation, dict):
        raise _fail(f"this interview has no evaluation yet ({detail.get('status', 'in progress')})")
    if json_output:
        typer.echo(json.dumps(evaluation, indent=2, ensure_ascii=False))
    elif markdown:
        typer.echo(render.markdown_report(detail, evaluation), nl=False)
    else:
        render.print_report(Console(highlight=False, emoji=False), detail, evaluation)
