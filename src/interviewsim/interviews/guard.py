"""Turn integrity: per-user rate limits, one turn per session, idempotent retries bound to their request."""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends, Request

from interviewsim.auth.base import AuthUser
from interviewsim.errors import BadRequest, Conflict, Unprocessable
from interviewsim.shared.state import SharedState

_IDEMPOTENCY_KEY = re.compile(r"^[\w.:-]{1,128}$")
REUSED_KEY = "This Idempotency-Key was already used for a different request; send a new key for a new request."


def fingerprint(route: str, body: dict[str, Any]) -> str:
    """A hash of what a request asks for: a key replays only for the same route and body."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(f"{route}\n{canonical}".encode()).hexdigest()


class TurnGuard:
    """Keeps concurrent or repeated requests from corrupting a transcript."""

    def __init__(self, shared: SharedState, lock_wait_seconds: float, idempotency_ttl_seconds: int) -> None:
        self.shared = shared
        self.lock_wait_seconds = lock_wait_seconds
        self.idempotency_ttl_seconds = idempotency_ttl_seconds

    def session_lock(self, session_id: str) -> contextlib.AbstractAsyncContextManager[None]:
        """Hold the session's turn; a second turn waits up to the bound, then 409."""
        return self.shared.locks.hold(session_id, self.lock_wait_seconds)

    async def once(
        self,
        user: AuthUser,
        key: str | None,
        route: str,
        body: dict[str, Any],
        run: Callable[[], Awaitable[dict[str, Any]]],
    ) -> dict[str, Any]:
        """Run `run` once per Idempotency-Key: a retry of the same request gets the stored reply."""
        if key is None:
            return await run()
        request = fingerprint(route, body)
        stored = await self.begin(user, key, route, request)
        if stored is not None:
            return stored
        try:
            response = await run()
        except BaseException:
            await self.abandon(user, key, route)
            raise
        await self.remember(user, key, route, request, response)
        return response

    async def begin(self, user: AuthUser, key: str, route: str, request: str) -> dict[str, Any] | None:
        """The reply stored for this request, or None once `key` is claimed for it (409 in use, 422 reused)."""
        if not _IDEMPOTENCY_KEY.match(key):
            raise BadRequest("Idempotency-Key must be 1-128 letters, digits, '.', ':', '_' or '-'.")
        store, scoped = self.shared.idempotency, _scoped(route, key)
        stored = await store.get(user.id, scoped)
        if stored is None and await store.claim(user.id, scoped):
            return None
        stored = stored if stored is not None else await store.get(user.id, scoped)
        if stored is None:
            raise Conflict(
                "A request with this Idempotency-Key is still running; try again in a moment.", retry_after=1
            )
        if stored.get("request") != request or not isinstance(stored.get("response"), dict):
            raise Unprocessable(REUSED_KEY)
        response: dict[str, Any] = stored["response"]
        return response

    async def remember(self, user: AuthUser, key: str, route: str, request: str, response: dict[str, Any]) -> None:
        """Store the reply a claimed key produced, with the request it answers."""
        record = {"request": request, "response": response}
        await self.shared.idempotency.put(user.id, _scoped(route, key), record, ttl=self.idempotency_ttl_seconds)

    async def abandon(self, user: AuthUser, key: str, route: str) -> None:
        """Free a claimed key whose request failed, so a retry runs again."""
        await self.shared.idempotency.release(user.id, _scoped(route, key))


def _scoped(route: str, key: str) -> str:
    # Scoped by route: a key first used on /api/chat never answers /api/results.
    return f"{route}\n{key}"


async def turn_guard(request: Request) -> TurnGuard:
    """The process's turn guard."""
    guard: TurnGuard = request.app.state.turn_guard
    return guard


Guard = Annotated[TurnGuard, Depends(turn_guard)]
