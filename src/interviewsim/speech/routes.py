"""POST /api/stt: a recorded answer in, its transcript, word timings and delivery metrics out."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request

from interviewsim.auth.deps import CurrentUser
from interviewsim.deps import EnginesDep, SettingsDep, rate_limit
from interviewsim.errors import ERROR_RESPONSES, ErrorOut
from interviewsim.shared.state import SharedState
from interviewsim.speech.service import SttOut, app_error, transcribe_upload
from interviewsim.speech.upload import UploadError, read_upload

router = APIRouter(prefix="/api", tags=["voice"], responses=ERROR_RESPONSES)

_AUDIO_BODY = {"schema": {"type": "string", "format": "binary"}}
_REQUEST_BODY: dict[str, Any] = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file"],
                "properties": {
                    "file": {"type": "string", "format": "binary", "description": "WebM/Ogg Opus, WAV, MP3, MP4/AAC"},
                    "language": {"type": "string", "description": "ISO-639-1 code, e.g. en"},
                    "prompt": {"type": "string", "description": "Words to expect (names, jargon)"},
                },
            }
        },
        "audio/webm": _AUDIO_BODY,
        "audio/ogg": _AUDIO_BODY,
        "audio/wav": _AUDIO_BODY,
        "audio/mpeg": _AUDIO_BODY,
        "audio/mp4": _AUDIO_BODY,
    },
}


@router.post(
    "/stt",
    response_model=SttOut,
    dependencies=[Depends(rate_limit("stt"))],
    openapi_extra={"requestBody": _REQUEST_BODY},
    responses={415: {"model": ErrorOut, "description": "Not a recording in an accepted format"}},
)
async def stt(request: Request, user: CurrentUser, engines: EnginesDep, settings: SettingsDep) -> SttOut:
    """Transcribe a recorded answer (multipart `file` like OpenAI's transcription endpoint, or a raw audio body)."""
    try:
        upload = await read_upload(request, settings.stt_max_bytes)
    except UploadError as error:
        raise app_error(error.status, error.message) from None
    shared: SharedState = request.app.state.shared
    return await transcribe_upload(
        upload,
        user_id=user.id,
        stt=engines.stt,
        records=shared.speech,
        max_seconds=settings.stt_max_seconds,
        ttl_seconds=settings.speech_ttl_seconds,
    )
