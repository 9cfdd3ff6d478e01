"""The interview flow through the turn runner, with scripted engines on a temporary SQLite file (no server)."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from interviewsim.auth.base import AuthUser
from interviewsim.errors import Conflict, Unprocessable, UpstreamError
from interviewsim.interviewer.base import InterviewerReply, TurnContext
from interviewsim.interviews.domain import Directive
from interviewsim.shared.locks import LockTimeout
from interviewsim.vendors.errors import ProviderError
from tests.interviews.scripted import Harness, follows_the_plan, harness

ALICE = AuthUser("alice")
ANSWERS = (
    "Very well, thanks.",
    "I enjoy hiking.",
    "I would add a composite index and check the plan with EXPLAIN.",
    "A token bucket per user in Redis, answering 429 with Retry-After.",
    "I rolled back a bad deploy and added a canary stage.",
)


@pytest.fixture
async def service(tmp_path: Path) -> AsyncIterator[Harness]:
    async with harness(tmp_path) as built:
        yield built


async def test_the_server_runs_the_plan_and_grades_once(service: Harness) -> None:
    session_id = await service.start(ALICE)
    replies = [await service.say(ALICE, session_id, answer) for answer in ANSWERS]
    assert [r["phase"] for r in replies] == ["warmup", "core", "core", "core", "wrapup"]
    assert [r["question_number"] for r in replies] == [0, 1, 2, 3, 3]
    final = await service.say(ALICE, session_id, "No questions, thank you.")
    assert final["end"] is True and final["score"] == 80 and final["selected"] is True
    assert service.interviewer.directives == [
        Directive.GREET,
        Directive.WARMUP,
        Directive.TRANSITION,
        Directive.CORE,
        Directive.CORE,
        Directive.CORE,  # the plan is done: the interviewer itself wraps up
        Directive.CLOSE,
    ]
    [graded] = service.evaluator.inputs
    assert graded.ended_by == "completed" and len(graded.questions) == 3
    assert graded.questions[0].answers == (ANSWERS[2],)
    with pytest.raises(Conflict):
        await service.say(ALICE, session_id, "One more thing.")


async def test_an_interviewer_that_asks_past_the_plan_is_told_to_wrap_up(service: Harness) -> None:
    def always_asks(context: TurnContext) -> InterviewerReply:
        if context.directive in (Directive.CORE, Directive.TRANSITION):
            return follows_the_plan(dataclasses.replace(context, questions_asked=0))
        return follows_the_plan(context)

    service.interviewer.function = always_asks
    session_id = await service.start(ALICE)
    for answer in (*ANSWERS, "And another answer."):
        await service.say(ALICE, session_id, answer)
    # Three planned, the model asked a fourth: the server stops asking it to react and wraps up itself.
    assert service.interviewer.directives[-2:] == [Directive.CORE, Directive.WRAPUP]


@pytest.mark.parametrize(
    ("marker", "ended_by"), [("[END_INTERVIEW_MANUAL]", "manual"), ("[END_INTERVIEW_TIME_UP]", "time_up")]
)
async def test_an_end_marker_closes_and_grades_without_being_stored(
    service: Harness, marker: str, ended_by: str
) -> None:
    session_id = await service.start(ALICE)
    for answer in ANSWERS[:3]:
        await service.say(ALICE, session_id, answer)
    final = await service.say(ALICE, session_id, marker)
    assert final["end"] is True and final["kind"] == "closing"
    assert service.interviewer.directives[-1] == Directive.CLOSE
    assert service.evaluator.inputs[-1].ended_by == ended_by
    stored = await service.transcript(session_id)
    assert [text for role, text in stored if role == "user"] == list(ANSWERS[:3])
    assert stored[-1][0] == "assistant"


async def test_a_provider_failure_keeps_the_answer_and_a_retry_does_not_store_it_twice(service: Harness) -> None:
    session_id = await service.start(ALICE)
    failures = [ProviderError("scripted", "overloaded", retryable=True, status=529)]

    def fails_once(context: TurnContext) -> InterviewerReply:
        if failures:
            raise failures.pop()
        return follows_the_plan(context)

    service.interviewer.function = fails_once
    with pytest.raises(UpstreamError) as error:
        await service.say(ALICE, session_id, ANSWERS[0])
    assert error.value.status == 502 and "Your answer is saved" in error.value.message
    assert (await service.transcript(session_id))[-1] == ("user", ANSWERS[0])

    reply = await service.say(ALICE, session_id, ANSWERS[0])
    assert reply["kind"] == "warmup"
    stored = await service.transcript(session_id)
    assert [role for role, _ in stored] == ["assistant", "user", "assistant"]
    # The retry's context carries the answer once.
    assert [t.text for t in service.interviewer.contexts[-1].transcript if t.role == "user"] == [ANSWERS[0]]


async def test_an_idempotency_key_replays_its_reply_and_refuses_another_request(service: Harness) -> None:
    session_id = await service.start(ALICE)
    first = await service.say(ALICE, session_id, ANSWERS[0], key="answer-1")
    calls = len(service.interviewer.contexts)
    replayed = await service.say(ALICE, session_id, ANSWERS[0], key="answer-1")
    assert replayed == first and len(service.interviewer.contexts) == calls
    with pytest.raises(Unprocessable) as reused:
        await service.say(ALICE, session_id, "A different answer.", key="answer-1")
    assert reused.value.status == 422
    assert [text for role, text in await service.transcript(session_id) if role == "user"] == [ANSWERS[0]]
    # Another user's key of the same name is theirs alone.
    bob = AuthUser("bob")
    bobs = await service.start(bob)
    assert (await service.say(bob, bobs, ANSWERS[0], key="answer-1"))["kind"] == "warmup"


async def test_a_streamed_turn_ends_with_the_same_payload_as_a_whole_one(service: Harness) -> None:
    session_id = await service.start(ALICE)
    streamed = await service.say(ALICE, session_id, ANSWERS[0], key="s-1", stream=True)
    assert await service.say(ALICE, session_id, ANSWERS[0], key="s-1") == streamed


async def test_a_second_turn_waits_for_the_first(service: Harness) -> None:
    session_id = await service.start(ALICE)
    service.interviewer.gate = asyncio.Event()
    service.interviewer.entered.clear()
    first = asyncio.create_task(service.say(ALICE, session_id, ANSWERS[0]))
    await service.interviewer.entered.wait()
    second = asyncio.create_task(service.say(ALICE, session_id, ANSWERS[1]))
    await asyncio.sleep(0.1)
    assert not second.done() and len(service.interviewer.contexts) == 2  # greeting and the first turn only
    service.interviewer.gate.set()
    await first
    await second
    # The second turn ran after the first had stored its reply: the transcript alternates.
    stored = await service.transcript(session_id)
    assert [role for role, _ in stored] == ["assistant", "user", "assistant", "user", "assistant"]
    assert [text for role, text in stored if role == "user"] == list(ANSWERS[:2])


async def test_a_turn_that_cannot_get_the_lock_in_time_is_409(tmp_path: Path) -> None:
    async with harness(tmp_path, lock_wait_seconds=0.2) as service:
        session_id = await service.start(ALICE)
        service.interviewer.gate = asyncio.Event()
        service.interviewer.entered.clear()
        first = asyncio.create_task(service.say(ALICE, session_id, ANSWERS[0]))
        await service.interviewer.entered.wait()
        with pytest.raises(LockTimeout) as busy:
            await service.say(ALICE, session_id, ANSWERS[1])
        assert busy.value.status == 409
        service.interviewer.gate.set()
        await first
        assert [text for role, text in await service.transcript(session_id) if role == "user"] == [ANSWERS[0]]
