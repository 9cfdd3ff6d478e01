"""The interviewer and evaluator chains: the next member takes over a ProviderError, and only before a stream starts."""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator

import pytest

from interviewsim.engines.fallback import FallbackEvaluator, FallbackInterviewer, FallbackVoice
from interviewsim.evaluation.builtin import BuiltinEvaluator
from interviewsim.evaluation.schema import Evaluation, EvaluationInput
from interviewsim.interviewer.base import InterviewerEvent, InterviewerReply, ReplyDelta, TurnContext
from interviewsim.interviewer.builtin.interviewer import BuiltinInterviewer
from interviewsim.interviews.domain import Directive
from interviewsim.tts.base import VoiceStyle
from interviewsim.vendors.errors import ProviderError
from tests.unit.test_builtin_evaluator import STRONG, interview
from tests.unit.test_builtin_interviewer import context


class Overloaded:
    """An interviewer and evaluator whose vendor is overloaded: every call fails before any output."""

    can_stream = True

    def __init__(self, name: str, *, retryable: bool = True, retry_after: float | None = None) -> None:
        self.name = name
        self.error = ProviderError(name, f"{name} overloaded", retryable=retryable, status=529, retry_after=retry_after)
        self.calls = 0

    async def respond(self, context: TurnContext) -> InterviewerReply:
        self.calls += 1
        raise self.error

    async def stream(self, context: TurnContext) -> AsyncIterator[InterviewerEvent]:
        self.calls += 1
        raise self.error
        yield ReplyDelta("")  # pragma: no cover

    async def evaluate(self, interview: EvaluationInput) -> Evaluation:
        self.calls += 1
        raise self.error


class BreaksMidReply:
    """A streaming interviewer whose connection drops after the first words reached the candidate."""

    name = "breaks-mid-reply"
    can_stream = True

    async def respond(self, context: TurnContext) -> InterviewerReply:
        raise AssertionError("a streaming member is streamed")  # pragma: no cover

    async def stream(self, context: TurnContext) -> AsyncIterator[InterviewerEvent]:
        yield ReplyDelta("Thanks, that was ")
        raise ProviderError(self.name, "connection reset", retryable=True)


class Crashes:
    """An interviewer with a bug: not a provider failure, so no other member should hide it."""

    name = "crashes"
    can_stream = False

    async def respond(self, context: TurnContext) -> InterviewerReply:
        raise KeyError("text_response")


async def events(stream: AsyncIterator[InterviewerEvent]) -> list[InterviewerEvent]:
    return [event async for event in stream]


async def test_the_next_interviewer_answers_when_the_first_is_overloaded() -> None:
    first = Overloaded("anthropic")
    reply = await FallbackInterviewer([first, BuiltinInterviewer()]).respond(context(Directive.GREET))
    assert first.calls == 1 and reply.provider == "builtin" and reply.text


async def test_every_interviewer_failing_raises_one_error_retryable_if_any_was() -> None:
    chain = FallbackInterviewer(
        [Overloaded("anthropic", retry_after=7.0), Overloaded("gemini", retryable=False, retry_after=3.0)]
    )
    with pytest.raises(ProviderError) as raised:
        await chain.respond(context(Directive.GREET))
    error = raised.value
    assert error.provider == "gemini" and error.status == 529
    assert error.retryable and error.retry_after == 3.0
    assert error.message == "every interviewer failed: anthropic overloaded; gemini overloaded"


async def test_an_error_that_is_not_a_provider_failure_is_not_passed_on() -> None:
    last = Overloaded("gemini")
    with pytest.raises(KeyError):
        await FallbackInterviewer([Crashes(), last]).respond(context(Directive.GREET))
    assert last.calls == 0


async def test_a_stream_that_fails_before_its_first_delta_is_replaced() -> None:
    first = Overloaded("anthropic")
    streamed = await events(FallbackInterviewer([first, BuiltinInterviewer()]).stream(context(Directive.GREET)))
    *deltas, reply = streamed
    assert first.calls == 1 and deltas and all(isinstance(delta, ReplyDelta) for delta in deltas)
    assert isinstance(reply, InterviewerReply) and reply.provider == "builtin"
    assert "".join(delta.text for delta in deltas if isinstance(delta, ReplyDelta)) == reply.text


async def test_a_stream_that_fails_after_its_first_delta_is_not_replaced() -> None:
    last = Overloaded("gemini")
    seen: list[InterviewerEvent] = []
    with pytest.raises(ProviderError, match="connection reset"):
        async for event in FallbackInterviewer([BreaksMidReply(), last]).stream(context(Directive.GREET)):
            seen.append(event)
    assert seen == [ReplyDelta("Thanks, that was ")] and last.calls == 0


async def test_the_next_evaluator_grades_when_the_first_fails() -> None:
    first, builtin = Overloaded("gemini"), BuiltinEvaluator()
    try:
        evaluation = await FallbackEvaluator([first, builtin]).evaluate(interview(STRONG))
    finally:
        await builtin.aclose()
    assert first.calls == 1 and evaluation.evaluator == "builtin" and evaluation.scores.overall > 0


class Endless:
    """A voice that would speak forever; it notes when its stream is closed."""

    name = "endless"

    def __init__(self) -> None:
        self.closed = False

    async def synthesize(self, text: str, style: VoiceStyle) -> AsyncIterator[bytes]:
        try:
            while True:
                yield b"\x00\x01"
        finally:
            self.closed = True


async def test_a_stream_left_early_closes_the_member_stream_at_once() -> None:
    voice = Endless()
    audio = FallbackVoice([voice]).synthesize("hello", "female")
    assert isinstance(audio, AsyncGenerator) and await anext(audio) == b"\x00\x01"
    await audio.aclose()  # barge-in: the caller stops listening
    assert voice.closed
