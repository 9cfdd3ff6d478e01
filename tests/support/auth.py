"""A verifier for tests that knows several users by fixed tokens (the Verifier seam)."""

from __future__ import annotations

from interviewsim.auth.base import AuthUser


class TokenTableVerifier:
    """Maps fixed bearer tokens to users."""

    name = "token-table"

    def __init__(self, users: dict[str, str]) -> None:
        self.users = users

    async def verify(self, token: str) -> AuthUser | None:
        """The user whose token this is, if any."""
        user_id = self.users.get(token)
        return AuthUser(id=user_id) if user_id else None
