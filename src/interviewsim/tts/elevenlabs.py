"""ElevenLabs text-to-speech over a ring of API keys, relayed as MP3 chunk by chunk as it arrives."""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from interviewsim.shared.keystate import KeyStateStore
from interviewsim.shared.speakable import clean_for_speech
from interviewsim.tts.base import VoiceStyle
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

OUTPUT_FORMAT = "mp3_44100_128"
VOICE_SETTINGS = {"stability": 0.5, "similarity_boost": 0.75}


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

    async def synthesize(self, text: str, style: VoiceStyle) -> AsyncIterator[bytes]:
        """Yield MP3 bytes for `text` as ElevenLabs sends them."""
        spoken = clean_for_speech(text)
        if not spoken:
            raise ValueError("nothing to speak")
        url = f"{self._base_url}/v1/text-to-speech/{self._voices[style]}/stream"
        body = {"text": spoken, "model_id": self._model, "voice_settings": dict(VOICE_SETTINGS)}
        async with contextlib.AsyncExitStack() as stack:
            stream = await self._open(stack, url, body)
            yield stream.first
            try:
                async for chunk in stream.rest:
                    yield chunk
            except httpx.HTTPError as error:
                await self._ring.rest(stream.key, self._busy_cooldown, f"audio stream broke ({type(error).__name__})")
                raise ProviderError(PROVIDER, "the audio stream broke mid-way", retryable=True) from None

    async def aclose(self) -> None:
        """Close the HTTP client, if this voice created it."""
        if self._client is not None and self._owns_client:
            await self._client.aclose()
            self._client = None

    async def _open(self, stack: contextlib.AsyncExitStack, url: str, body: dict[str, Any]) -> _Stream:
        """Send the request with one key after another until one streams audio."""
        tried: list[Key] = []
        while (key := await self._ring.acquire(exclude=tried)) is not None:
            tried.append(key)
            stream = await self._attempt(stack, key, url, body)
            if stream is not None:
                return stream
        raise await self._unavailable()

    async def _attempt(
        self, stack: contextlib.AsyncExitStack, key: Key, url: str, body: dict[str, Any]
    ) -> _Stream | None:
        """The stream if `key` got audio flowing, else None after benching the key (or raise if the request is bad)."""
        async with contextlib.AsyncExitStack() as attempt:
            try:
                response = await attempt.enter_async_context(self._post(key, url, body))
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

    def _post(self, key: Key, url: str, body: dict[str, Any]) -> contextlib.AbstractAsyncContextManager[httpx.Response]:
        """The streaming POST for one key."""
        headers = {"xi-api-key": key.reveal(), "accept": "audio/mpeg"}
        return self._http().stream("POST", url, params={"output_format": OUTPUT_FORMAT}, headers=headers, json=body)

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
