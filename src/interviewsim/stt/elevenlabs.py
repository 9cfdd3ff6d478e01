"""ElevenLabs Speech-to-Text (`POST /v1/speech-to-text`, Scribe) over the same key ring and rules as the voice."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from typing import Any

import httpx

from interviewsim.shared.keystate import KeyStateStore
from interviewsim.stt.base import PCM_SAMPLE_RATE, Transcript, Word
from interviewsim.stt.wav import pcm_to_wav
from interviewsim.vendors.common import vendor_http_client
from interviewsim.vendors.elevenlabs import judge_refusal, parse_refusal, unavailable
from interviewsim.vendors.errors import ProviderError
from interviewsim.vendors.keyring import Key, KeyRing

PROVIDER = "elevenlabs"


class ElevenLabsSpeechToText:
    """Scribe transcription, trying each key of the ring at most once per request."""

    name = PROVIDER

    def __init__(
        self,
        keys: Sequence[str],
        *,
        model: str = "scribe_v2",
        base_url: str = "https://api.elevenlabs.io",
        quota_rest_seconds: float = 6 * 3600,
        busy_cooldown_seconds: float = 5.0,
        timeout_seconds: float = 60.0,
        store: KeyStateStore | None = None,
        http_client: httpx.AsyncClient | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        # Keys are shared with the voice through `store`: a key benched by one is benched for both.
        self._ring = KeyRing(keys, store=store, clock=clock)
        self._model = model
        self._url = f"{base_url.rstrip('/')}/v1/speech-to-text"
        self._quota_rest = quota_rest_seconds
        self._busy_cooldown = busy_cooldown_seconds
        self._timeout = timeout_seconds
        self._client = http_client
        self._owns_client = http_client is None

    def __repr__(self) -> str:
        return f"ElevenLabsSpeechToText(model={self._model!r}, keys={self._ring!r})"

    async def transcribe(
        self, pcm: bytes, *, language: str | None = None, prompt: str | None = None, word_timings: bool = True
    ) -> Transcript:
        """The transcript from the first key ElevenLabs accepts."""
        del prompt  # Scribe takes key terms, not a free-text prompt
        form: dict[str, str] = {"model_id": self._model, "timestamps_granularity": "word", "tag_audio_events": "false"}
        if language:
            form["language_code"] = language
        wav = pcm_to_wav(pcm)
        tried: list[Key] = []
        while (key := await self._ring.acquire(exclude=tried)) is not None:
            tried.append(key)
            try:
                response = await self._http().post(
                    self._url,
                    headers={"xi-api-key": key.reveal()},
                    data=form,
                    files={"file": ("answer.wav", wav, "audio/wav")},
                )
            except httpx.HTTPError as error:
                await self._ring.rest(key, self._busy_cooldown, f"network error ({type(error).__name__})")
                continue
            if response.status_code == httpx.codes.OK:
                return _transcript(response, len(pcm) / 2 / PCM_SAMPLE_RATE)
            refusal = parse_refusal(response.status_code, response.content[:16384])
            await judge_refusal(
                self._ring, key, refusal, quota_rest=self._quota_rest, busy_cooldown=self._busy_cooldown
            )
        raise await unavailable(self._ring)

    async def aclose(self) -> None:
        """Close the HTTP client, if this provider created it."""
        if self._client is not None and self._owns_client:
            await self._client.aclose()
            self._client = None

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = vendor_http_client(httpx.Timeout(self._timeout))
        return self._client


def _transcript(response: httpx.Response, duration: float) -> Transcript:
    """`{text, language_code, words: [{text, start, end, type, logprob}]}` as a Transcript."""
    try:
        body: Any = response.json()
        words = scribe_words(body.get("words"))
        text = str(body["text"]).strip()
    except (ValueError, KeyError, TypeError, AttributeError):
        raise ProviderError(PROVIDER, "answered with a transcript in an unknown shape", retryable=True) from None
    return Transcript(
        text=text,
        words=words,
        duration=duration,
        language=str(body.get("language_code") or "en")[:2],
        provider=PROVIDER,
        confidence=mean_probability(words),
    )


def scribe_words(items: Any) -> tuple[Word, ...]:
    """Scribe's `words` (`{text, start, end, type, logprob}`, spacing and audio events among them) as timed words."""
    return tuple(
        Word(str(w["text"]).strip(), float(w["start"]), float(w["end"]), _probability(w.get("logprob")))
        for w in items or ()
        if w.get("type", "word") == "word"
        and str(w.get("text", "")).strip()
        and w.get("start") is not None
        and w.get("end") is not None
    )


def mean_probability(words: tuple[Word, ...]) -> float | None:
    """The words' mean probability, where the vendor gave them."""
    probabilities = [w.probability for w in words if w.probability is not None]
    return round(sum(probabilities) / len(probabilities), 4) if probabilities else None


def _probability(logprob: object) -> float | None:
    if not isinstance(logprob, int | float):
        return None
    return round(math.exp(min(0.0, float(logprob))), 4)
