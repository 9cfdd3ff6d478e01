"""Fallback chains: an interviewer, evaluator, voice or speech-to-text that tries its members in order.

A member that raises ProviderError (after its own retries) hands the request to the next;
the reply records which provider served it. Chains sit at the role level rather than inside
one ChatModel so the built-in engines can be the last resort. Every chain runs on the two
helpers below: `first_success` for one-shot calls, `first_stream_that_starts` for streams.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Protocol, TypeVar

from interviewsim.evaluation.base import Evaluator
from interviewsim.evaluation.schema import Evaluation, EvaluationInput
from interviewsim.interviewer.base import Interviewer, InterviewerEvent, InterviewerReply, TurnContext
from interviewsim.interviewer.streaming import stream_turn
from interviewsim.stt.base import SpeechToText, Transcript
from interviewsim.tts.base import PcmVoice, Voice, VoiceStyle
from interviewsim.vendors.errors import ProviderError

log = logging.getLogger(__name__)


class Named(Protocol):
    """A chain member: anything with a provider name."""

    @property
    def name(self) -> str: ...


MemberT = TypeVar("MemberT", bound=Named)
ResultT = TypeVar("ResultT")


async def first_success(
    members: Sequence[MemberT], call: Callable[[MemberT], Awaitable[ResultT]], role: str
) -> ResultT:
    """`call`'s result on the first member that does not raise ProviderError; every failure combined otherwise."""
    errors: list[ProviderError] = []
    for member in members:
        try:
            return await call(member)
        except ProviderError as error:
            _note_failure(member, error, role, errors)
    raise _every_failure(errors, role)


async def first_stream_that_starts(
    members: Sequence[MemberT], open_stream: Callable[[MemberT], AsyncIterator[ResultT]], role: str
) -> AsyncIterator[ResultT]:
    """Stream from the first member whose stream starts: a failure before its first item tries the next member,
    a failure after it propagates (what was already streamed cannot be taken back)."""
    errors: list[ProviderError] = []
    for member in members:
        stream = open_stream(member)
        try:
            try:
                first = await anext(stream)
            except StopAsyncIteration:
                return  # an empty stream is a success, not a failure
            except ProviderError as error:
                _note_failure(member, error, role, errors)
                continue
            yield first
            async for item in stream:
                yield item
            return
        finally:
            await _close(stream)  # promptly, when the consumer stops early
    raise _every_failure(errors, role)


def _note_failure(member: Named, error: ProviderError, role: str, errors: list[ProviderError]) -> None:
    log.warning("%s %s failed (%s); trying the next", role, member.name, error.message)
    errors.append(error)


def _every_failure(errors: list[ProviderError], role: str) -> ProviderError:
    """The error to surface when every member failed: the last one, retryable if any was."""
    if not errors:
        return ProviderError(role, f"no configured {role} can serve this request", retryable=False)
    last = errors[-1]
    retry_after = min((e.retry_after for e in errors if e.retry_after is not None), default=None)
    return ProviderError(
        last.provider,
        f"every {role} failed: " + "; ".join(e.message for e in errors),
        retryable=any(e.retryable for e in errors),
        status=last.status,
        retry_after=retry_after,
    )


async def _close(stream: AsyncIterator[object]) -> None:
    aclose = getattr(stream, "aclose", None)
    if aclose is not None:
        await aclose()


class FallbackInterviewer:
    """Tries each interviewer in turn."""

    def __init__(self, members: Sequence[Interviewer]) -> None:
        self.members = list(members)
        self.name = ",".join(m.name for m in self.members)
        self.can_stream = any(m.can_stream for m in self.members)

    async def respond(self, context: TurnContext) -> InterviewerReply:
        """The first member's reply that succeeds."""
        return await first_success(self.members, lambda member: member.respond(context), "interviewer")

    def stream(self, context: TurnContext) -> AsyncIterator[InterviewerEvent]:
        """Stream from the first member that starts; a member failing mid-reply is not replaced."""
        return first_stream_that_starts(self.members, lambda member: stream_turn(member, context), "interviewer")


class FallbackEvaluator:
    """Tries each evaluator in turn."""

    def __init__(self, members: Sequence[Evaluator]) -> None:
        self.members = list(members)
        self.name = ",".join(m.name for m in self.members)

    async def evaluate(self, interview: EvaluationInput) -> Evaluation:
        """The first member's evaluation that succeeds."""
        return await first_success(self.members, lambda member: member.evaluate(interview), "evaluator")


class FallbackVoice:
    """Tries each voice in turn until one produces its first audio bytes."""

    def __init__(self, members: Sequence[Voice]) -> None:
        self.members = list(members)
        self.name = ",".join(m.name for m in self.members)

    def synthesize(self, text: str, style: VoiceStyle) -> AsyncIterator[bytes]:
        """Stream the first member's audio that starts; a failure mid-stream is not retried."""
        return first_stream_that_starts(self.members, lambda member: member.synthesize(text, style), "voice")

    def synthesize_pcm(self, text: str, style: VoiceStyle) -> AsyncIterator[bytes]:
        """Raw PCM from the first member that speaks PCM and starts; a failure mid-stream is not retried."""
        speakers = [member for member in self.members if isinstance(member, PcmVoice)]
        return first_stream_that_starts(speakers, lambda member: member.synthesize_pcm(text, style), "voice")


class FallbackSpeechToText:
    """Tries each speech-to-text provider in turn."""

    def __init__(self, members: Sequence[SpeechToText]) -> None:
        self.members = list(members)
        self.name = ",".join(m.name for m in self.members)

    async def transcribe(
        self, pcm: bytes, *, language: str | None = None, prompt: str | None = None, word_timings: bool = True
    ) -> Transcript:
        """The first member's transcript that succeeds."""
        return await first_success(
            self.members,
            lambda member: member.transcribe(pcm, language=language, prompt=prompt, word_timings=word_timings),
            "speech-to-text",
        )
