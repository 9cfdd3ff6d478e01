"""Scripted engines in the spirit of pydantic-ai's FunctionModel, and a turn runner on a temporary SQLite file.

An engine is a plain function of what the server asked (the TurnContext, the EvaluationInput); the scripted
engine records every call, so a test can say both what the engine answered and what the server asked of it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from interviewsim.auth.base import AuthUser
from interviewsim.engines.factory import Engines, bank_lookup
from interviewsim.evaluation.schema import Evaluation, EvaluationInput, Scores
from interviewsim.interviewer.base import InterviewerReply, TurnContext
from interviewsim.interviews.domain import Directive, TurnKind
from interviewsim.interviews.guard import TurnGuard
from interviewsim.interviews.repository import InterviewRepository
from interviewsim.interviews.repository_sqlite import SqliteInterviewRepository
from interviewsim.interviews.schemas import ChatRequest, StartSessionRequest
from interviewsim.interviews.service import InterviewService
from interviewsim.interviews.turns import TurnDone, TurnRunner
from interviewsim.shared.idempotency import MemoryIdempotencyStore
from interviewsim.shared.keystate import MemoryKeyStateStore
from interviewsim.shared.locks import MemoryTurnLocks
from interviewsim.shared.ratelimit import RateLimiter
from interviewsim.shared.state import SharedState
from interviewsim.storage.db import create_engine, migrate
from interviewsim.storage.sqlite import SqliteDatabase
from interviewsim.stt.base import SpeechToText
from interviewsim.tts.base import Voice

InterviewerFunction = Callable[[TurnContext], InterviewerReply]
EvaluatorFunction = Callable[[EvaluationInput], Evaluation]
KIND_OF = {
    Directive.GREET: TurnKind.GREETING,
    Directive.WARMUP: TurnKind.WARMUP,
    Directive.TRANSITION: TurnKind.QUESTION,
    Directive.CORE: TurnKind.QUESTION,
    Directive.WRAPUP: TurnKind.WRAPUP,
    Directive.CLOSE: TurnKind.CLOSING,
}


def follows_the_plan(context: TurnContext) -> InterviewerReply:
    """An interviewer that does exactly what each directive asks, and says which directive it got."""
    kind = KIND_OF[context.directive]
    if context.directive == Directive.CORE and context.questions_asked >= context.questions_planned:
        kind = TurnKind.WRAPUP  # the plan is done: invite the candidate's questions
    number = context.questions_asked + 1 if kind == TurnKind.QUESTION else context.questions_asked
    text = f"[{context.directive.value} {number}] Scripted {kind.value}."
    return InterviewerReply(text=text, voice=text, kind=kind, provider="scripted")


def fixed_grade(interview: EvaluationInput) -> Evaluation:
    """A grade that says how many core questions it was given."""
    return Evaluation(
        summary=f"Graded {len(interview.questions)} core questions.",
        strengths=["Scripted"],
        weaknesses=[],
        recommendations=[],
        overall_impression="Scripted.",
        scores=Scores(overall=80, communication=80, technical=80, confidence=80, behavior=80),
        evaluator="scripted",
    )


class ScriptedInterviewer:
    """An interviewer played by a function; `gate`, when set, holds every reply until it is opened."""

    name = "scripted"
    can_stream = False

    def __init__(self, function: InterviewerFunction = follows_the_plan) -> None:
        self.function = function
        self.contexts: list[TurnContext] = []
        self.gate: asyncio.Event | None = None
        self.entered = asyncio.Event()

    async def respond(self, context: TurnContext) -> InterviewerReply:
        """The function's reply to `context` (after the gate opens, when there is one)."""
        self.contexts.append(context)
        self.entered.set()
        if self.gate is not None:
            await self.gate.wait()
        return self.function(context)

    @property
    def directives(self) -> list[Directive]:
        """The directive of every call so far."""
        return [context.directive for context in self.contexts]


class ScriptedEvaluator:
    """An evaluator played by a function; records what it was asked to grade."""

    name = "scripted"

    def __init__(self, function: EvaluatorFunction = fixed_grade) -> None:
        self.function = function
        self.inputs: list[EvaluationInput] = []

    async def evaluate(self, interview: EvaluationInput) -> Evaluation:
        """The function's grade of `interview`."""
        self.inputs.append(interview)
        return self.function(interview)


class Unused:
    """An engine a turn must never touch: any use fails the test."""

    def __init__(self, role: str) -> None:
        self.role = role

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"a turn used the {self.role} engine ({name})")


@dataclass
class Harness:
    """A TurnRunner on a migrated SQLite file with scripted engines and in-process locks and idempotency."""

    runner: TurnRunner
    pool: SqliteDatabase
    interviewer: ScriptedInterviewer
    evaluator: ScriptedEvaluator
    guard: TurnGuard
    engines: Engines

    async def start(self, user: AuthUser, **overrides: Any) -> str:
        """A new interview for `user` (five minutes: three core questions); its session id."""
        request = StartSessionRequest.model_validate(
            {"domain": "software", "role": "Backend Engineer", "duration": 5, **overrides}
        )
        async with self.repository() as repository:
            session_id, _ = await InterviewService(repository, self.engines, pass_mark=65).start(user, request)
        return session_id

    async def say(
        self, user: AuthUser, session_id: str, text: str, *, key: str | None = None, stream: bool = False
    ) -> dict[str, Any]:
        """One turn through the runner; the /api/chat JSON it ends with."""
        request = ChatRequest(session_id=session_id, user_message=text)
        done = [
            e
            async for e in self.runner.run(user, request, stream=stream, idempotency_key=key)
            if isinstance(e, TurnDone)
        ]
        assert len(done) == 1
        return done[0].payload

    async def transcript(self, session_id: str) -> list[tuple[str, str]]:
        """The stored messages as (role, text)."""
        async with self.repository() as repository:
            return [(m.role, m.text) for m in await repository.messages(session_id)]

    @contextlib.asynccontextmanager
    async def repository(self) -> AsyncIterator[InterviewRepository]:
        """A repository on the same file, to read what the runner stored."""
        repository = SqliteInterviewRepository(self.pool)
        try:
            yield repository
        finally:
            await repository.release()


@contextlib.asynccontextmanager
async def harness(directory: Path, *, lock_wait_seconds: float = 5.0) -> AsyncIterator[Harness]:
    """A migrated SQLite file in `directory` behind a TurnRunner with scripted engines."""
    path = directory / "interviews.db"
    engine = create_engine(f"sqlite+aiosqlite:///{path}", pool_size=1, max_overflow=0)
    try:
        await migrate(engine)
    finally:
        await engine.dispose()
    pool = SqliteDatabase(path)
    interviewer, evaluator = ScriptedInterviewer(), ScriptedEvaluator()
    engines = Engines(
        interviewer=interviewer,
        evaluator=evaluator,
        voice=cast(Voice, Unused("voice")),
        stt=cast(SpeechToText, Unused("speech-to-text")),
        question_lookup=bank_lookup,
    )
    shared = SharedState(
        RateLimiter(rules={"chat": None}), MemoryTurnLocks(), MemoryIdempotencyStore(), MemoryKeyStateStore()
    )
    guard = TurnGuard(shared, lock_wait_seconds, idempotency_ttl_seconds=3600)

    @contextlib.asynccontextmanager
    async def open_repository() -> AsyncIterator[InterviewRepository]:
        repository = SqliteInterviewRepository(pool)
        try:
            yield repository
        finally:
            await repository.release()

    runner = TurnRunner(open_repository, engines, guard, shared.limiter, pass_mark=65)
    try:
        yield Harness(runner, pool, interviewer, evaluator, guard, engines)
    finally:
        await pool.close()
