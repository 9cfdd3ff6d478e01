"""Fallback chains: an interviewer, evaluator, voice or speech-to-text that tries its members in order.

A member that raises ProviderError (after its own retries) hands the request to the next;
the reply records which provider served it. Chains sit at the role level rather than inside
one ChatModel so the built-in engines can be the last resort.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence

from interviewsim.evaluation.base import Evaluator
from interviewsim.evaluation.schema import Evaluation, EvaluationInput
from interviewsim.interviewer.base import Interviewer, InterviewerEvent, InterviewerReply, ReplyDelta, TurnContext
from interviewsim.interviewer.streaming import stream_turn
from interviewsim.stt.base import SpeechToText, Transcript
from interviewsim.tts.base import PcmVoice, Voice, VoiceStyle
from interviewsim.vendors.errors import ProviderError

log = logging.getLogger(__name__)


def _last_error(errors: list[ProviderError], role: str) -> ProviderError:
    """The error to surface when every member failed: the last one, retryable if any was."""
    last = errors[-1]
    retry_after = min((e.retry_after for e in errors if e.retry_after is not None), default=None)
    return ProviderError(
        last.provider,
        f"every {role} failed: " + "; ".join(e.message for e in errors),
        retryable=any(e.retryable for e in errors),
        status=last.status,
        retry_after=retry_after,
    )


class FallbackInterviewer:
    """Tries each interviewer in turn."""

    def __init__(self, members: Sequence[Interviewer]) -> None:
        self.members = list(members)
        self.name = ",".join(m.name for m in self.members)
        self.can_stream = any(m.can_stream for m in self.members)

    async def respond(self, context: TurnContext) -> InterviewerReply:
        """The first member's reply that succeeds."""
        errors: list[ProviderError] = []
        for member in self.members:
            try:
                return await member.respond(context)
            except ProviderError as error:
                log.warning("interviewer %s failed (%s); trying the next", member.name, error.message)
                errors.append(error)
        raise _last_error(errors, "interviewer")

    async def stream(self, context: TurnContext) -> AsyncIterator[InterviewerEvent]:
        """Stream from the first member that starts; a member failing mid-reply is not replaced."""
        errors: list[ProviderError] = []
        for member in self.members:
            started = False
            try:
                async for event in stream_turn(member, context):
                    started = started or isinstance(event, ReplyDelta)
                    yield event
                return
            except ProviderError as error:
                if started:
                    raise
                log.warning("interviewer %s failed (%s); trying the next", member.name, error.message)
                errors.append(error)
        raise _last_error(errors, "interviewer")


class FallbackEvaluator:
    """Tries each evaluator in turn."""

    def __init__(self, members: Sequence[Evaluator]) -> None:
        self.members = list(members)
        self.name = ",".join(m.name for m in self.members)

    async def evaluate(self, interview: EvaluationInput) -> Evaluation:
        """The first member's evaluation that succeeds."""
        errors: list[ProviderError] = []
        for member in self.members:
            try:
                return await member.evaluate(interview)
            except ProviderError as error:
                log.warning("evaluator %s failed (%s); trying the next", member.name, error.message)
                errors.append(error)
        raise _last_error(errors, "evaluator")


class FallbackVoice:
    """Tries each voice in turn until one produces its first audio bytes."""

    def __init__(self, members: Sequence[Voice]) -> None:
        self.members = list(members)
        self.name = ",".join(m.name for m in self.members)

    def synthesize(self, text: str, style: VoiceStyle) -> AsyncIterator[bytes]:
        """Stream the first member's audio that starts; a failure mid-stream is not retried."""
        return self._first_that_starts([member.synthesize(text, style) for member in self.members])

    def synthesize_pcm(self, text: str, style: VoiceStyle) -> AsyncIterator[bytes]:
        """Raw PCM from the first member that speaks PCM and starts; a failure mid-stream is not retried."""
        speakers = [member for member in self.members if isinstance(member, PcmVoice)]
        return self._first_that_starts([member.synthesize_pcm(text, style) for member in speakers])

    async def _first_that_starts(self, streams: list[AsyncIterator[bytes]]) -> AsyncIterator[bytes]:
        errors: list[ProviderError] = []
        for audio in streams:
            try:
                first = await anext(audio, b"")
            except ProviderError as error:
                log.warning("voice %s failed (%s); trying the next", error.provider, error.message)
                errors.append(error)
                continue
            if first:
                yield first
            async for chunk in audio:
                yield chunk
            return
        if not errors:
            raise ProviderError(self.name, "no configured voice can speak this format", retryable=False)
        raise _last_error(errors, "voice")


class FallbackSpeechToText:
    """Tries each speech-to-text provider in turn."""

    def __init__(self, members: Sequence[SpeechToText]) -> None:
        self.members = list(members)
        self.name = ",".join(m.name for m in self.members)

    async def transcribe(
        self, pcm: bytes, *, language: str | None = None, prompt: str | None = None, word_timings: bool = True
    ) -> Transcript:
        """The first member's transcript that succeeds."""
        errors: list[ProviderError] = []
        for member in self.members:
            try:
                return await member.transcribe(pcm, language=language, prompt=prompt, word_timings=word_timings)
            except ProviderError as error:
                log.warning("speech-to-text %s failed (%s); trying the next", member.name, error.message)
                errors.append(error)
        raise _last_error(errors, "speech-to-text")
