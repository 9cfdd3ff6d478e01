"""A Claude interviewer on the wire-level fake that follows the server's plan but misbehaves on purpose."""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from interviewsim.config import Settings
from interviewsim.interviewer.builtin.bank import default_bank
from interviewsim.quality.criteria import checkable_points
from interviewsim.quality.server import UNTHROTTLED, Target, local_server
from tests.fakes.anthropic import FakeAnthropic, serve

KEY = "sk-ant-quality-0123456789"
TOKEN = "quality-test-token"
KINDS = {"greet": "greeting", "warmup": "warmup", "wrapup": "wrapup", "close": "closing"}
QUESTIONS = (
    "How would you design a rate limiter for a public API?",
    "Tell me about a time you disagreed with a teammate; what did you do?",
    "How would you find the cause of a slow database query?",
    "Where do you see your career going in the next few years?",
    "How would you roll out a risky change to production?",
)
LEAKED = default_bank().questions[0]
LEAKED_POINT = checkable_points(LEAKED)[0]

Mode = str  # "good" | "repeat" | "two_questions" | "key_point" | "rubric"


def _note(body: dict[str, Any]) -> tuple[str, int, int]:
    """The directive and the core questions asked and planned, from the hidden note on the last message."""
    content = body["messages"][-1]["content"]
    text = content if isinstance(content, str) else " ".join(block.get("text", "") for block in content)
    phase = re.search(r"phase: (\w+)", text)
    counts = re.search(r"core questions asked: (\d+) of (\d+)", text)
    asked, planned = (int(counts.group(1)), int(counts.group(2))) if counts else (0, 0)
    return (phase.group(1) if phase else ""), asked, planned


def _question(mode: Mode, number: int) -> str:
    """The text of core question `number` (1-based) in `mode`."""
    if mode == "repeat":
        return QUESTIONS[0]
    if mode == "two_questions" and number == 2:
        return "What is a cache? And when would you avoid using one?"
    if mode == "key_point" and number == 1:
        return f"{LEAKED.text} A strong answer would mention {LEAKED_POINT}."
    if mode == "rubric" and number == 2:
        return f"The rubric says a good answer covers trade-offs. {QUESTIONS[1]}"
    return QUESTIONS[(number - 1) % len(QUESTIONS)]


def interviewer(mode: Mode) -> Callable[[dict[str, Any]], str]:
    """A reply function for FakeAnthropic: the right kind for every directive, with the chosen fault."""

    def reply(body: dict[str, Any]) -> str:
        phase, asked, planned = _note(body)
        kind = KINDS.get(phase, "question")
        if kind == "question" and phase == "core" and asked >= planned:
            kind = "wrapup"  # the note says the plan is done
        if kind == "question":
            text = f"Thanks. {_question(mode, asked + 1)}"
        elif kind == "greeting":
            text = "Hello and welcome! How are you today?"
        elif kind == "warmup":
            text = "Nice. What got you into this field?"
        elif kind == "wrapup":
            text = "That's all my questions. Do you have any questions for me?"
        else:
            text = "Thank you for your time today. Goodbye!"
        return json.dumps({"text_response": text, "voice_response": text, "kind": kind, "end": kind == "closing"})

    return reply


def claude_settings(data_dir: Path, anthropic_url: str) -> Settings:
    """The app on the fake Claude interviewer and the built-in evaluator, unthrottled."""
    return Settings(
        data_dir=data_dir,
        local_token=TOKEN,
        anthropic_api_key=KEY,
        anthropic_base_url=anthropic_url,
        interviewer=["anthropic"],
        evaluator=["builtin"],
        provider_max_retries=0,
        rate_limit_sessions=UNTHROTTLED,
        rate_limit_chat=UNTHROTTLED,
        rate_limit_results=UNTHROTTLED,
    )


@contextlib.contextmanager
def claude_server(mode: Mode, data_dir: Path) -> Iterator[Target]:
    """The service with a fake Claude interviewer misbehaving in `mode`."""
    fake = FakeAnthropic(default=interviewer(mode), api_key=KEY)
    with serve(fake) as url, local_server(claude_settings(data_dir, url)) as target:
        yield target
