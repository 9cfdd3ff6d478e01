"""Engine wrappers that time every provider call and count its failures by provider."""

from __future__ import annotations

from collections.abc import AsyncIterator

from interviewsim.evaluation.base import Evaluator
from interviewsim.evaluation.schema import Evaluation, EvaluationInput
from interviewsim.interviewer.base import Interviewer, InterviewerEvent, InterviewerReply, TurnContext
from interviewsim.interviewer.streaming import stream_turn
from interviewsim.observability.metrics import Metrics
from interviewsim.tts.base import PcmVoice, Voice, VoiceStyle
from interviewsim.vendors.errors import ProviderError


class MeasuredInterviewer:
    """An interviewer whose replies are timed (streams from their first to their last event)."""

    def __init__(self, inner: Interviewer, metrics: Metrics) -> None:
        self.inner = inner
        self.metrics = metrics
        self.name = inner.name
        self.can_stream = inner.can_stream

    async def respond(self, context: TurnContext) -> InterviewerReply:
        """Time one reply."""
        async with self.metrics.observe_provider(self.name, "respond"):
            return await self.inner.respond(context)

    async def stream(self, context: TurnContext) -> AsyncIterator[InterviewerEvent]:
        """Time one streamed reply."""
        async with self.metrics.observe_provider(self.name, "stream"):
            async for event in stream_turn(self.inner, context):
                yield event


class MeasuredEvaluator:
    """An evaluator whose gradings are timed."""

    def __init__(self, inner: Evaluator, metrics: Metrics) -> None:
        self.inner = inner
        self.metrics = metrics
        self.name = inner.name

    async def evaluate(self, interview: EvaluationInput) -> Evaluation:
        """Time one grading."""
        async with self.metrics.observe_provider(self.name, "evaluate"):
            return await self.inner.evaluate(interview)


class MeasuredVoice:
    """A voice whose syntheses are timed from request to last byte."""

    def __init__(self, inner: Voice, metrics: Metrics) -> None:
        self.inner = inner
        self.metrics = metrics
        self.name = inner.name

    async def synthesize(self, text: str, style: VoiceStyle) -> AsyncIterator[bytes]:
        """Time one synthesis."""
        async with self.metrics.observe_provider(self.name, "synthesize"):
            async for chunk in self.inner.synthesize(text, style):
                yield chunk

    async def synthesize_pcm(self, text: str, style: VoiceStyle) -> AsyncIterator[bytes]:
        """Time one raw-PCM synthesis (the live voice loop's)."""
        if not isinstance(self.inner, PcmVoice):
            raise ProviderError(self.name, "this voice cannot speak raw PCM for a live interview", retryable=False)
        async with self.metrics.observe_provider(self.name, "synthesize_pcm"):
            async for chunk in self.inner.synthesize_pcm(text, style):
                yield chunk

    @property
    def key_ring(self) -> object:
        """The wrapped voice's key ring, when it has one (for the key-ring gauge)."""
        return getattr(self.inner, "key_ring", None)
