"""One interview in the terminal: stream the interviewer's turns, read answers, resend after failures."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, TextIO

from rich.console import Console
from rich.prompt import Prompt
from rich.text import Text

from interviewsim.interviews.schemas import MAX_CHAT_CHARS
from interviewsim.practice import render
from interviewsim.practice.client import NO_RESPONSE, ApiError, Delta, InterviewClient

END_MANUAL = "[END_INTERVIEW_MANUAL]"
RESENDABLE = frozenset({NO_RESPONSE, 429, 502, 503})
MAX_RETRY_WAIT_SECONDS = 30.0
INTERRUPTED = 130


@dataclass(frozen=True)
class Answer:
    """What the candidate typed: an answer, or a request to end or to leave."""

    kind: Literal["text", "end", "quit"]
    text: str = ""


def read_answer(stream: TextIO) -> Answer:
    """Read lines until an empty line; "/end" or end of input ends the interview, "/quit" leaves it."""
    lines: list[str] = []
    while True:
        raw = stream.readline()
        if not raw:
            # End of input after some text sends that text; the next read then ends the interview.
            return Answer("text", "\n".join(lines).strip()) if lines else Answer("end")
        line = raw.rstrip("\r\n")
        if not lines:
            command = line.strip().lower()
            if command == "/end":
                return Answer("end")
            if command == "/quit":
                return Answer("quit")
            if not command:
                continue
        elif not line.strip():
            return Answer("text", "\n".join(lines).strip())
        lines.append(line)


class TerminalInterview:
    """Runs one interview against a server, printing to `console` and reading answers from `stdin`."""

    def __init__(self, client: InterviewClient, console: Console, stdin: TextIO, *, interactive: bool) -> None:
        self.client = client
        self.console = console
        self.stdin = stdin
        self.interactive = interactive
        self.session_id = ""

    def run(self, body: Mapping[str, Any]) -> int:
        """Start, hold and grade the interview; the exit code (ApiError from the start propagates)."""
        started = self.client.start(body)
        self.session_id = str(started["session_id"])
        reply: dict[str, Any] = dict(started["first_question"])
        self.console.print(Text.assemble(("Interviewer: ", "bold cyan"), str(reply.get("text_response", ""))))
        self._progress(reply)
        try:
            return self._hold(reply)
        except KeyboardInterrupt:
            self.console.print()
            self._saved("Interrupted.")
            return INTERRUPTED

    def _hold(self, reply: dict[str, Any]) -> int:
        first = True
        while not reply.get("end"):
            hint = " (an empty line sends; /end finishes the interview, /quit leaves it)" if first else ""
            self.console.print(Text.assemble(("You", "bold green"), (hint, "dim"), ":"))
            first = False
            answer = read_answer(self.stdin)
            if not self.interactive and answer.text:
                # Scripted answers are not echoed by a terminal; show them so the log reads as a dialogue.
                self.console.print(Text(answer.text, style="dim"))
            if answer.kind == "quit":
                self._saved("You left without ending the interview.")
                return 0
            message = END_MANUAL if answer.kind == "end" else answer.text
            if len(message) > MAX_CHAT_CHARS:
                warning = (
                    f"That answer has {len(message)} characters; the limit is {MAX_CHAT_CHARS}. Please shorten it."
                )
                self.console.print(Text(warning, style="yellow"))
                continue
            turn = self._turn(message)
            if turn is None:
                self._saved("Stopped.")
                return 1
            reply = turn
        evaluation = reply if "score" in reply else self.client.results(self.session_id)
        render.print_results(self.console, evaluation, self.session_id)
        return 0

    def _saved(self, why: str) -> None:
        self.console.print(Text(f"{why} Everything so far is saved.", style="yellow"))
        self.console.print(Text.assemble(("Session ", "bold"), self.session_id))

    def _progress(self, reply: Mapping[str, Any]) -> None:
        if not reply.get("end"):
            self.console.print(Text(f"  {render.progress_line(reply)}", style="dim"))

    def _turn(self, message: str) -> dict[str, Any] | None:
        """The interviewer's reply; failures the server survives are offered for resending (None: given up)."""
        resent = False
        while True:
            try:
                return self._stream(message)
            except ApiError as error:
                if error.status == 409:
                    # The interview already ended elsewhere (another window, or the server closed it).
                    self.console.print(Text(f"\n{error.message}", style="yellow"))
                    return self.client.results(self.session_id)
                if error.status not in RESENDABLE:
                    raise
                self.console.print()
                self.console.print(Text(error.message, style="yellow"))
                if error.status in (502, 503) and "saved" not in error.message:
                    self.console.print(
                        Text("Your answer is saved; sending it again continues the turn.", style="yellow")
                    )
                elif error.status not in (502, 503):
                    self.console.print(
                        Text("Sending it again is safe: an answer is never stored twice.", style="yellow")
                    )
                if not self._resend_wanted(resent):
                    return None
                if error.retry_after:
                    time.sleep(min(error.retry_after, MAX_RETRY_WAIT_SECONDS))
                resent = True

    def _resend_wanted(self, resent: bool) -> bool:
        if self.interactive:
            try:
                choice = Prompt.ask(
                    "Resend (r) or stop here (q)?", choices=["r", "q"], default="r", console=self.console
                )
            except EOFError:
                return False
            return choice == "r"
        if resent:
            return False
        self.console.print(Text("Resending once…", style="dim"))
        return True

    def _stream(self, message: str) -> dict[str, Any]:
        """Send one message, printing the reply as it arrives."""
        streamed = False
        reply: dict[str, Any] = {}
        for event in self.client.chat_stream(self.session_id, message):
            if isinstance(event, Delta):
                if not streamed:
                    self.console.print(Text("Interviewer: ", style="bold cyan"), end="")
                    streamed = True
                self.console.print(event.text, end="", soft_wrap=True, markup=False, highlight=False)
            else:
                reply = event.reply
        if streamed:
            self.console.print()
        else:
            # Unstreamed (fallback) replies: the final turn's text is the summary, so show the closing words.
            text = reply.get("closing_text") if reply.get("end") else reply.get("text_response")
            if text:
                self.console.print(Text.assemble(("Interviewer: ", "bold cyan"), str(text)))
        self._progress(reply)
        return reply
