"""POST /api/tts: speech for any reply, streamed as MP3 while it is produced."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from interviewsim.auth.deps import CurrentUser
from interviewsim.deps import EnginesDep, rate_limit
from interviewsim.errors import ERROR_RESPONSES, BadRequest
from interviewsim.interviews.schemas import MAX_TTS_CHARS
from interviewsim.shared.speakable import clean_for_speech
from interviewsim.tts.base import Voice
from interviewsim.tts.slots import UserSlots
from interviewsim.vendors.errors import ProviderError, upstream_failure

router = APIRouter(prefix="/api", tags=["voice"], responses=ERROR_RESPONSES)


class TtsRequest(BaseModel):
    """POST /api/tts."""

    model_config = ConfigDict(extra="ignore")

    # Documented, not enforced by the model: text with nothing speakable gets the seed's 400, not a 422.
    text: str = Field(max_length=MAX_TTS_CHARS, json_schema_extra={"pattern": "[A-Za-z0-9]"})
    voice_style: Literal["male", "female"] = "female"


@router.post(
    "/tts",
    response_class=StreamingResponse,
    dependencies=[Depends(rate_limit("tts"))],
    responses={200: {"content": {"audio/mpeg": {}}, "description": "MP3 speech"}},
)
async def tts(body: TtsRequest, user: CurrentUser, engines: EnginesDep, request: Request) -> StreamingResponse:
    """Speak `text` in the chosen voice."""
    if not clean_for_speech(body.text):
        raise BadRequest("'text' has nothing speakable; send the words to say.")
    slots: UserSlots = request.app.state.tts_slots
    slots.take(user.id)
    try:
        audio = engines.voice.synthesize(body.text, body.voice_style)
        # Pull the first chunk before answering, so a failing voice gives a JSON error, not a broken 200.
        first = await _first_chunk(audio, engines.voice)
    except BaseException:
        slots.give_back(user.id)
        raise
    stream = _replay(first, audio, release=lambda: slots.give_back(user.id))
    return StreamingResponse(stream, media_type="audio/mpeg", headers={"Cache-Control": "no-store"})


async def _first_chunk(audio: AsyncIterator[bytes], voice: Voice) -> bytes:
    try:
        return await anext(audio, b"")
    except ProviderError as error:
        raise upstream_failure(error, "The voice could not speak this text just now; try again shortly.") from None


async def _replay(first: bytes, rest: AsyncIterator[bytes], *, release: Callable[[], None]) -> AsyncIterator[bytes]:
    try:
        if first:
            yield first
        async for chunk in rest:
            yield chunk
    finally:
        release()
