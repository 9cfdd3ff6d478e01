"""Local mode: one random token kept in the data directory guards a loopback-only server."""

from __future__ import annotations

import hmac
import os
import secrets
from pathlib import Path

from interviewsim.auth.base import AuthUser
from interviewsim.config import SettingsError

LOCAL_USER_ID = "local"
TOKEN_FILE = "local_token"
# Short enough to type, long enough that guessing it (at the failed sign-in limit) is hopeless.
MIN_TOKEN_LENGTH = 16


def ensure_local_token(data_dir: Path, fixed: str | None = None) -> str:
    """Return the local token: `fixed` (LOCAL_TOKEN) if given, else the stored one, created once.

    A token shorter than MIN_TOKEN_LENGTH is refused with a SettingsError naming where it came from.
    """
    if fixed:
        return _long_enough(fixed, "invalid setting LOCAL_TOKEN", "unset it to have one generated")
    path = data_dir / TOKEN_FILE
    if path.exists():
        token = path.read_text(encoding="utf-8").strip()
        if token:
            return _long_enough(token, f"invalid local token in {path}", "delete the file to have one generated")
    data_dir.mkdir(parents=True, exist_ok=True)
    token = secrets.token_urlsafe(24)
    # Create with owner-only permissions from the start so the token is never world-readable.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(token + "\n")
    return token


def _long_enough(token: str, problem: str, remedy: str) -> str:
    if len(token) < MIN_TOKEN_LENGTH:
        raise SettingsError(f"{problem}: the local token must be at least {MIN_TOKEN_LENGTH} characters; {remedy}")
    return token


class LocalTokenVerifier:
    """Accepts exactly the local token, as the single local user."""

    name = "local"

    def __init__(self, token: str) -> None:
        self._token = token.encode()

    async def verify(self, token: str) -> AuthUser | None:
        """Compare in constant time."""
        if hmac.compare_digest(token.encode(), self._token):
            return AuthUser(id=LOCAL_USER_ID)
        return None
