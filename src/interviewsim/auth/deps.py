"""The CurrentUser dependency: a verified bearer token or 401; too many failures from one address, 429."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from interviewsim.auth.base import AuthUser, Verifier
from interviewsim.errors import Unauthorized
from interviewsim.observability.middleware import set_user
from interviewsim.vendors.errors import ProviderError, upstream_failure

# The rate-limit bucket of wrong tokens, counted per client address (RATE_LIMIT_AUTH_FAILURES).
FAILED_SIGN_INS = "failed sign-in"


async def current_user(request: Request) -> AuthUser:
    """Verify the `Authorization: Bearer` token of the request."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Sign in first: send 'Authorization: Bearer <token>'.")
    limiter = request.app.state.shared.limiter
    rule: str = request.app.state.settings.rate_limit_auth_failures
    address = request.client.host if request.client else "unknown"
    # An address over the limit is refused before its token is checked, so guessing cannot go on.
    await limiter.check(FAILED_SIGN_INS, address, rule)
    verifier: Verifier = request.app.state.verifier
    try:
        user = await verifier.verify(token.strip())
    except ProviderError as error:
        raise upstream_failure(error, "Sign-in cannot be checked right now; try again in a moment.") from None
    if user is None:
        await limiter.hit(FAILED_SIGN_INS, address, rule)
        raise Unauthorized("Your sign-in token is invalid or has expired; sign in again.")
    set_user(user.id)  # log lines of this request carry the hashed user id
    return user


CurrentUser = Annotated[AuthUser, Depends(current_user)]
