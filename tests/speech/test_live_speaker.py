"""The live loop's speaker: sentences synthesized ahead of playback, and a voice that fails mid-reply."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any, cast

from starlette.websockets import WebSocket

from interviewsim.speech.live.outbox import Outbox
from interviewsim.speech.live.speaker import Speaker
from interviewsim.tts.base import PCM_OUTPUT_SAMPLE_RATE, VoiceStyle
from interviewsim.vendors.errors import ProviderError

SECOND = PCM_OUTPUT_SAMPLE_RATE * 2  # bytes of one second of output audio


class ScriptedVoice:
    """Half a second of silence per sentence; records when each synthesis starts; fails on "FAIL"."""

    name = "scripted"

    def __init__(self) -> None:
        self.started: list[str] = []

    async def synthesize_pcm(self, text: str, style: VoiceStyle) -> AsyncIterator[bytes]:
        self.started.append(text)
        if text == "FAIL":
            raise ProviderError("scripted", "the voice broke", retryable=True)
        yield bytes(SECOND // 2)


def drain(outbox: Outbox) -> list[Any]:
    queue = cast(asyncio.Queue[str | bytes], outbox._queue)
    items = []
    while not queue.empty():
        item = queue.get_nowait()
        items.append(item if isinstance(item, bytes) else json.loads(item))
    return items


def speaker(voice: ScriptedVoice, outbox: Outbox) -> Speaker:
    return Speaker(voice=voice, style="male", outbox=outbox, lead_seconds=0.2, grace_seconds=0.0)


async def test_the_next_sentence_is_synthesized_while_the_current_one_plays() -> None:
    voice = ScriptedVoice()
    outbox = Outbox(cast(WebSocket, None), send_timeout_seconds=1.0)
    sentences: asyncio.Queue[str | None] = asyncio.Queue()
    for sentence in ("One.", "Two.", "Three."):
        sentences.put_nowait(sentence)
    sentences.put_nowait(None)
    utterance = speaker(voice, outbox).start(sentences)
    await asyncio.sleep(0.1)  # a fifth of the first sentence's half second has played
    assert voice.started == ["One.", "Two.", "Three."]  # all synthesized ahead, not one per gap
    utterance.played.set()
    await asyncio.wait_for(utterance.task, 10)  # type: ignore[arg-type]
    assert [sentence for sentence, _, _ in utterance.log.sentences] == ["One.", "Two.", "Three."]
    assert utterance.log.seconds == 1.5


async def test_a_voice_failing_mid_reply_ends_the_audio_with_an_error_event() -> None:
    voice = ScriptedVoice()
    outbox = Outbox(cast(WebSocket, None), send_timeout_seconds=1.0)
    sentences: asyncio.Queue[str | None] = asyncio.Queue()
    for sentence in ("Fine.", "FAIL", "Never said."):
        sentences.put_nowait(sentence)
    sentences.put_nowait(None)
    utterance = speaker(voice, outbox).start(sentences)
    utterance.played.set()
    await asyncio.wait_for(utterance.task, 10)  # type: ignore[arg-type]
    items = drain(outbox)
    events = [item for item in items if isinstance(item, dict)]
    assert [event["type"] for event in events] == ["audio.start", "error", "audio.end"]
    assert events[1]["code"] == "tts_failed"
    assert sum(len(item) for item in items if isinstance(item, bytes)) == SECOND // 2  # only the first sentence
    assert voice.started == ["Fine.", "FAIL"]
    assert [sentence for sentence, _, _ in utterance.log.sentences] == ["Fine."]
