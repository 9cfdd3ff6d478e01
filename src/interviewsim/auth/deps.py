"""The CurrentUser dependency: a verified bearer token or 401; too many failures from one address, 429."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from interviewsim.auth.base import AuthUser, Verifier
from interviewsim.auth.throttle import SignInThrottle
from interviewsim.errors import Unauthorized
from interviewsim.observability.middleware import set_user
from interviewsim.vendors.errors import ProviderError, upstream_failure


async def current_user(request: Request) -> AuthUser:
    """Verify the `Authorization: Bearer` token of the request."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Sign in first: send 'Authorization: Bearer <token>'.")
    throttle: SignInThrottle = request.app.state.sign_in_throttle
    address = request.client.host if request.client else "unknown"
    # An address over the limit is refused before its token is checked, so guessing cannot go on.
    await throttle.check(address)
    verifier: Verifier = request.app.state.verifier
    try:
        user = await verifier.verify(token.strip())
    except ProviderError as error:
        raise upstream_failure(error, "Sign-in cannot be checked right now; try again in a moment.") from None
    if user is None:
        await throttle.failed(address)
        raise Unauthorized("Your sign-in token is invalid or has expired; sign in again.")
    set_user(user.id)  # log lines of this request carry the hashed user id
    return user


CurrentUser = Annotated[AuthUser, Depends(current_user)]
