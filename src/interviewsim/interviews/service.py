"""The interview flow: start, answer, end and grade; never raises HTTP errors itself."""

from __future__ import annotations

import logging
import secrets
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, TypeVar

from interviewsim.auth.base import AuthUser
from interviewsim.engines.factory import Engines
from interviewsim.errors import Conflict, NotFound, UpstreamError
from interviewsim.evaluation.schema import Evaluation
from interviewsim.evaluation.spoken import annotate
from interviewsim.interviewer.base import InterviewerReply, ReplyDelta, TurnContext
from interviewsim.interviewer.streaming import stream_turn
from interviewsim.interviews import flow
from interviewsim.interviews.domain import Directive, Phase, TurnKind
from interviewsim.interviews.models import EvaluationRecord, InterviewSession, Message
from interviewsim.interviews.repository import InterviewRepository
from interviewsim.interviews.schemas import END_MARKERS, ChatRequest, DrillRequest, StartSessionRequest
from interviewsim.interviews.transcript import answered_questions, brief_of, evaluation_input, turns_of
from interviewsim.language.conduct import is_rude
from interviewsim.shared.speakable import clean_for_speech
from interviewsim.storage.types import utcnow
from interviewsim.vendors.errors import ProviderError, upstream_failure

log = logging.getLogger(__name__)

T = TypeVar("T")
DRILL_MINUTES = 5
ENDED_BY_MARKER = {"[END_INTERVIEW_TIME_UP]": "time_up", "[END_INTERVIEW_MANUAL]": "manual"}


@dataclass(frozen=True)
class Progress:
    """Where the interview stands after a turn (additive reply fields)."""

    phase: str
    question_number: int
    questions_planned: int
    minutes_left: float
    provider: str
    kind: str


@dataclass(frozen=True)
class PendingTurn:
    """A turn whose candidate message is stored and whose interviewer reply is still to come."""

    session: InterviewSession
    messages: list[Message]  # the transcript so far; the interviewer's reply is appended to it
    context: TurnContext
    directive: Directive
    ended_by: str | None  # set when this turn closes the interview


@dataclass(frozen=True)
class TurnResult:
    """An interviewer turn as the routes return it."""

    text: str
    voice: str
    end: bool
    progress: Progress
    evaluation: dict[str, Any] | None = None
    reply_seq: int | None = None  # the stored interviewer message's place in the transcript


class InterviewService:
    """Runs interviews for one request; the caller's transaction wraps it."""

    def __init__(
        self,
        repository: InterviewRepository,
        engines: Engines,
        *,
        pass_mark: int,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.repository = repository
        self.engines = engines
        self.pass_mark = pass_mark
        self.clock = clock

    async def start(self, user: AuthUser, request: StartSessionRequest) -> tuple[str, TurnResult]:
        """Create an interview and return the interviewer's opening turn."""
        if request.drill is not None:
            return await self.start_drill(user, request.drill)
        session = InterviewSession(
            id=str(uuid.uuid4()),
            user_id=user.id,
            domain=request.domain,
            role=request.role,
            interview_type=request.interview_type,
            difficulty=request.difficulty,
            duration=request.duration,
            voice_style=request.voice_style,
            job_description=request.job_description or None,
            resume=request.resume or None,
            seed=request.seed if request.seed is not None else secrets.randbelow(2**31),
            phase=Phase.WARMUP,
            warmup_exchanges=0,
            questions_asked=0,
            questions_planned=flow.planned_questions(request.duration),
            consecutive_rude=0,
            created_at=self.clock(),
        )
        # The greeting is asked for before anything is written: no transaction waits on the provider.
        reply = await self._guarded(self.engines.interviewer.respond(self._context(session, [], Directive.GREET)))
        flow.apply_reply(session, reply, Directive.GREET)
        await self.repository.add_session(session)
        await self._store_reply(session, [], reply)
        await self.repository.commit()
        return session.id, self._turn_result(session, reply)

    async def start_drill(self, user: AuthUser, drill: DrillRequest) -> tuple[str, TurnResult]:
        """A short interview that asks one core question of the user's earlier interview again."""
        original = await self._owned(drill.session_id, user)
        asked = answered_questions(await self.repository.messages(original.id), self.engines.question_lookup)
        if drill.question_index >= len(asked):
            raise NotFound(f"That interview has no question number {drill.question_index + 1} to practise.")
        question = asked[drill.question_index]
        facts = self.engines.question_lookup(question.question_id) if question.question_id else None
        session = InterviewSession(
            id=str(uuid.uuid4()),
            user_id=user.id,
            domain=original.domain,
            role=original.role,
            interview_type=original.interview_type,
            difficulty=original.difficulty,
            duration=DRILL_MINUTES,
            voice_style=original.voice_style,
            job_description=original.job_description,
            resume=original.resume,
            seed=secrets.randbelow(2**31),
            # Straight to the question: no warm-up, and one core question planned, so the interviewer may follow
            # up on the answer and then wraps up.
            phase=Phase.CORE,
            warmup_exchanges=0,
            questions_asked=1,
            questions_planned=1,
            consecutive_rude=0,
            created_at=self.clock(),
            drill_of=original.id,
            drill_question=drill.question_index,
        )
        text = facts.text if facts and facts.text else question.question
        opening = InterviewerReply(
            text=text,
            voice=clean_for_speech(text),
            kind=TurnKind.QUESTION,
            question_id=question.question_id,
            provider="drill",
        )
        await self.repository.add_session(session)
        await self._store_reply(session, [], opening)
        await self.repository.commit()
        return session.id, self._turn_result(session, opening)

    async def reply(self, turn: PendingTurn) -> TurnResult:
        """The interviewer's whole reply to the turn begun by `begin_turn`, stored."""
        reply = await self._guarded(self.engines.interviewer.respond(turn.context))
        return await self.finish_turn(turn, reply)

    async def reply_stream(self, turn: PendingTurn) -> AsyncIterator[ReplyDelta | TurnResult]:
        """The turn begun by `begin_turn`, streamed: text deltas, then the finished TurnResult."""
        reply: InterviewerReply | None = None
        events = stream_turn(self.engines.interviewer, turn.context)
        while True:
            event = await self._guarded(anext(events, None))
            if event is None:
                break
            if isinstance(event, ReplyDelta):
                yield event
            else:
                reply = event
        if reply is None:
            raise UpstreamError("The interviewer's reply was cut off. Your answer is saved; send it again.")
        yield await self.finish_turn(turn, reply)

    async def begin_turn(
        self, user: AuthUser, request: ChatRequest, *, delivery: dict[str, Any] | None = None
    ) -> PendingTurn:
        """Check the session, store the candidate's message (with its delivery when spoken), decide what comes next."""
        session = await self._owned(request.session_id, user, for_update=True)
        if session.phase == Phase.ENDED:
            raise Conflict("This interview has ended; start a new one or fetch its results.")
        if request.voice_style:
            session.voice_style = request.voice_style
        marker = request.user_message.strip()
        if marker in END_MARKERS:
            messages = await self.repository.messages(session.id)
            await self.repository.commit()  # no transaction stays open while the provider works
            return self._pending(session, messages, Directive.CLOSE, ENDED_BY_MARKER[marker])
        messages = await self._record_answer(session, request.user_message, delivery)
        # The answer is durable before any provider is called: an upstream fault never loses it,
        # and no transaction (or pooled connection) is held while the provider works.
        await self.repository.commit()
        directive = self._directive_for(session)
        ended_by = None
        if directive == Directive.CLOSE:
            ended_by = "time_up" if session.phase != Phase.WRAPUP else "completed"
        return self._pending(session, messages, directive, ended_by)

    async def finish_turn(self, turn: PendingTurn, reply: InterviewerReply) -> TurnResult:
        """Store the interviewer's reply; an ending reply closes and grades the interview."""
        if turn.ended_by is not None:
            return await self._end(turn.session, turn.messages, turn.ended_by, reply)
        if reply.end:
            return await self._end(turn.session, turn.messages, "early", reply)
        flow.apply_reply(turn.session, reply, turn.directive)
        await self._store_reply(turn.session, turn.messages, reply)
        await self.repository.commit()
        return replace(self._turn_result(turn.session, reply), reply_seq=turn.messages[-1].seq)

    def _pending(
        self, session: InterviewSession, messages: list[Message], directive: Directive, ended_by: str | None
    ) -> PendingTurn:
        return PendingTurn(session, messages, self._context(session, messages, directive), directive, ended_by)

    async def results(self, user: AuthUser, session_id: str) -> dict[str, Any]:
        """The stored evaluation; an unfinished interview is ended and graded first."""
        session = await self._owned(session_id, user, for_update=True)
        stored = await self.repository.get_evaluation(session.id)
        if stored is not None:
            return stored.payload
        if session.phase != Phase.ENDED:
            self._mark_ended(session, "results_requested")
            await self.repository.commit()
        messages = await self.repository.messages(session.id)
        payload = await self._evaluate(session, messages)
        await self.repository.commit()
        return payload

    async def list_sessions(self, user: AuthUser, limit: int, offset: int) -> list[InterviewSession]:
        """The caller's interviews, newest first."""
        return await self.repository.list_sessions(user.id, limit, offset)

    async def detail(
        self, user: AuthUser, session_id: str
    ) -> tuple[InterviewSession, list[Message], EvaluationRecord | None]:
        """One interview with its transcript and stored evaluation."""
        session = await self._owned(session_id, user)
        messages = await self.repository.messages(session.id)
        return session, messages, await self.repository.get_evaluation(session.id)

    async def record_interruption(self, user: AuthUser, session_id: str, seq: int, spoken: str) -> None:
        """Keep interviewer message `seq` as only the words spoken before the candidate cut in, marked interrupted."""
        session = await self._owned(session_id, user)
        if not await self.repository.mark_interrupted(session.id, seq, spoken):
            raise NotFound("No interviewer message with that number was found in this interview.")

    async def _owned(self, session_id: str, user: AuthUser, *, for_update: bool = False) -> InterviewSession:
        session = await self.repository.get_session(session_id, user.id, for_update=for_update)
        if session is None:
            raise NotFound("No interview with that id was found for your account.")
        return session

    async def _record_answer(
        self, session: InterviewSession, text: str, delivery: dict[str, Any] | None = None
    ) -> list[Message]:
        """Store the candidate's message once: a retry of an unanswered message is not stored again."""
        messages = await self.repository.messages(session.id)
        last = messages[-1] if messages else None
        if last is not None and last.role == "user" and last.text == text:
            return messages
        seq = next_seq(messages)
        messages.append(
            await self.repository.append_message(session.id, seq, role="user", text=text, delivery=delivery)
        )
        if session.phase == Phase.WARMUP:
            session.warmup_exchanges += 1
        session.consecutive_rude = session.consecutive_rude + 1 if is_rude(text) else 0
        return messages

    def _directive_for(self, session: InterviewSession) -> Directive:
        return flow.directive_for_answer(session, self.clock())

    def _context(self, session: InterviewSession, messages: list[Message], directive: Directive) -> TurnContext:
        return TurnContext(
            brief=brief_of(session),
            directive=directive,
            transcript=turns_of(messages),
            questions_asked=session.questions_asked,
            questions_planned=session.questions_planned,
            minutes_left=flow.minutes_left(session, self.clock()),
            seed=session.seed,
            consecutive_rude=session.consecutive_rude,
        )

    async def _guarded(self, call: Awaitable[T]) -> T:
        """Await an interviewer call; a provider failure becomes a clear 502/503 (the answer is kept)."""
        try:
            return await call
        except ProviderError as error:
            log.warning("interviewer %s failed: %s", self.engines.interviewer.name, error.message)
            raise upstream_failure(
                error, "The interviewer could not reply just now. Your answer is saved; send it again to continue."
            ) from None

    async def _store_reply(self, session: InterviewSession, messages: list[Message], reply: InterviewerReply) -> None:
        """Add the interviewer's reply to the stored transcript and to `messages` (the loaded one)."""
        message = await self.repository.append_message(
            session.id,
            next_seq(messages),
            role="assistant",
            text=reply.text,
            voice_text=reply.voice or clean_for_speech(reply.text),
            kind=reply.kind,
            question_id=reply.question_id,
            provider=reply.provider,
            usage=dict(reply.usage) or None,
        )
        messages.append(message)

    async def _end(
        self, session: InterviewSession, messages: list[Message], ended_by: str, closing: InterviewerReply
    ) -> TurnResult:
        """Store the closing turn and the ended state, then grade the interview once."""
        flow.apply_reply(session, closing, Directive.CLOSE)
        self._mark_ended(session, ended_by)
        await self._store_reply(session, messages, closing)
        # The ended transcript is durable before grading: a failed evaluator loses nothing.
        await self.repository.commit()
        evaluation = await self._evaluate(session, messages)
        await self.repository.commit()
        voice = clean_for_speech(f"{closing.voice or closing.text} {evaluation['voice_response']}")
        result = self._turn_result(session, closing)
        return TurnResult(
            text=evaluation["text_response"],
            voice=voice,
            end=True,
            progress=result.progress,
            evaluation={**evaluation, "closing_text": closing.text},
        )

    def _mark_ended(self, session: InterviewSession, ended_by: str) -> None:
        session.phase = Phase.ENDED
        session.ended_by = ended_by
        session.ended_at = self.clock()

    async def _evaluate(self, session: InterviewSession, messages: list[Message]) -> dict[str, Any]:
        """Grade the interview and store the result (computed once per interview)."""
        graded_input = evaluation_input(session, messages, self.engines.question_lookup)
        await self.repository.commit()  # grading takes seconds: hold no transaction meanwhile
        try:
            evaluation: Evaluation = await self.engines.evaluator.evaluate(graded_input)
            evaluation = annotate(evaluation, graded_input)  # delivery facts come from the interview, whoever graded
        except ProviderError as error:
            log.warning("evaluator %s failed: %s", self.engines.evaluator.name, error.message)
            raise upstream_failure(
                error, "Your interview is saved, but grading failed just now; request the results again."
            ) from None
        payload = evaluation.to_flat(self.pass_mark, clean_for_speech(evaluation.summary))
        await self.repository.add_evaluation(
            EvaluationRecord(
                session_id=session.id,
                user_id=session.user_id,
                evaluator=evaluation.evaluator,
                score=evaluation.scores.overall,
                payload=payload,
                usage=dict(evaluation.usage) or None,
                created_at=self.clock(),
            )
        )
        session.score = evaluation.scores.overall
        return payload

    def _turn_result(self, session: InterviewSession, reply: InterviewerReply) -> TurnResult:
        progress = Progress(
            phase=session.phase,
            question_number=session.questions_asked,
            questions_planned=session.questions_planned,
            minutes_left=flow.minutes_left(session, self.clock()),
            provider=reply.provider,
            kind=reply.kind,
        )
        return TurnResult(
            text=reply.text,
            voice=reply.voice or clean_for_speech(reply.text),
            end=reply.end,
            progress=progress,
        )


def next_seq(messages: list[Message]) -> int:
    """The sequence number of the turn after the loaded transcript (1 for the first)."""
    return messages[-1].seq + 1 if messages else 1
