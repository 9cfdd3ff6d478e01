"""The repository writes an interview's progress at commit: what the flow changed, and nothing else."""

from __future__ import annotations

import uuid

from interviewsim.interviews.models import InterviewSession
from interviewsim.interviews.repository import InterviewRepository
from interviewsim.storage.db import create_engine, migrate, session_factory
from interviewsim.storage.types import utcnow


def _interview(user_id: str) -> InterviewSession:
    return InterviewSession(
        id=str(uuid.uuid4()),
        user_id=user_id,
        domain="software",
        role="Backend Engineer",
        interview_type="Mixed",
        difficulty="Intermediate",
        duration=15,
        voice_style="female",
        seed=7,
        phase="warmup",
        warmup_exchanges=0,
        questions_asked=0,
        questions_planned=6,
        consecutive_rude=0,
        created_at=utcnow(),
    )


async def test_commit_writes_what_the_flow_changed_and_leaves_untouched_rows_alone(database_url: str) -> None:
    engine = create_engine(database_url)
    await migrate(engine)
    factory = session_factory(engine)
    try:
        changed, untouched = _interview("alice"), _interview("alice")
        async with factory() as db:
            repository = InterviewRepository(db)
            await repository.add_session(changed)
            await repository.add_session(untouched)
            await repository.commit()

        async with factory() as db:
            repository = InterviewRepository(db)
            loaded = await repository.get_session(changed.id, "alice", for_update=True)
            other = await repository.get_session(untouched.id, "alice")
            assert loaded is not None and other is not None
            loaded.phase, loaded.questions_asked = "core", 1
            await repository.commit()

        async with factory() as db:
            repository = InterviewRepository(db)
            after = await repository.get_session(changed.id, "alice")
            other_after = await repository.get_session(untouched.id, "alice")
            assert await repository.get_session(changed.id, "bob") is None  # never another user's interview
        assert after is not None and other_after is not None
        assert (after.phase, after.questions_asked) == ("core", 1)
        assert after.updated_at > changed.created_at
        assert other_after.updated_at == untouched.updated_at  # no write: it stays out of "recently active"
    finally:
        await engine.dispose()
