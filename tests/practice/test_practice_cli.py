"""`practice` and `report` end to end: scripted stdin against the built-in engines on real servers."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import typer
from typer.testing import CliRunner

from interviewsim.app import create_app
from interviewsim.config import Settings
from interviewsim.engines.factory import build_engines
from interviewsim.interviewer.base import InterviewerReply, TurnContext
from interviewsim.practice.client import Delta, Done, InterviewClient, iter_sse
from interviewsim.practice.commands import practice, report
from interviewsim.practice.interview import Answer, read_answer
from interviewsim.vendors.errors import ProviderError
from tests.support.servers import thread_server

TOKEN = "practice-test-token"
SESSION_ID = re.compile(r"Session ([0-9a-f-]{36})")
ANSWERS = [
    "Very well, thank you. I spent the morning reviewing a design document with my team.",
    "I enjoy hiking on weekends and I have been learning to cook Thai food.",
    "I would add a composite index on the filter columns, check the plan with EXPLAIN, and cache hot reads in "
    "Redis with a short TTL. Then I would measure p95 latency before and after to confirm the gain.",
    "At my last job a deploy broke checkout. I rolled back within ten minutes, led the postmortem, and we added a "
    "canary stage to the pipeline, which cut incidents by half over the next quarter.",
    "I would use a token bucket per user kept in Redis, refilled at a fixed rate, and answer 429 with Retry-After.",
]
FLAGS = [
    "--domain",
    "software",
    "--role",
    "Backend Engineer",
    "--type",
    "Mixed",
    "--difficulty",
    "Intermediate",
    "--duration",
    "15",
    "--seed",
    "7",
]


def script(answers: list[str], last: str = "/end") -> str:
    """Answers separated by blank lines, then `last`."""
    return "".join(f"{answer}\n\n" for answer in answers) + f"{last}\n"


@pytest.fixture
def app() -> typer.Typer:
    """A Typer app with the two commands registered as the CLI registers them."""
    cli = typer.Typer()
    cli.command()(practice)
    cli.command()(report)
    return cli


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str | None]:
    """A fresh data directory and a fixed token; settings that would change the engines are cleared."""
    cleared: dict[str, str | None] = {
        name: None for name in ("DATABASE_URL", "INTERVIEWER", "EVALUATOR", "VOICE", "HOST", "AUTH_MODE")
    }
    return {**cleared, "DATA_DIR": str(tmp_path / "data"), "LOCAL_TOKEN": TOKEN}


@pytest.fixture
def runner(env: dict[str, str | None]) -> CliRunner:
    return CliRunner(env=env)


def run(runner: CliRunner, app: typer.Typer, args: list[str], stdin: str = "") -> Any:
    return runner.invoke(app, args, input=stdin, catch_exceptions=False)


def session_id_in(output: str) -> str:
    found = SESSION_ID.search(output)
    assert found, output
    return found.group(1)


@pytest.fixture
def finished(runner: CliRunner, app: typer.Typer) -> str:
    """A practice interview run in-process to its end; its session id."""
    result = run(runner, app, ["practice", *FLAGS], script(ANSWERS))
    assert result.exit_code == 0, result.output
    return session_id_in(result.output)


def test_practice_streams_the_interview_and_prints_the_results(runner: CliRunner, app: typer.Typer) -> None:
    result = run(runner, app, ["practice", *FLAGS], script(ANSWERS))
    out = result.output
    assert result.exit_code == 0, out
    assert "Interviewer: Hello" in out and "welcome" in out
    assert re.search(r"Question 1 of \d+ · [\d.]+ min left", out), out
    assert out.count("Interviewer:") >= len(ANSWERS) + 1
    for label in ("Overall", "Communication", "Technical", "Confidence", "Behavior"):
        assert re.search(rf"{label}\s+│\s+\d+ │ [█░]{{20}}", out), label
    assert re.search(r"Decision: (Selected|Not selected) \(overall \d+, pass mark 65\)", out)
    assert "Strengths" in out and "Weaknesses" in out and "Recommendations" in out and "Evidence" in out
    assert f"interviewsim report {session_id_in(out)}" in out


def test_the_interview_is_stored_like_any_other(finished: str, env: dict[str, str | None]) -> None:
    settings = Settings(data_dir=Path(str(env["DATA_DIR"])), local_token=TOKEN)
    with thread_server(create_app(settings)) as base_url:
        client = httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {TOKEN}"})
        sessions = client.get("/api/sessions").json()["sessions"]
        detail = client.get(f"/api/sessions/{finished}").json()
    assert [s["session_id"] for s in sessions] == [finished]
    assert detail["status"] == "ended" and detail["ended_by"] == "manual"
    answers = [m["text"] for m in detail["messages"] if m["role"] == "user"]
    assert answers == ANSWERS


def test_report_renders_the_stored_evaluation(runner: CliRunner, app: typer.Typer, finished: str) -> None:
    result = run(runner, app, ["report", finished])
    assert result.exit_code == 0, result.output
    assert "Interview report: Backend Engineer (software)" in result.output
    assert re.search(r"Transcript\s+\d+ messages, 5 answers", result.output)
    assert "Decision:" in result.output and finished in result.output


def test_report_json_is_the_raw_evaluation(runner: CliRunner, app: typer.Typer, finished: str) -> None:
    result = run(runner, app, ["report", finished, "--json"])
    assert result.exit_code == 0, result.output
    evaluation = json.loads(result.output)
    assert isinstance(evaluation["score"], int) and isinstance(evaluation["selected"], bool)
    assert evaluation["details"]["evidence"]


def test_report_markdown(runner: CliRunner, app: typer.Typer, finished: str) -> None:
    result = run(runner, app, ["report", finished, "--markdown"])
    assert result.exit_code == 0, result.output
    markdown = result.output
    assert markdown.startswith("# Interview report: Backend Engineer (software)\n")
    assert "| Category | Score | Bar |" in markdown and re.search(r"\| Technical \| \d+ \|", markdown)
    assert "## Strengths\n\n- " in markdown and "## Recommendations\n\n- " in markdown
    assert re.search(r"## Evidence\n\n> \S", markdown)
    assert "1. **Q:** Hello" in markdown and f"**A:** {ANSWERS[0]}" in markdown


def test_report_on_an_unknown_session_exits_1(runner: CliRunner, app: typer.Typer) -> None:
    result = run(runner, app, ["report", "00000000-0000-0000-0000-000000000000"])
    assert result.exit_code == 1
    assert "no interview with id 00000000-0000-0000-0000-000000000000 was found" in result.output


def test_report_on_an_unfinished_interview_exits_1(runner: CliRunner, app: typer.Typer) -> None:
    left = run(runner, app, ["practice", *FLAGS], script(ANSWERS[:1], last="/quit"))
    assert left.exit_code == 0, left.output
    assert "You left without ending the interview" in left.output and "Results" not in left.output
    result = run(runner, app, ["report", session_id_in(left.output)])
    assert result.exit_code == 1
    assert "this interview has no evaluation yet" in result.output


def test_practice_prompts_for_missing_settings(runner: CliRunner, app: typer.Typer) -> None:
    # Domain, role (accept the suggested default), type, difficulty (default), duration; then two answers.
    prompts = "data\n\nbehavioral\n\n10\n"
    result = run(runner, app, ["practice"], prompts + script(ANSWERS[:2]))
    out = result.output
    assert result.exit_code == 0, out
    assert "Domain" in out and "Role (Data Scientist)" in out and "[Technical/Behavioral/HR/Mixed]" in out
    assert "Interviewer: Hello" in out and "Data Scientist" in out and "behavioral" in out.lower()
    assert "Decision:" in out
    json_result = run(runner, app, ["report", session_id_in(out), "--markdown"])
    assert "- **Type:** Behavioral" in json_result.output and "- **Duration:** 10 min" in json_result.output


def test_end_of_input_ends_the_interview(runner: CliRunner, app: typer.Typer) -> None:
    result = run(runner, app, ["practice", *FLAGS], "\n\n".join(ANSWERS[:3]))
    assert result.exit_code == 0, result.output
    assert "Decision:" in result.output


def test_invalid_type_flag_is_a_usage_error(runner: CliRunner, app: typer.Typer) -> None:
    result = run(runner, app, ["practice", *FLAGS, "--type", "Casual"])
    assert result.exit_code == 2
    assert "Technical, Behavioral, HR, Mixed" in result.output


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Settings]]:
    """A separate running server with its own data directory."""
    settings = Settings(data_dir=tmp_path / "server", local_token="server-token-012")
    with thread_server(create_app(settings)) as base_url:
        yield base_url, settings


def test_practice_against_a_running_server(
    runner: CliRunner, app: typer.Typer, server: tuple[str, Settings], env: dict[str, str | None]
) -> None:
    base_url, _ = server
    args = ["practice", *FLAGS, "--base-url", base_url, "--token", "server-token-012"]
    result = run(runner, app, args, script(ANSWERS[:3]))
    assert result.exit_code == 0, result.output
    session_id = session_id_in(result.output)
    headers = {"Authorization": "Bearer server-token-012"}
    sessions = httpx.get(f"{base_url}/api/sessions", headers=headers).json()["sessions"]
    assert [s["session_id"] for s in sessions] == [session_id]
    assert not (Path(str(env["DATA_DIR"])) / "interviewsim.db").exists()
    shown = run(runner, app, ["report", session_id, "--json", "--base-url", base_url, "--token", "server-token-012"])
    assert json.loads(shown.output)["score"] == sessions[0]["score"]


def test_a_wrong_token_is_reported(runner: CliRunner, app: typer.Typer, server: tuple[str, Settings]) -> None:
    base_url, _ = server
    result = run(runner, app, ["practice", *FLAGS, "--base-url", base_url, "--token", "wrong"], script([]))
    assert result.exit_code == 1
    assert "interviewsim:" in result.output


class FlakyInterviewer:
    """The built-in interviewer, failing on the chosen calls (counted from 0, the greeting)."""

    can_stream = False

    def __init__(self, inner: Any, failing: set[int]) -> None:
        self.inner = inner
        self.name = "flaky"
        self.failing = failing
        self.calls = 0

    async def respond(self, context: TurnContext) -> InterviewerReply:
        call, self.calls = self.calls, self.calls + 1
        if call in self.failing:
            raise ProviderError("flaky", "overloaded", retryable=True)
        reply: InterviewerReply = await self.inner.respond(context)
        return reply


def flaky_server(tmp_path: Path, failing: set[int]) -> Any:
    settings = Settings(data_dir=tmp_path / "flaky", local_token="flaky-token-0123")
    engines = build_engines(settings)
    engines.interviewer = FlakyInterviewer(engines.interviewer, failing)
    return thread_server(create_app(settings, engines=engines))


def test_a_failed_turn_is_resent_once(runner: CliRunner, app: typer.Typer, tmp_path: Path) -> None:
    with flaky_server(tmp_path, failing={1}) as base_url:
        args = ["practice", *FLAGS, "--base-url", base_url, "--token", "flaky-token-0123"]
        result = run(runner, app, args, script(ANSWERS[:2]))
        assert result.exit_code == 0, result.output
        assert "could not reply" in result.output and "answer is saved" in result.output
        assert "Resending once" in result.output and "Decision:" in result.output
        detail = httpx.get(
            f"{base_url}/api/sessions/{session_id_in(result.output)}",
            headers={"Authorization": "Bearer flaky-token-0123"},
        ).json()
    assert [m["text"] for m in detail["messages"] if m["role"] == "user"] == ANSWERS[:2]


def test_a_turn_failing_twice_stops_with_the_session_saved(runner: CliRunner, app: typer.Typer, tmp_path: Path) -> None:
    with flaky_server(tmp_path, failing={1, 2}) as base_url:
        args = ["practice", *FLAGS, "--base-url", base_url, "--token", "flaky-token-0123"]
        result = run(runner, app, args, script(ANSWERS[:2]))
    assert result.exit_code == 1
    assert (
        "Resending once" in result.output
        and "Stopped. Everything so far is saved." in result.output
        and "Session " in result.output
    )


def test_read_answer_joins_lines_until_a_blank_line() -> None:
    stream = io.StringIO("\n\nfirst line\nsecond line\n\n/END\n")
    assert read_answer(stream) == Answer("text", "first line\nsecond line")
    assert read_answer(stream) == Answer("end")
    assert read_answer(io.StringIO("/quit\n")) == Answer("quit")
    trailing = io.StringIO("no blank line at the end")
    assert read_answer(trailing) == Answer("text", "no blank line at the end")
    assert read_answer(trailing) == Answer("end")


def test_iter_sse_parses_frames() -> None:
    lines = [
        "event: delta",
        'data: {"text":"Hi"}',
        "",
        ": comment",
        "data: a",
        "data: b",
        "",
        "event: done",
        "data: {}",
    ]
    assert list(iter_sse(lines)) == [("delta", '{"text":"Hi"}'), ("message", "a\nb"), ("done", "{}")]


def test_client_falls_back_to_plain_chat_without_the_stream_route() -> None:
    reply = {"text_response": "Next question?", "end": False}
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        if request.url.path == "/api/chat/stream":
            return httpx.Response(404, json={"error": "Not Found", "code": "http_error"})
        return httpx.Response(200, json=reply)

    with InterviewClient("http://127.0.0.1:9", "t", transport=httpx.MockTransport(handler)) as client:
        assert list(client.chat_stream("s", "hello")) == [Done(reply)]
        assert list(client.chat_stream("s", "again")) == [Done(reply)]
    assert seen == ["/api/chat/stream", "/api/chat", "/api/chat"]


def test_client_streams_deltas_then_done() -> None:
    frames = ["event: delta", 'data: {"text":"Hel"}', "", "event: delta", 'data: {"text":"lo"}', ""]
    body = "\n".join([*frames, "event: done", 'data: {"end":false}', "", ""])

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text=body, headers={"content-type": "text/event-stream"})

    with InterviewClient("http://127.0.0.1:9", "t", transport=httpx.MockTransport(handler)) as client:
        assert list(client.chat_stream("s", "hello")) == [Delta("Hel"), Delta("lo"), Done({"end": False})]
