"""Turn integrity around the routes: per-user rate limits, one turn per session, idempotent retries."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends, Request

from interviewsim.auth.base import AuthUser
from interviewsim.auth.deps import CurrentUser
from interviewsim.errors import BadRequest, Conflict
from interviewsim.shared.state import SharedState

_IDEMPOTENCY_KEY = re.compile(r"^[\w.:-]{1,128}$")


class TurnGuard:
    """Wraps a turn so concurrent or repeated requests cannot corrupt the transcript."""

    def __init__(self, shared: SharedState, lock_wait_seconds: float, idempotency_ttl_seconds: int) -> None:
        self.shared = shared
        self.lock_wait_seconds = lock_wait_seconds
        self.idempotency_ttl_seconds = idempotency_ttl_seconds

    def session_lock(self, session_id: str) -> contextlib.AbstractAsyncContextManager[None]:
        """Hold the session's turn; a second turn waits up to the bound, then 409."""
        return self.shared.locks.hold(session_id, self.lock_wait_seconds)

    async def once(
        self, user: AuthUser, key: str | None, run: Callable[[], Awaitable[dict[str, Any]]]
    ) -> dict[str, Any]:
        """Run `run` once per Idempotency-Key: a retry with the same key gets the stored reply."""
        if key is None:
            return await run()
        stored = await self.begin(user, key)
        if stored is not None:
            return stored
        try:
            response = await run()
        except BaseException:
            await self.abandon(user, key)
            raise
        await self.remember(user, key, response)
        return response

    async def begin(self, user: AuthUser, key: str) -> dict[str, Any] | None:
        """The reply stored for `key`, or None once `key` is claimed for this request (409 if in use)."""
        if not _IDEMPOTENCY_KEY.match(key):
            raise BadRequest("Idempotency-Key must be 1-128 letters, digits, '.', ':', '_' or '-'.")
        store = self.shared.idempotency
        stored = await store.get(user.id, key)
        if stored is not None:
            return stored
        if await store.claim(user.id, key):
            return None
        stored = await store.get(user.id, key)
        if stored is not None:
            return stored
        raise Conflict("A request with this Idempotency-Key is still running; try again in a moment.", retry_after=1)

    async def remember(self, user: AuthUser, key: str, response: dict[str, Any]) -> None:
        """Store the reply a claimed key produced."""
        await self.shared.idempotency.put(user.id, key, response, ttl=self.idempotency_ttl_seconds)

    async def abandon(self, user: AuthUser, key: str) -> None:
        """Free a claimed key whose request failed, so a retry runs again."""
        await self.shared.idempotency.release(user.id, key)


async def turn_guard(request: Request) -> TurnGuard:
    """The process's turn guard."""
    guard: TurnGuard = request.app.state.turn_guard
    return guard


Guard = Annotated[TurnGuard, Depends(turn_guard)]


def rate_limit(bucket: str) -> Callable[[Request, AuthUser], Awaitable[None]]:
    """A dependency charging one request to the caller's `bucket` limit (429 with Retry-After when over)."""

    async def charge(request: Request, user: CurrentUser) -> None:
        shared: SharedState = request.app.state.shared
        await shared.limiter.hit(bucket, user.id)

    return charge
