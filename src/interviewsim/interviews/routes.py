"""HTTP routes of interviews: parse, call the service, serialize."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse

from interviewsim.auth.deps import CurrentUser
from interviewsim.deps import DbSession, EnginesDep, SettingsDep, StreamingDbSession
from interviewsim.errors import AppError
from interviewsim.interviews.models import InterviewSession, Message
from interviewsim.interviews.repository import InterviewRepository
from interviewsim.interviews.schemas import (
    ChatOut,
    ChatRequest,
    EvaluationOut,
    MessageOut,
    ReplyOut,
    ResultsRequest,
    SessionDetailOut,
    SessionListOut,
    SessionSummaryOut,
    StartSessionOut,
    StartSessionRequest,
)
from interviewsim.interviews.service import InterviewService, TurnResult
from interviewsim.interviews.sse import sse_event
from interviewsim.llm.base import Phase, ReplyDelta

router = APIRouter(prefix="/api", tags=["interviews"])


def interview_service(db: DbSession, engines: EnginesDep, settings: SettingsDep) -> InterviewService:
    """The interview service bound to this request's transaction."""
    return InterviewService(InterviewRepository(db), engines, pass_mark=settings.pass_mark)


Service = Annotated[InterviewService, Depends(interview_service)]


def streaming_interview_service(db: StreamingDbSession, engines: EnginesDep, settings: SettingsDep) -> InterviewService:
    """The interview service on a transaction that lives as long as the stream."""
    return InterviewService(InterviewRepository(db), engines, pass_mark=settings.pass_mark)


StreamingService = Annotated[InterviewService, Depends(streaming_interview_service)]


def _reply(result: TurnResult) -> dict[str, Any]:
    progress = result.progress
    body: dict[str, Any] = {
        "text_response": result.text,
        "voice_response": result.voice,
        "end": result.end,
        "phase": progress.phase,
        "question_number": progress.question_number,
        "questions_planned": progress.questions_planned,
        "minutes_left": progress.minutes_left,
        "provider": progress.provider,
        "kind": progress.kind,
    }
    if result.evaluation is not None:
        body = {**result.evaluation, **body, "text_response": result.text, "voice_response": result.voice}
    return body


@router.post("/start-session", response_model=StartSessionOut)
async def start_session(body: StartSessionRequest, user: CurrentUser, service: Service) -> dict[str, Any]:
    """Start an interview; the reply holds the interviewer's opening turn."""
    session_id, first = await service.start(user, body)
    return {"session_id": session_id, "first_question": ReplyOut(**_reply(first))}


@router.post("/chat", response_model=ChatOut, response_model_exclude_none=True)
async def chat(body: ChatRequest, user: CurrentUser, service: Service) -> dict[str, Any]:
    """Send the candidate's message; the last turn (end: true) carries the evaluation."""
    return _reply(await service.chat(user, body))


@router.post(
    "/chat/stream",
    response_class=StreamingResponse,
    responses={
        200: {
            "content": {"text/event-stream": {}},
            "description": "Server-Sent Events: `delta` frames `{text}`, then one `done` frame with the "
            "/api/chat JSON (or an `error` frame `{error, code, status}`).",
        }
    },
)
async def chat_stream(body: ChatRequest, user: CurrentUser, service: StreamingService) -> StreamingResponse:
    """The same turn as /api/chat, streamed as the interviewer writes it."""
    # Errors found before streaming (auth, not found, ended, limits) are ordinary JSON responses.
    turn = await service.begin_turn(user, body)

    async def events() -> AsyncIterator[bytes]:
        try:
            async for event in service.chat_stream(turn):
                if isinstance(event, ReplyDelta):
                    yield sse_event("delta", {"text": event.text})
                else:
                    yield sse_event("done", _reply(event))
        except AppError as error:
            yield sse_event("error", {"error": error.message, "code": error.code, "status": error.status})

    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(events(), media_type="text/event-stream", headers=headers)


@router.post("/results", response_model=EvaluationOut)
async def results(body: ResultsRequest, user: CurrentUser, service: Service) -> dict[str, Any]:
    """The interview's evaluation, computed once and stored."""
    return await service.results(user, body.session_id)


@router.get("/sessions", response_model=SessionListOut)
async def list_sessions(
    user: CurrentUser,
    service: Service,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> SessionListOut:
    """The caller's interviews, newest first, with status and score."""
    sessions = await service.list_sessions(user, limit, offset)
    return SessionListOut(sessions=[_summary(s) for s in sessions])


@router.get("/sessions/{session_id}", response_model=SessionDetailOut)
async def session_detail(session_id: str, user: CurrentUser, service: Service) -> SessionDetailOut:
    """One interview: settings, status, full transcript, evaluation if any."""
    session, messages, evaluation = await service.detail(user, session_id)
    return SessionDetailOut(
        **_summary(session).model_dump(),
        voice_style=session.voice_style,
        job_description=session.job_description,
        questions_asked=session.questions_asked,
        questions_planned=session.questions_planned,
        ended_by=session.ended_by,
        messages=[_message(m) for m in messages],
        evaluation=evaluation,
    )


def _summary(session: InterviewSession) -> SessionSummaryOut:
    return SessionSummaryOut(
        session_id=session.id,
        domain=session.domain,
        role=session.role,
        interview_type=session.interview_type,
        difficulty=session.difficulty,
        duration=session.duration,
        status="ended" if session.phase == Phase.ENDED else "in_progress",
        phase=session.phase,
        score=session.score,
        created_at=session.created_at,
        ended_at=session.ended_at,
    )


def _message(message: Message) -> MessageOut:
    return MessageOut(
        role=message.role,
        text=message.text,
        voice_text=message.voice_text,
        kind=message.kind,
        provider=message.provider,
        created_at=message.created_at,
    )
