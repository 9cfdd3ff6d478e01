"""One chat turn for every transport (/api/chat, /api/chat/stream, the voice WebSocket).

The runner owns, in order: the per-user chat limit, the Idempotency-Key, the session's turn lock,
storing the candidate's answer, asking the interviewer (streamed or whole) and storing the reply.
It yields `TurnAccepted` once the answer is durable, `ReplyDelta`s as the interviewer writes, and
one `TurnDone` whose payload is exactly the /api/chat JSON.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from interviewsim.auth.base import AuthUser
from interviewsim.engines.factory import Engines
from interviewsim.errors import NotFound
from interviewsim.interviewer.base import ReplyDelta
from interviewsim.interviews.domain import Phase
from interviewsim.interviews.guard import TurnGuard, fingerprint
from interviewsim.interviews.repository import InterviewRepository
from interviewsim.interviews.schemas import ChatOut, ChatRequest
from interviewsim.interviews.service import InterviewService, TurnResult
from interviewsim.shared.ratelimit import RateLimiter
from interviewsim.shared.speech_records import SpeechRecords
from interviewsim.tts.base import VoiceStyle

OpenRepository = Callable[[], contextlib.AbstractAsyncContextManager[InterviewRepository]]


@dataclass(frozen=True)
class TurnAccepted:
    """The candidate's message is stored (or was an end marker); the interviewer is being asked."""


@dataclass(frozen=True)
class TurnDone:
    """The finished turn: exactly the JSON /api/chat returns, and where its reply is stored."""

    payload: dict[str, Any]
    reply_seq: int | None = None  # the interviewer message's number (None for a closing turn or a replayed key)


TurnEvent = TurnAccepted | ReplyDelta | TurnDone


@dataclass(frozen=True)
class _Turn:
    """What a transport asks of one turn."""

    request: ChatRequest
    idempotency_key: str | None
    route: str
    delivery: dict[str, Any] | None


@dataclass(frozen=True)
class LatestTurn:
    """Where an interview stands, for a transport that joins or resumes it."""

    text: str
    voice: str
    end: bool
    payload: dict[str, Any] | None  # the stored evaluation once the interview has ended
    pending_answer: str | None  # an answer stored but never replied to (a turn cut off mid-way)
    voice_style: VoiceStyle = "male"
    reply_seq: int | None = None  # the latest interviewer message's number


def reply_payload(result: TurnResult) -> dict[str, Any]:
    """A turn as the routes return it: the reply, its progress fields and, at the end, the evaluation."""
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


def chat_json(result: TurnResult) -> dict[str, Any]:
    """The /api/chat JSON of a turn, validated by its response model (every transport sends this)."""
    return ChatOut.model_validate(reply_payload(result)).model_dump(mode="json", exclude_none=True)


class TurnRunner:
    """Runs chat turns; one instance per process."""

    def __init__(
        self,
        open_repository: OpenRepository,
        engines: Engines,
        guard: TurnGuard,
        limiter: RateLimiter,
        *,
        pass_mark: int,
        speech: SpeechRecords | None = None,
    ) -> None:
        self._open_repository = open_repository
        self._engines = engines
        self._guard = guard
        self._limiter = limiter
        self._pass_mark = pass_mark
        self._speech = speech

    async def run(
        self,
        user: AuthUser,
        request: ChatRequest,
        *,
        stream: bool = True,
        idempotency_key: str | None = None,
        route: str = "chat",
        delivery: dict[str, Any] | None = None,
    ) -> AsyncGenerator[TurnEvent, None]:
        """One turn: TurnAccepted, then ReplyDelta events (when streaming), then TurnDone; errors raise AppError.

        `delivery` is the server's own delivery metrics of an answer it heard itself (the live voice
        loop); an answer sent with a `speech_id` takes the metrics stored under it instead.
        """
        turn = _Turn(request, idempotency_key, route, delivery)
        if not stream:
            events: list[TurnEvent] = []
            await self._turn(user, turn, stream=False, emit=events.append)
            for event in events:
                yield event
            return
        queue: asyncio.Queue[TurnEvent | Exception | None] = asyncio.Queue()
        # A streamed turn runs whole in a task of its own: the session lock is entered and left in one
        # task whichever tasks the consumer iterates from (a streamed response continues in another).
        worker = asyncio.create_task(self._turn_into(queue, user, turn))
        try:
            while (item := await queue.get()) is not None:
                if isinstance(item, Exception):
                    raise item
                yield item
        finally:
            # A consumer that leaves (a client gone mid-stream) ends the turn: the answer stays stored.
            worker.cancel()
            await asyncio.wait({worker})

    async def _turn_into(
        self,
        queue: asyncio.Queue[TurnEvent | Exception | None],
        user: AuthUser,
        turn: _Turn,
    ) -> None:
        try:
            await self._turn(user, turn, stream=True, emit=queue.put_nowait)
        except Exception as error:
            queue.put_nowait(error)
        else:
            queue.put_nowait(None)

    async def _turn(self, user: AuthUser, turn: _Turn, *, stream: bool, emit: Callable[[TurnEvent], None]) -> None:
        """The turn itself: limit, idempotency, lock, stored answer, reply, stored reply; events go to `emit`."""
        request, key, route = turn.request, turn.idempotency_key, turn.route
        await self._limiter.hit("chat", user.id)
        delivery = await self._spoken_delivery(user, request) if request.speech_id is not None else turn.delivery
        # Only a keyed request is ever matched against its stored reply (the hash is for that alone).
        request_hash = "" if key is None else fingerprint(route, request.model_dump(mode="json"))
        if key is not None:
            stored = await self._guard.begin(user, key, route, request_hash)
            if stored is not None:
                emit(TurnAccepted())
                emit(TurnDone(stored))
                return
        try:
            async with self._guard.session_lock(request.session_id), self._transaction() as service:
                pending = await service.begin_turn(user, request, delivery=delivery)
                emit(TurnAccepted())
                result: TurnResult | None = None
                if stream:
                    async for event in service.reply_stream(pending):
                        if isinstance(event, ReplyDelta):
                            emit(event)
                        else:
                            result = event
                else:
                    result = await service.reply(pending)
                assert result is not None  # reply_stream always ends with the result or raises
                payload, reply_seq = chat_json(result), result.reply_seq
            if key is not None:
                await self._guard.remember(user, key, route, request_hash, payload)
                key = None
        finally:
            if key is not None:
                await self._guard.abandon(user, key, route)
        emit(TurnDone(payload, reply_seq))

    async def _spoken_delivery(self, user: AuthUser, request: ChatRequest) -> dict[str, Any] | None:
        """The server's own delivery metrics for an answer sent with a `speech_id` from /api/stt."""
        if request.speech_id is None:
            return None
        record = None if self._speech is None else await self._speech.get(user.id, request.speech_id)
        if record is None:
            # 404 like a session that is not the caller's: the referenced recording is not found for them.
            raise NotFound(
                "'speech_id' is unknown, not yours or has expired; transcribe the answer again with POST /api/stt "
                "or send it without speech_id.",
                field="speech_id",
            )
        edited = " ".join(record.text.lower().split()) != " ".join(request.user_message.lower().split())
        return {**record.delivery, "edited": edited}

    async def latest(self, user: AuthUser, session_id: str) -> LatestTurn:
        """The latest interviewer message of the caller's interview and any answer left unreplied."""
        async with self._transaction() as service:
            session, messages, evaluation = await service.detail(user, session_id)
        last_reply = next((m for m in reversed(messages) if m.role == "assistant"), None)
        pending = messages[-1].text if messages and messages[-1].role == "user" else None
        ended = session.phase == Phase.ENDED
        return LatestTurn(
            text=last_reply.text if last_reply else "",
            voice=(last_reply.voice_text or last_reply.text) if last_reply else "",
            end=ended,
            payload=evaluation.payload if evaluation is not None else None,
            pending_answer=None if ended else pending,
            voice_style="female" if session.voice_style == "female" else "male",
            reply_seq=last_reply.seq if last_reply else None,
        )

    async def record_interruption(self, user: AuthUser, session_id: str, seq: int, spoken: str) -> None:
        """Store interviewer message `seq` as what was spoken before the candidate cut in, marked interrupted."""
        async with self._transaction() as service:
            await service.record_interruption(user, session_id, seq, spoken)

    @contextlib.asynccontextmanager
    async def _transaction(self) -> AsyncIterator[InterviewService]:
        """A service on one repository: committed on success, rolled back on any error."""
        async with self._open_repository() as repository:
            try:
                yield InterviewService(repository, self._engines, pass_mark=self._pass_mark)
            except BaseException:
                await repository.rollback()
                raise
            await repository.commit()
