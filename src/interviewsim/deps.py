"""Request-scoped dependencies: the database transaction and the services built on it.

Dependencies are `async def` even when they do not await: FastAPI runs plain `def` ones in a
worker thread, which costs more than the work itself on every request.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from interviewsim.config import Settings
from interviewsim.providers import Engines
from interviewsim.storage.db import transaction


async def db_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One transaction per request."""
    async for session in transaction(request.app.state.session_factory):
        yield session


async def get_settings(request: Request) -> Settings:
    """The settings the app was created with."""
    settings: Settings = request.app.state.settings
    return settings


async def get_engines(request: Request) -> Engines:
    """The process's interviewer, evaluator and voice."""
    engines: Engines = request.app.state.engines
    return engines


# scope="function": commit before the response is sent, so a client's next request sees this one's writes.
DbSession = Annotated[AsyncSession, Depends(db_session, scope="function")]
# Streaming responses outlive the route function: this session stays open until the stream ends
# (the service commits explicitly before its final event).
StreamingDbSession = Annotated[AsyncSession, Depends(db_session, scope="request")]
SettingsDep = Annotated[Settings, Depends(get_settings)]
EnginesDep = Annotated[Engines, Depends(get_engines)]
