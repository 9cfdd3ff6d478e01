"""The LLM interviewer: prompt, hidden note, and robust parsing of real-looking model output."""

from __future__ import annotations

import pytest

from interviewsim.interviewer.base import InterviewBrief, Turn, TurnContext
from interviewsim.interviewer.llm import LLMInterviewer, build_messages, parse_reply
from interviewsim.interviewer.prompts import system_prompt
from interviewsim.interviews.domain import Directive, TurnKind
from interviewsim.vendors.chat import ChatResult
from interviewsim.vendors.parsing import extract_json_object
from tests.support.models import ScriptedModel

BRIEF = InterviewBrief(
    domain="data",
    role="Data Analyst",
    interview_type="Technical",
    difficulty="Advanced",
    duration=30,
    job_description="We need strong SQL and dbt skills.",
)


def context(directive: Directive, transcript: tuple[Turn, ...] = ()) -> TurnContext:
    return TurnContext(
        brief=BRIEF,
        directive=directive,
        transcript=transcript,
        questions_asked=2,
        questions_planned=13,
        minutes_left=21.5,
        seed=1,
    )


def result(text: str) -> ChatResult:
    return ChatResult(text=text, provider="anthropic", model="m", usage={"input_tokens": 10, "output_tokens": 5})


def test_system_prompt_carries_the_settings_and_contract() -> None:
    prompt = system_prompt(BRIEF, 13)
    for fragment in (
        "Data Analyst",
        "data",
        "Technical",
        "Advanced",
        "30 minutes",
        "13 core questions",
        "strong SQL and dbt",
        "text_response",
        "voice_response",
        '"end"',
        "Never reveal",
    ):
        assert fragment in prompt
    assert "21.5" not in prompt  # nothing turn-specific: the system prompt stays cacheable


def test_hidden_note_rides_on_the_latest_answer_only() -> None:
    transcript = (
        Turn("assistant", "Hi! How are you?", kind="greeting"),
        Turn("user", "Good, thanks."),
        Turn("assistant", "What got you into data?", kind="warmup"),
        Turn("user", "Curiosity about numbers."),
    )
    messages = build_messages(context(Directive.TRANSITION, transcript))
    assert [m.role for m in messages] == ["user", "assistant", "user", "assistant", "user"]
    assert messages[0].content.startswith("(The candidate has joined")
    assert messages[2].content == "Good, thanks."
    assert messages[-1].content.startswith("Curiosity about numbers.\n\n<interviewer_note>")
    assert "core questions asked: 2 of 13" in messages[-1].content
    assert "minutes left: 21.5" in messages[-1].content


def test_greeting_has_only_the_note_and_resent_answers_merge() -> None:
    assert [m.role for m in build_messages(context(Directive.GREET))] == ["user"]
    transcript = (Turn("assistant", "Q?"), Turn("user", "first try"), Turn("user", "second try"))
    messages = build_messages(context(Directive.CORE, transcript))
    assert [m.role for m in messages] == ["user", "assistant", "user"]
    assert messages[-1].content.startswith("first try\n\nsecond try")


@pytest.mark.parametrize(
    "raw",
    [
        '{"text_response": "Thanks. **How would you index a 1B-row table?**", '
        '"voice_response": "Thanks. How would you index a 1B-row table?", "kind": "question", "end": false}',
        '```json\n{"text_response": "Thanks. **How would you index a 1B-row table?**", "kind": "question",'
        ' "end": false}\n```',
        'Sure! Here is my reply:\n{"text_response": "Thanks. **How would you index a 1B-row table?**", '
        '"kind": "question"}\nLet me know if you need anything else.',
    ],
)
def test_parses_json_fenced_and_prose_wrapped(raw: str) -> None:
    reply = parse_reply(result(raw), Directive.CORE)
    assert reply.text == "Thanks. **How would you index a 1B-row table?**"
    assert reply.voice == "Thanks. How would you index a 1B-row table?"
    assert reply.kind == TurnKind.QUESTION and reply.end is False and reply.provider == "anthropic"
    assert reply.usage == {"input_tokens": 10, "output_tokens": 5}


def test_plain_text_becomes_the_reply() -> None:
    reply = parse_reply(result("That makes sense — could you give a concrete example? 🙂"), Directive.CORE)
    assert reply.text == "That makes sense — could you give a concrete example? 🙂"
    assert reply.voice == "That makes sense could you give a concrete example?"
    assert reply.kind == TurnKind.QUESTION


def test_missing_fields_get_safe_defaults() -> None:
    reply = parse_reply(result('{"voice_response": "Could you say more about that?"}'), Directive.WARMUP)
    assert reply.text == "Could you say more about that?" and reply.kind == TurnKind.WARMUP
    reply = parse_reply(result('{"text_response": "Bye!", "kind": "closing", "end": true}'), Directive.WARMUP)
    assert reply.end is False and reply.kind == TurnKind.WARMUP  # the plan decides when it ends


def test_close_always_ends_and_core_may_end_early() -> None:
    assert parse_reply(result('{"text_response": "Thank you, goodbye."}'), Directive.CLOSE).end is True
    early = parse_reply(result('{"text_response": "We will stop here.", "end": true}'), Directive.CORE)
    assert early.end is True and early.kind == TurnKind.CLOSING


def test_fixed_kinds_for_transition_and_wrapup() -> None:
    raw = '{"text_response": "Let us begin. What is a window function?", "kind": "warmup"}'
    assert parse_reply(result(raw), Directive.TRANSITION).kind == TurnKind.QUESTION
    assert parse_reply(result('{"text_response": "Any questions for me?"}'), Directive.WRAPUP).kind == TurnKind.WRAPUP


def test_extract_json_skips_broken_objects() -> None:
    assert extract_json_object('{"a": 1') is None
    assert extract_json_object('noise {oops} then {"a": {"b": 2}} tail') == {"a": {"b": 2}}


async def test_interviewer_sends_prompt_and_parses() -> None:
    model = ScriptedModel(['{"text_response": "Hello! How are you today?", "kind": "greeting"}'])
    reply = await LLMInterviewer(model).respond(context(Directive.GREET))
    assert reply.text == "Hello! How are you today?" and reply.kind == TurnKind.GREETING
    assert "Data Analyst" in model.calls[0]["system"]
    assert "<interviewer_note>" in model.calls[0]["messages"][-1].content


def test_the_note_asks_for_a_wrap_up_once_the_plan_is_done() -> None:
    done = TurnContext(
        brief=BRIEF,
        directive=Directive.CORE,
        transcript=(Turn("user", "My answer."),),
        questions_asked=13,
        questions_planned=13,
        minutes_left=3.0,
        seed=1,
    )
    note = build_messages(done)[-1].content
    assert "kind=wrapup" in note and "do not ask a new core question" in note
