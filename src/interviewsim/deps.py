"""Request-scoped dependencies: the app's settings and engines (interview storage: interviews.stores).

Dependencies are `async def` even when they do not await: FastAPI runs plain `def` ones in a
worker thread, which costs more than the work itself on every request.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request

from interviewsim.auth.base import AuthUser
from interviewsim.auth.deps import CurrentUser
from interviewsim.config import Settings
from interviewsim.engines.factory import Engines
from interviewsim.shared.state import SharedState


async def get_settings(request: Request) -> Settings:
    """The settings the app was created with."""
    settings: Settings = request.app.state.settings
    return settings


async def get_engines(request: Request) -> Engines:
    """The process's interviewer, evaluator and voice."""
    engines: Engines = request.app.state.engines
    return engines


SettingsDep = Annotated[Settings, Depends(get_settings)]
EnginesDep = Annotated[Engines, Depends(get_engines)]


def rate_limit(bucket: str) -> Callable[[Request, AuthUser], Awaitable[None]]:
    """A dependency charging one request to the caller's `bucket` limit (429 with Retry-After when over)."""

    async def charge(request: Request, user: CurrentUser) -> None:
        shared: SharedState = request.app.state.shared
        await shared.limiter.hit(bucket, user.id)

    return charge
