"""ElevenLabs text-to-speech over a ring of API keys, relayed chunk by chunk as it arrives: MP3, or raw PCM."""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from interviewsim.shared.keystate import KeyStateStore
from interviewsim.shared.speakable import clean_for_speech
from interviewsim.tts.base import PCM_OUTPUT_SAMPLE_RATE, VoiceStyle
from interviewsim.vendors.common import vendor_http_client
from interviewsim.vendors.elevenlabs import (
    PROVIDER,
    Refusal,
    VoiceUnavailable,
    judge_refusal,
    read_refusal,
    unavailable,
)
from interviewsim.vendors.errors import ProviderError
from interviewsim.vendors.keyring import Key, KeyRing

logger = logging.getLogger(__name__)

VOICE_SETTINGS = {"stability": 0.5, "similarity_boost": 0.75}


@dataclass(frozen=True)
class OutputFormat:
    """ElevenLabs' `output_format` query value and the Accept header sent with it."""

    name: str
    accept: str


MP3 = OutputFormat("mp3_44100_128", "audio/mpeg")
# Headerless s16le mono. ElevenLabs serves pcm_8000 to pcm_48000, 22,050 Hz among them, so no resampling;
# the query parameter alone picks the format, so Accept stays neutral.
PCM = OutputFormat(f"pcm_{PCM_OUTPUT_SAMPLE_RATE}", "*/*")


@dataclass(frozen=True)
class _Stream:
    """An accepted request: the key serving it, its first audio bytes and the rest to come."""

    key: Key
    first: bytes
    rest: AsyncIterator[bytes]


class ElevenLabsVoice:
    """ElevenLabs speech, trying each key of the ring at most once per request."""

    name = "elevenlabs"

    def __init__(
        self,
        keys: Sequence[str],
        *,
        voice_male: str,
        voice_female: str,
        model: str = "eleven_flash_v2_5",
        base_url: str = "https://api.elevenlabs.io",
        quota_rest_seconds: float = 6 * 3600,
        busy_cooldown_seconds: float = 5.0,
        timeout_seconds: float = 30.0,
        store: KeyStateStore | None = None,
        http_client: httpx.AsyncClient | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._ring = KeyRing(keys, store=store, clock=clock)
        self._voices: dict[VoiceStyle, str] = {"male": voice_male, "female": voice_female}
        self._model = model
        self._base_url = base_url.rstrip("/")
        self._quota_rest = quota_rest_seconds
        self._busy_cooldown = busy_cooldown_seconds
        self._timeout = timeout_seconds
        self._client = http_client
        self._owns_client = http_client is None

    @property
    def key_ring(self) -> KeyRing:
        """The keys and their health, e.g. for a status page."""
        return self._ring

    def __repr__(self) -> str:
        return f"ElevenLabsVoice(model={self._model!r}, keys={self._ring!r})"

    def synthesize(self, text: str, style: VoiceStyle) -> AsyncIterator[bytes]:
        """Yield MP3 bytes for `text` as ElevenLabs sends them."""
        return self._speak(text, style, MP3)

    def synthesize_pcm(self, text: str, style: VoiceStyle) -> AsyncIterator[bytes]:
        """Yield s16le mono PCM at PCM_OUTPUT_SAMPLE_RATE for `text` as ElevenLabs sends it, in whole samples."""
        return whole_samples(self._speak(text, style, PCM))

    async def aclose(self) -> None:
        """Close the HTTP client, if this voice created it."""
        if self._client is not None and self._owns_client:
            await self._client.aclose()
            self._client = None

    async def _speak(self, text: str, style: VoiceStyle, output: OutputFormat) -> AsyncGenerator[bytes, None]:
        """Yield `text` spoken in `output` as ElevenLabs sends it, from the first key that gets audio flowing."""
        spoken = clean_for_speech(text)
        if not spoken:
            raise ValueError("nothing to speak")
        url = f"{self._base_url}/v1/text-to-speech/{self._voices[style]}/stream"
        body = {"text": spoken, "model_id": self._model, "voice_settings": dict(VOICE_SETTINGS)}
        async with contextlib.AsyncExitStack() as stack:
            stream = await self._open(stack, url, body, output)
            yield stream.first
            try:
                async for chunk in stream.rest:
                    yield chunk
            except httpx.HTTPError as error:
                await self._ring.rest(stream.key, self._busy_cooldown, f"audio stream broke ({type(error).__name__})")
                raise ProviderError(PROVIDER, "the audio stream broke mid-way", retryable=True) from None

    async def _open(
        self, stack: contextlib.AsyncExitStack, url: str, body: dict[str, Any], output: OutputFormat
    ) -> _Stream:
        """Send the request with one key after another until one streams audio."""
        tried: list[Key] = []
        while (key := await self._ring.acquire(exclude=tried)) is not None:
            tried.append(key)
            stream = await self._attempt(stack, key, url, body, output)
            if stream is not None:
                return stream
        raise await self._unavailable()

    async def _attempt(
        self, stack: contextlib.AsyncExitStack, key: Key, url: str, body: dict[str, Any], output: OutputFormat
    ) -> _Stream | None:
        """The stream if `key` got audio flowing, else None after benching the key (or raise if the request is bad)."""
        async with contextlib.AsyncExitStack() as attempt:
            try:
                response = await attempt.enter_async_context(self._post(key, url, body, output))
                if response.status_code != httpx.codes.OK:
                    await self._judge(key, await read_refusal(response))
                    return None
                rest = response.aiter_bytes()
                first = await anext(rest, b"")
            except httpx.HTTPError as error:
                await self._ring.rest(key, self._busy_cooldown, f"network error ({type(error).__name__})")
                return None
            if not first:
                await self._ring.rest(key, self._busy_cooldown, "empty audio stream")
                return None
            # Success: the response must outlive this block, so hand its cleanup to the caller's stack.
            stack.push_async_exit(attempt.pop_all())
            return _Stream(key, first, rest)

    def _post(
        self, key: Key, url: str, body: dict[str, Any], output: OutputFormat
    ) -> contextlib.AbstractAsyncContextManager[httpx.Response]:
        """The streaming POST for one key."""
        headers = {"xi-api-key": key.reveal(), "accept": output.accept}
        params = {"output_format": output.name}
        return self._http().stream("POST", url, params=params, headers=headers, json=body)

    async def _judge(self, key: Key, refusal: Refusal) -> None:
        """Bench `key` for a refusal that is its fault or the server's; raise when the request itself is bad."""
        await judge_refusal(self._ring, key, refusal, quota_rest=self._quota_rest, busy_cooldown=self._busy_cooldown)

    async def _unavailable(self) -> VoiceUnavailable:
        """The error for a request no key could serve."""
        return await unavailable(self._ring)

    def _http(self) -> httpx.AsyncClient:
        """The shared client, created on first use."""
        if self._client is None:
            self._client = vendor_http_client(httpx.Timeout(self._timeout))
        return self._client


async def whole_samples(chunks: AsyncGenerator[bytes, None]) -> AsyncGenerator[bytes, None]:
    """`chunks` of s16le PCM re-cut at sample boundaries: a byte split off its sample waits for the other one."""
    carry = b""
    async with contextlib.aclosing(chunks) as stream:  # closes the HTTP response when the consumer stops early
        async for chunk in stream:
            if carry:
                chunk = carry + chunk
            whole = len(chunk) - len(chunk) % 2
            carry = chunk[whole:]
            if whole:
                yield chunk if whole == len(chunk) else chunk[:whole]
    # A lone byte left at the very end is half a sample: nothing playable, so it is dropped.
