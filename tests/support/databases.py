"""Database helpers for tests: an interview row to store, and dropping connections as a restart does."""

from __future__ import annotations

import uuid

import asyncpg

from interviewsim.interviews.models import InterviewSession
from interviewsim.storage.types import utcnow


def new_interview(user_id: str) -> InterviewSession:
    """A fresh interview in its warm-up, ready for `add_session`."""
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


async def terminate_other_backends(postgres_url: str) -> int:
    """Drop every other connection to the test database and wait until each is gone; how many."""
    admin = await asyncpg.connect(postgres_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        pids = await admin.fetch(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        for row in pids:
            await admin.execute("SELECT pg_terminate_backend($1, 5000)", row["pid"])  # waits for the exit
        return len(pids)
    finally:
        await admin.close()
