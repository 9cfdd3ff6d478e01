"""HTTP routes of interviews: parse, call the service, serialize."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.background import BackgroundTask

from interviewsim.auth.deps import CurrentUser
from interviewsim.deps import EnginesDep, SettingsDep, rate_limit
from interviewsim.errors import ERROR_RESPONSES, AppError
from interviewsim.interviewer.base import ReplyDelta
from interviewsim.interviews.domain import Phase
from interviewsim.interviews.guard import Guard
from interviewsim.interviews.models import InterviewSession, Message
from interviewsim.interviews.schemas import (
    ChatOut,
    ChatRequest,
    EvaluationOut,
    MessageOut,
    ReplyOut,
    ResultsRequest,
    SessionDetailOut,
    SessionId,
    SessionListOut,
    SessionSummaryOut,
    StartSessionOut,
    StartSessionRequest,
)
from interviewsim.interviews.service import InterviewService
from interviewsim.interviews.sse import sse_event
from interviewsim.interviews.stores import Repository
from interviewsim.interviews.turns import TurnDone, TurnRunner, reply_payload

router = APIRouter(prefix="/api", tags=["interviews"], responses=ERROR_RESPONSES)


async def interview_service(repository: Repository, engines: EnginesDep, settings: SettingsDep) -> InterviewService:
    """The interview service bound to this request's transaction."""
    return InterviewService(repository, engines, pass_mark=settings.pass_mark)


Service = Annotated[InterviewService, Depends(interview_service)]


async def turn_runner(request: Request) -> TurnRunner:
    """The process's turn runner."""
    runner: TurnRunner = request.app.state.turn_runner
    return runner


Runner = Annotated[TurnRunner, Depends(turn_runner)]

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        pattern=r"^[\w.:-]{1,128}$",
        description="Retrying the same request with the same key returns the stored reply and creates no new turn; "
        "reusing a key for a different request is a 422.",
    ),
]
SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


@router.post("/start-session", response_model=StartSessionOut, dependencies=[Depends(rate_limit("sessions"))])
async def start_session(body: StartSessionRequest, user: CurrentUser, service: Service) -> dict[str, Any]:
    """Start an interview; the reply holds the interviewer's opening turn."""
    session_id, first = await service.start(user, body)
    return {"session_id": session_id, "first_question": ReplyOut(**reply_payload(first))}


@router.post("/chat", response_model=ChatOut, response_model_exclude_none=True)
async def chat(
    body: ChatRequest, user: CurrentUser, runner: Runner, idempotency_key: IdempotencyKey = None
) -> JSONResponse:
    """Send the candidate's message; the last turn (end: true) carries the evaluation."""
    async with contextlib.aclosing(runner.run(user, body, stream=False, idempotency_key=idempotency_key)) as events:
        async for event in events:
            if isinstance(event, TurnDone):
                # Already validated by ChatOut in the runner: returned as is, not validated twice.
                return JSONResponse(event.payload)
    raise AssertionError("a turn always ends with TurnDone or an error")


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
async def chat_stream(
    body: ChatRequest, user: CurrentUser, runner: Runner, idempotency_key: IdempotencyKey = None
) -> StreamingResponse:
    """The same turn as /api/chat, streamed as the interviewer writes it."""
    events = runner.run(user, body, stream=True, idempotency_key=idempotency_key, route="chat")
    try:
        # Errors before the answer is accepted (not found, ended, limits, busy) are ordinary JSON responses.
        await anext(events)
    except BaseException:
        await events.aclose()
        raise

    async def frames() -> AsyncIterator[bytes]:
        try:
            async for event in events:
                if isinstance(event, ReplyDelta):
                    yield sse_event("delta", {"text": event.text})
                elif isinstance(event, TurnDone):
                    yield sse_event("done", event.payload)
        except AppError as error:
            yield sse_event("error", {"error": error.message, "code": error.code, "status": error.status})
        finally:
            await events.aclose()

    # The background task closes the turn (lock, claimed key) when the stream never ran.
    return StreamingResponse(
        frames(), media_type="text/event-stream", headers=SSE_HEADERS, background=BackgroundTask(events.aclose)
    )


@router.post("/results", response_model=EvaluationOut, dependencies=[Depends(rate_limit("results"))])
async def results(
    body: ResultsRequest, user: CurrentUser, service: Service, guard: Guard, idempotency_key: IdempotencyKey = None
) -> dict[str, Any]:
    """The interview's evaluation, computed once and stored."""

    async def grade() -> dict[str, Any]:
        async with guard.session_lock(body.session_id):
            return await service.results(user, body.session_id)

    return await guard.once(user, idempotency_key, "results", body.model_dump(mode="json"), grade)


@router.get("/sessions", response_model=SessionListOut)
async def list_sessions(
    user: CurrentUser,
    service: Service,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> SessionListOut:
    """The caller's interviews, newest first, with status and score."""
    sessions = await service.list_sessions(user, limit, offset)
    return SessionListOut(sessions=[_summary(s) for s in sessions])


@router.get("/sessions/{session_id}", response_model=SessionDetailOut)
async def session_detail(session_id: SessionId, user: CurrentUser, service: Service) -> SessionDetailOut:
    """One interview: settings, status, full transcript, evaluation if any."""
    session, messages, evaluation = await service.detail(user, session_id)
    by_role = {
        "interviewer": _token_totals(message.usage for message in messages),
        "evaluator": _token_totals([evaluation.usage] if evaluation else []),
    }
    return SessionDetailOut(
        **_summary(session).model_dump(),
        voice_style=session.voice_style,
        job_description=session.job_description,
        questions_asked=session.questions_asked,
        questions_planned=session.questions_planned,
        ended_by=session.ended_by,
        messages=[_message(m) for m in messages],
        evaluation=evaluation.payload if evaluation else None,
        drill_of=session.drill_of,
        drill_question=session.drill_question,
        tokens=_token_totals(by_role.values()),
        tokens_by_role=by_role,
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


def _token_totals(usages: Iterable[dict[str, int] | None]) -> dict[str, int]:
    totals: dict[str, int] = {}
    for usage in usages:
        for kind, count in (usage or {}).items():
            totals[kind] = totals.get(kind, 0) + int(count)
    return totals


def _message(message: Message) -> MessageOut:
    return MessageOut(
        role=message.role,
        text=message.text,
        voice_text=message.voice_text,
        kind=message.kind,
        provider=message.provider,
        usage=message.usage,
        created_at=message.created_at,
        delivery=message.delivery,
        interrupted=message.interrupted,
    )
