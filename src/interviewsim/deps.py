"""Request-scoped dependencies: the app's settings and engines (interview storage: interviews.stores).

Dependencies are `async def` even when they do not await: FastAPI runs plain `def` ones in a
worker thread, which costs more than the work itself on every request.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from interviewsim.config import Settings
from interviewsim.providers import Engines


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
