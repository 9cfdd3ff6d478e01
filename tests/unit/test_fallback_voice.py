"""The voice chain: MP3 and raw PCM each come from the first member that starts."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from interviewsim.engines.fallback import FallbackVoice
from interviewsim.tts.base import VoiceStyle
from interviewsim.vendors.errors import ProviderError


class Mp3Only:
    name = "mp3-only"

    async def synthesize(self, text: str, style: VoiceStyle) -> AsyncIterator[bytes]:
        yield b"mp3:" + text.encode()


class Refusing:
    name = "refusing"

    async def synthesize(self, text: str, style: VoiceStyle) -> AsyncIterator[bytes]:
        raise ProviderError(self.name, "busy", retryable=True)
        yield b""  # pragma: no cover

    async def synthesize_pcm(self, text: str, style: VoiceStyle) -> AsyncIterator[bytes]:
        raise ProviderError(self.name, "busy", retryable=True)
        yield b""  # pragma: no cover


class Speaking:
    name = "speaking"

    async def synthesize(self, text: str, style: VoiceStyle) -> AsyncIterator[bytes]:
        yield b"mp3"

    async def synthesize_pcm(self, text: str, style: VoiceStyle) -> AsyncIterator[bytes]:
        for word in text.split():
            yield word.encode()


async def _all(stream: AsyncIterator[bytes]) -> list[bytes]:
    return [chunk async for chunk in stream]


async def test_pcm_skips_voices_without_it_and_falls_over_a_refusal() -> None:
    chain = FallbackVoice([Mp3Only(), Refusing(), Speaking()])
    assert await _all(chain.synthesize_pcm("one two", "male")) == [b"one", b"two"]
    assert await _all(chain.synthesize("hi", "male")) == [b"mp3:hi"]


async def test_a_chain_with_no_pcm_voice_says_so() -> None:
    with pytest.raises(ProviderError, match="no configured voice"):
        await _all(FallbackVoice([Mp3Only()]).synthesize_pcm("hi", "male"))


async def test_every_member_refusing_raises_the_last_refusal() -> None:
    with pytest.raises(ProviderError):
        await _all(FallbackVoice([Refusing(), Refusing()]).synthesize_pcm("hi", "female"))
