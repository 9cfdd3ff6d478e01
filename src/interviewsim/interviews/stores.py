"""Which interview storage a request gets: raw asyncpg on PostgreSQL, sqlite3 on the loop for a SQLite file."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from starlette.datastructures import State

from interviewsim.interviews.repository import InterviewRepository
from interviewsim.interviews.repository_asyncpg import AsyncpgInterviewRepository
from interviewsim.interviews.repository_sqlite import SqliteInterviewRepository


@contextlib.asynccontextmanager
async def open_repository(state: State) -> AsyncIterator[InterviewRepository]:
    """The repository on the app's storage (`pg_pool`, else `sqlite`); released on exit."""
    repository: InterviewRepository
    if state.pg_pool is not None:
        repository = AsyncpgInterviewRepository(state.pg_pool)
    else:
        repository = SqliteInterviewRepository(state.sqlite)
    try:
        yield repository
    finally:
        await repository.release()


async def interview_repository(request: Request) -> AsyncIterator[InterviewRepository]:
    """One transaction per request: what the route left uncommitted is committed on success, else rolled back."""
    async with open_repository(request.app.state) as repository:
        try:
            yield repository
        except BaseException:
            await repository.rollback()
            raise
        await repository.commit()


# scope="function": commit before the response is sent, so a client's next request sees this one's writes.
Repository = Annotated[InterviewRepository, Depends(interview_repository, scope="function")]
