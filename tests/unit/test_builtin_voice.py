"""Tests for the built-in espeak-ng + LAME voice."""

from __future__ import annotations

import asyncio
import subprocess
import sys

import pytest

from interviewsim.tts.base import Voice, VoiceStyle
from interviewsim.tts.builtin import BuiltinVoice
from tests.support.mp3 import mp3_duration

TWELVE_WORDS = "Tell me about a project you are proud of and why it mattered."
LONG_SENTENCE = ", ".join(["this clause keeps one single sentence going for quite a while"] * 40) + "."


async def speak(text: str, style: VoiceStyle = "male") -> list[bytes]:
    return [chunk async for chunk in BuiltinVoice().synthesize(text, style)]


def test_is_a_voice() -> None:
    voice = BuiltinVoice()
    assert isinstance(voice, Voice)
    assert voice.name == "builtin"


def test_importing_loads_nothing() -> None:
    code = "import interviewsim.tts.builtin as b; assert b._ESPEAK._lib is None"
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize("style", ["male", "female"])
async def test_output_is_mp3_of_plausible_duration(style: VoiceStyle) -> None:
    audio = b"".join(await speak(TWELVE_WORDS, style))
    assert audio[:3] == b"ID3" or (audio[0] == 0xFF and audio[1] & 0xE0 == 0xE0)
    assert 2.0 <= mp3_duration(audio) <= 8.0


async def test_male_and_female_differ() -> None:
    male = b"".join(await speak(TWELVE_WORDS, "male"))
    female = b"".join(await speak(TWELVE_WORDS, "female"))
    assert male != female


async def test_markdown_and_emoji_are_spoken_as_text() -> None:
    text = "**Great answer!** 🎉 Let's dig into `asyncio` next — [docs](https://example.com) 🚀"
    audio = b"".join(await speak(text))
    assert 1.0 <= mp3_duration(audio) <= 8.0


@pytest.mark.parametrize("text", ["", "   \n\t", "🎉🚀👍", "** __ ``"])
async def test_nothing_speakable_raises(text: str) -> None:
    with pytest.raises(ValueError, match="nothing to speak"):
        await speak(text)


async def test_sentences_stream_as_separate_chunks_of_one_mp3() -> None:
    text = "Hello there. " + LONG_SENTENCE + " Thanks for your time!"
    chunks = await speak(text)
    assert len(chunks) > 1
    total = mp3_duration(b"".join(chunks))
    # The first chunk holds only the short first sentence, not the whole reply.
    first = mp3_duration(chunks[0], strict=False)
    assert 0.0 < first < total / 4


async def test_concurrent_calls_both_succeed() -> None:
    alone = mp3_duration(b"".join(await speak(TWELVE_WORDS, "male")))
    male, female = await asyncio.gather(speak(TWELVE_WORDS, "male"), speak(TWELVE_WORDS, "female"))
    # espeak-ng output varies by a few samples between runs, so compare durations, not bytes.
    assert mp3_duration(b"".join(male)) == pytest.approx(alone, rel=0.1)
    assert 2.0 <= mp3_duration(b"".join(female)) <= 8.0


async def test_event_loop_keeps_running_during_synthesis() -> None:
    ticks = 0
    done = asyncio.Event()

    async def ticker() -> None:
        nonlocal ticks
        while not done.is_set():
            ticks += 1
            await asyncio.sleep(0.001)

    task = asyncio.create_task(ticker())
    try:
        await speak(LONG_SENTENCE)
    finally:
        done.set()
        await task
    assert ticks >= 5
