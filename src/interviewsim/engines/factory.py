"""Builds the configured interviewer, evaluator and voice chains for one process."""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from interviewsim.config import Settings
from interviewsim.engines.fallback import FallbackEvaluator, FallbackInterviewer, FallbackSpeechToText, FallbackVoice
from interviewsim.engines.instrumented import MeasuredEvaluator, MeasuredInterviewer, MeasuredVoice
from interviewsim.engines.streaming import StreamingSpeechToTextChain
from interviewsim.evaluation.base import Evaluator
from interviewsim.evaluation.builtin import BuiltinEvaluator
from interviewsim.evaluation.llm import LLMEvaluator
from interviewsim.evaluation.sufficiency import SufficiencyGate
from interviewsim.interviewer.base import Interviewer, QuestionFacts, QuestionLookup
from interviewsim.interviewer.builtin.bank import default_bank
from interviewsim.interviewer.builtin.interviewer import BuiltinInterviewer
from interviewsim.interviewer.llm import LLMInterviewer
from interviewsim.observability.metrics import Metrics
from interviewsim.shared.keystate import KeyStateStore
from interviewsim.stt.base import SpeechToText, StreamingSpeechToText
from interviewsim.tts.base import Voice
from interviewsim.tts.builtin import BuiltinVoice
from interviewsim.vendors.chat import ChatModel

Closer = Callable[[], Awaitable[None]]


@dataclass
class Engines:
    """The engines every request uses (interviewer, evaluator, voice, speech-to-text), and how to release them."""

    interviewer: Interviewer
    evaluator: Evaluator
    voice: Voice
    stt: SpeechToText
    question_lookup: QuestionLookup
    closers: list[Closer] = field(default_factory=list)

    async def aclose(self) -> None:
        """Close every vendor client and engine thread pool."""
        for close in self.closers:
            with contextlib.suppress(Exception):
                await close()


def bank_lookup(question_id: str) -> QuestionFacts | None:
    """Key points and type of a question from the built-in bank."""
    question = default_bank().get(question_id)
    if question is None:
        return None
    return QuestionFacts(
        key_points=tuple(question.key_points), question_type=question.type, skills=question.skills, text=question.text
    )


def chat_model(name: str, settings: Settings) -> ChatModel:
    """A vendor chat model by provider name (keys were checked when settings loaded)."""
    timeout, retries = settings.provider_timeout_seconds, settings.provider_max_retries
    if name == "anthropic":
        from interviewsim.vendors.anthropic import AnthropicChatModel

        assert settings.anthropic_api_key is not None
        return AnthropicChatModel(
            settings.anthropic_api_key.get_secret_value(),
            model=settings.anthropic_model,
            base_url=settings.anthropic_base_url,
            timeout_seconds=timeout,
            max_retries=retries,
            max_retry_after_seconds=settings.max_retry_after_seconds,
        )
    if name == "gemini":
        from interviewsim.vendors.gemini import GeminiChatModel

        assert settings.gemini_api_key is not None
        return GeminiChatModel(
            settings.gemini_api_key.get_secret_value(),
            model=settings.gemini_model,
            base_url=settings.google_gemini_base_url,
            timeout_seconds=timeout,
            max_retries=retries,
        )
    if name == "openai":
        from interviewsim.vendors.openai_compat import OpenAICompatChatModel

        assert settings.openai_model is not None
        return OpenAICompatChatModel(
            model=settings.openai_model,
            api_key=settings.openai_api_key.get_secret_value() if settings.openai_api_key else None,
            base_url=settings.openai_base_url,
            timeout_seconds=timeout,
            max_retries=retries,
            max_retry_after_seconds=settings.max_retry_after_seconds,
        )
    raise ValueError(f"unknown chat provider {name!r}")


def _voice(name: str, settings: Settings, closers: list[Closer], key_state: KeyStateStore | None) -> Voice:
    if name == "builtin":
        return BuiltinVoice(piper_male=settings.piper_voice_male or "bundled", piper_female=settings.piper_voice_female)
    from interviewsim.tts.elevenlabs import ElevenLabsVoice

    voice = ElevenLabsVoice(
        [key.get_secret_value() for key in settings.eleven_keys],
        voice_male=settings.eleven_voice_male,
        voice_female=settings.eleven_voice_female,
        model=settings.eleven_model,
        base_url=settings.eleven_base_url,
        quota_rest_seconds=settings.eleven_quota_rest_hours * 3600,
        busy_cooldown_seconds=settings.eleven_busy_cooldown_seconds,
        timeout_seconds=settings.provider_timeout_seconds,
        store=key_state,
    )
    closers.append(voice.aclose)
    return voice


def _speech_to_text(
    name: str, settings: Settings, closers: list[Closer], key_state: KeyStateStore | None
) -> SpeechToText:
    if name == "builtin":
        from interviewsim.stt.whisper import WhisperSpeechToText

        whisper = WhisperSpeechToText(
            settings.whisper_model,
            workers=settings.stt_workers,
            queue_size=settings.stt_queue,
            cpu_threads=settings.whisper_threads,
        )
        closers.append(whisper.aclose)
        return whisper
    if name == "elevenlabs":
        from interviewsim.stt.elevenlabs import ElevenLabsSpeechToText

        scribe = ElevenLabsSpeechToText(
            [key.get_secret_value() for key in settings.eleven_keys],
            model=settings.eleven_stt_model,
            base_url=settings.eleven_base_url,
            quota_rest_seconds=settings.eleven_quota_rest_hours * 3600,
            busy_cooldown_seconds=settings.eleven_busy_cooldown_seconds,
            timeout_seconds=settings.provider_timeout_seconds,
            store=key_state,
        )
        closers.append(scribe.aclose)
        return scribe
    from interviewsim.stt.openai_compat import OpenAICompatSpeechToText

    key = settings.openai_stt_api_key or settings.openai_api_key
    transcriber = OpenAICompatSpeechToText(
        model=settings.openai_stt_model,
        api_key=key.get_secret_value() if key else None,
        base_url=settings.openai_stt_base_url or settings.openai_base_url,
        timeout_seconds=settings.provider_timeout_seconds,
        max_retries=settings.provider_max_retries,
        max_retry_after_seconds=settings.max_retry_after_seconds,
    )
    closers.append(transcriber.aclose)
    return transcriber


def _streaming_speech_to_text(
    settings: Settings, closers: list[Closer], key_state: KeyStateStore | None
) -> StreamingSpeechToText | None:
    """The real-time model of the chain's first provider, when it has one and it is configured."""
    if settings.stt[0] != "elevenlabs" or not settings.eleven_stt_realtime_model:
        return None
    from interviewsim.stt.elevenlabs_realtime import ElevenLabsRealtimeSpeechToText

    streamer = ElevenLabsRealtimeSpeechToText(
        [key.get_secret_value() for key in settings.eleven_keys],
        model=settings.eleven_stt_realtime_model,
        base_url=settings.eleven_base_url,
        quota_rest_seconds=settings.eleven_quota_rest_hours * 3600,
        busy_cooldown_seconds=settings.eleven_busy_cooldown_seconds,
        connect_timeout_seconds=settings.eleven_stt_realtime_timeout_seconds,
        reply_timeout_seconds=settings.eleven_stt_realtime_timeout_seconds,
        store=key_state,
    )
    closers.append(streamer.aclose)
    return streamer


def build_engines(
    settings: Settings, *, key_state: KeyStateStore | None = None, metrics: Metrics | None = None
) -> Engines:
    """The chains named by INTERVIEWER, EVALUATOR, VOICE and STT; no network is touched here, no model loaded.

    When STT starts with a vendor that has a real-time model, `stt` also streams (`StreamingSpeechToText`).

    With `metrics`, every member is timed on its own, so latency and errors show per provider.
    """
    closers: list[Closer] = []

    def model(name: str) -> ChatModel:
        built = chat_model(name, settings)
        closers.append(built.aclose)
        return built

    def grader() -> BuiltinEvaluator:
        built = BuiltinEvaluator()
        closers.append(built.aclose)
        return built

    interviewers: list[Interviewer] = [
        BuiltinInterviewer() if name == "builtin" else LLMInterviewer(model(name))
        for name in settings.interviewer_chain
    ]
    evaluators: list[Evaluator] = [
        grader() if name == "builtin" else LLMEvaluator(model(name), verify=settings.evaluator_verify)
        for name in settings.evaluator_chain
    ]
    voices = [_voice(name, settings, closers, key_state) for name in settings.voice_chain]
    listeners = [_speech_to_text(name, settings, closers, key_state) for name in settings.stt]
    stt: SpeechToText = listeners[0] if len(listeners) == 1 else FallbackSpeechToText(listeners)
    streamer = _streaming_speech_to_text(settings, closers, key_state)
    if streamer is not None:
        stt = StreamingSpeechToTextChain(stt, streamer)
    if metrics is not None:
        interviewers = [MeasuredInterviewer(member, metrics) for member in interviewers]
        evaluators = [MeasuredEvaluator(member, metrics) for member in evaluators]
        voices = [MeasuredVoice(member, metrics) for member in voices]
    return Engines(
        interviewer=interviewers[0] if len(interviewers) == 1 else FallbackInterviewer(interviewers),
        evaluator=SufficiencyGate(
            evaluators[0] if len(evaluators) == 1 else FallbackEvaluator(evaluators),
            min_answers=settings.evaluator_min_answers,
        ),
        voice=voices[0] if len(voices) == 1 else FallbackVoice(voices),
        question_lookup=bank_lookup,
        closers=closers,
        stt=stt,
    )
