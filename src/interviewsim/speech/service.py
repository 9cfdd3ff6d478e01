"""Transcribing one uploaded answer: decode, transcribe, measure delivery, keep it under a speech id."""

from __future__ import annotations

import asyncio
import functools
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from pydantic import BaseModel, Field

from interviewsim.errors import AppError, BadRequest, PayloadTooLarge
from interviewsim.shared.speech_records import SpeechRecord, SpeechRecords
from interviewsim.speech import audio
from interviewsim.speech.delivery import Delivery, measure
from interviewsim.speech.upload import Upload
from interviewsim.stt.base import SpeechToText
from interviewsim.vendors.errors import ProviderError, upstream_failure

DECODE_THREADS = 2


class UnsupportedMediaType(AppError):
    """The upload is not a recording in an accepted format."""

    status = 415
    code = "unsupported_media_type"


class NoSpeech(BadRequest):
    """The recording decoded, but nobody said anything in it."""

    code = "no_speech"


class WordOut(BaseModel):
    """One word and when it was said (seconds from the start)."""

    word: str
    start: float
    end: float


class SttOut(BaseModel):
    """POST /api/stt: what was heard, how it was said, and the id to send with the answer."""

    text: str
    words: list[WordOut]
    duration: float = Field(description="Seconds of audio")
    language: str
    provider: str
    delivery: Delivery
    speech_id: str = Field(description="Send as `speech_id` with the answer so its delivery metrics are stored")


def app_error(status: int, message: str) -> AppError:
    """The AppError for an upload or decoding refusal of `status` (400, 413 or 415)."""
    if status == 415:
        return UnsupportedMediaType(message)
    if status == 413:
        return PayloadTooLarge(message)
    return BadRequest(message)


@functools.cache
def _decode_executor() -> ThreadPoolExecutor:
    # Not the default pool: token verification runs there and must never wait behind decoding.
    return ThreadPoolExecutor(max_workers=DECODE_THREADS, thread_name_prefix="audio-decode")


async def transcribe_upload(
    upload: Upload,
    *,
    user_id: str,
    stt: SpeechToText,
    records: SpeechRecords,
    max_seconds: float,
    ttl_seconds: float,
) -> SttOut:
    """Decode `upload`, transcribe it, measure its delivery and store both for the user's next answer."""
    loop = asyncio.get_running_loop()
    try:
        decoded = await loop.run_in_executor(
            _decode_executor(), functools.partial(audio.decode, upload.audio, max_seconds=max_seconds)
        )
    except audio.AudioError as error:
        raise app_error(error.status, str(error)) from None
    try:
        transcript = await stt.transcribe(
            decoded.pcm, language=upload.fields.get("language") or None, prompt=upload.fields.get("prompt") or None
        )
    except ProviderError as error:
        raise upstream_failure(error, "Speech-to-text could not transcribe this just now; try again shortly.") from None
    if not transcript.text.strip():
        raise NoSpeech("No speech was found in the recording; speak closer to the microphone and try again.")
    delivery = measure(transcript)
    payload: dict[str, Any] = delivery.model_dump()
    speech_id = await records.put(SpeechRecord(user_id, transcript.text, payload), ttl=ttl_seconds)
    return SttOut(
        text=transcript.text,
        words=[WordOut(word=w.word, start=w.start, end=w.end) for w in transcript.words],
        duration=round(decoded.seconds, 3),
        language=transcript.language,
        provider=transcript.provider,
        delivery=delivery,
        speech_id=speech_id,
    )
