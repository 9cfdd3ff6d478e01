"""Who is calling: the verifier protocol and the authenticated user."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable


@dataclass(frozen=True)
class AuthUser:
    """The caller, as proven by a verified token."""

    id: str
    email: str | None = None


@runtime_checkable
class Verifier(Protocol):
    """Turns a bearer token into a user, or None when the token is not valid."""

    name: str

    async def verify(self, token: str) -> AuthUser | None:
        """Return the token's user, or None for an invalid token."""
        ...
