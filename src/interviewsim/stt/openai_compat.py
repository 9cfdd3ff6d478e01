"""Any OpenAI-compatible `/v1/audio/transcriptions` (OpenAI, Groq, a faster-whisper server on a GPU)."""

from __future__ import annotations

import contextlib
import math
from typing import Any

from openai import OpenAIError

from interviewsim.stt.base import PCM_SAMPLE_RATE, Transcript, Word
from interviewsim.stt.wav import pcm_to_wav
from interviewsim.vendors.common import provider_errors
from interviewsim.vendors.openai_compat import PLACEHOLDER_KEY, CappedAsyncOpenAI, provider_error

PROVIDER = "openai"


class OpenAICompatSpeechToText:
    """`verbose_json` transcription with word timestamps where the server offers them."""

    name = PROVIDER

    def __init__(
        self,
        *,
        model: str = "whisper-1",
        api_key: str | None = None,
        base_url: str | None = None,
        timeout_seconds: float = 60,
        max_retries: int = 2,
        max_retry_after_seconds: float = 10,
    ) -> None:
        self.model = model
        self.base_url = base_url
        self._timeout = timeout_seconds
        self._api_key = api_key or PLACEHOLDER_KEY
        self._options: dict[str, Any] = {
            "timeout": timeout_seconds,
            "max_retries": max_retries,
            "max_retry_after_seconds": max_retry_after_seconds,
        }
        self._client: CappedAsyncOpenAI | None = None

    def __repr__(self) -> str:
        return f"OpenAICompatSpeechToText(model={self.model!r}, base_url={self.base_url!r})"

    async def transcribe(
        self, pcm: bytes, *, language: str | None = None, prompt: str | None = None, word_timings: bool = True
    ) -> Transcript:
        """The server's transcript of `pcm`."""
        extra: dict[str, Any] = {}
        if language:
            extra["language"] = language
        if prompt:
            extra["prompt"] = prompt
        with self._errors():
            result = await self._http().audio.transcriptions.create(
                model=self.model,
                file=("answer.wav", pcm_to_wav(pcm), "audio/wav"),
                response_format="verbose_json",
                timestamp_granularities=["word", "segment"],
                **extra,
            )
        body = result.model_dump()
        words = tuple(
            Word(str(w["word"]).strip(), float(w["start"]), float(w["end"]))
            for w in body.get("words") or ()
            if str(w.get("word", "")).strip()
        )
        return Transcript(
            text=str(body.get("text") or "").strip(),
            words=words,
            duration=float(body.get("duration") or len(pcm) / 2 / PCM_SAMPLE_RATE),
            language=_language_code(body.get("language")),
            provider=PROVIDER,
            confidence=_confidence(body.get("segments")),
        )

    async def aclose(self) -> None:
        """Close the SDK client."""
        client, self._client = self._client, None
        if client is not None:
            await client.close()

    def _http(self) -> CappedAsyncOpenAI:
        if self._client is None:
            self._client = CappedAsyncOpenAI(api_key=self._api_key, base_url=self.base_url, **self._options)
        return self._client

    def _errors(self) -> contextlib.AbstractContextManager[None]:
        return provider_errors(
            PROVIDER, self._timeout, OpenAIError, lambda exc: provider_error(exc, PROVIDER, self._api_key)
        )


_LANGUAGE_NAMES = {"english": "en"}  # verbose_json names the language ("english"); most servers say only English


def _language_code(value: object) -> str:
    name = str(value or "en").lower()
    return _LANGUAGE_NAMES.get(name, name[:2])


def _confidence(segments: object) -> float | None:
    """The mean of exp(avg_logprob) over segments: verbose_json's only per-utterance certainty."""
    if not isinstance(segments, list):
        return None
    logprobs = [float(s["avg_logprob"]) for s in segments if isinstance(s, dict) and "avg_logprob" in s]
    scores = [math.exp(min(0.0, logprob)) for logprob in logprobs]
    return round(sum(scores) / len(scores), 4) if scores else None
