"""Domain errors carry their HTTP status; one handler shapes every error as {"error": ...}.

AppError
├── BadRequest (400)
├── Unauthorized (401)
├── NotFound (404)           a session that does not exist or is not the caller's
├── Conflict (409)           chatting on an ended interview, a turn already running
├── Gone (410)               a share link that expired or was revoked
├── PayloadTooLarge (413)
├── RateLimited (429)        carries retry_after
├── UpstreamError (502)      a provider failed; the candidate's message is kept
└── Unavailable (503)        carries retry_after
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger(__name__)


DATABASE_UNAVAILABLE = "The database could not be reached just now; please try again in a moment."


class AppError(Exception):
    """An error a client can act on: a status, a code and a human sentence."""

    status = 500
    code = "internal_error"

    def __init__(self, message: str, *, retry_after: int | None = None, **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after
        self.extra = extra


class BadRequest(AppError):
    """The request is malformed or breaks a limit."""

    status = 400
    code = "bad_request"


class Unauthorized(AppError):
    """The bearer token is missing or invalid."""

    status = 401
    code = "unauthorized"


class NotFound(AppError):
    """The resource does not exist or belongs to someone else."""

    status = 404
    code = "not_found"


class Conflict(AppError):
    """The request conflicts with the resource's state."""

    status = 409
    code = "conflict"


class TurnCollision(Conflict):
    """Two turns of one interview were stored at once: possible only across processes sharing no Redis."""

    code = "turn_collision"

    def __init__(self) -> None:
        super().__init__("Another turn of this interview was stored at the same moment; reload it and answer again.")


class Gone(AppError):
    """The resource existed but is no longer available (an expired or revoked share link)."""

    status = 410
    code = "gone"


class Unprocessable(AppError):
    """The request is well-formed but cannot be processed as sent (e.g. a reused Idempotency-Key)."""

    status = 422
    code = "unprocessable"


class PayloadTooLarge(AppError):
    """The request body is over the size limit."""

    status = 413
    code = "payload_too_large"


class RateLimited(AppError):
    """The caller has hit a rate limit."""

    status = 429
    code = "rate_limited"


class UpstreamError(AppError):
    """A provider failed after its retries."""

    status = 502
    code = "upstream_error"


class Unavailable(AppError):
    """No provider can serve right now."""

    status = 503
    code = "unavailable"


class DatabaseUnavailable(AppError):
    """The database dropped out or cannot be reached; a retry in a moment reconnects."""

    status = 503
    code = "database_unavailable"

    def __init__(self) -> None:
        super().__init__(DATABASE_UNAVAILABLE, retry_after=1)


class ErrorOut(BaseModel):
    """The body of every error response."""

    error: str
    code: str
    retry_after: int | None = None


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorOut, "description": description}
    for status, description in {
        400: "Bad input",
        401: "Missing or invalid token",
        404: "Not found, or not yours",
        409: "Conflicts with the interview's state",
        410: "Gone: an expired or revoked share link",
        413: "Body too large",
        422: "Invalid request; the message names the field",
        429: "Rate limited (Retry-After)",
        502: "A provider failed; nothing you sent is lost",
        503: "Temporarily unavailable (Retry-After)",
    }.items()
}


def error_response(
    status: int, message: str, code: str, *, retry_after: int | None = None, **extra: Any
) -> JSONResponse:
    """The one error shape: {"error": sentence, "code": ...} plus Retry-After when known."""
    body: dict[str, Any] = {"error": message, "code": code, **extra}
    headers = {}
    if retry_after is not None:
        body["retry_after"] = retry_after
        headers["Retry-After"] = str(retry_after)
    return JSONResponse(body, status_code=status, headers=headers)


def _describe_validation(error: RequestValidationError) -> str:
    """One readable sentence from the first validation problem."""
    problems = error.errors()
    if not problems:
        return "The request is invalid."
    first = problems[0]
    if first.get("type") == "json_invalid":
        return "The request body is not valid JSON."
    location = [str(part) for part in first.get("loc", ()) if part not in ("body", "query", "path")]
    field = ".".join(location)
    message = str(first.get("msg", "is invalid")).removeprefix("Value error, ")
    if first.get("type") == "missing":
        return f"'{field}' is required." if field else "The request body is required."
    if field:
        return f"'{field}': {message}."
    return f"{message}."


def install_error_handlers(app: FastAPI) -> None:
    """Route every error through the one JSON shape; never leak a trace."""

    @app.exception_handler(AppError)
    async def _app_error(_: Request, error: AppError) -> JSONResponse:
        response = error_response(error.status, error.message, error.code, retry_after=error.retry_after, **error.extra)
        if error.status == 401:
            response.headers["WWW-Authenticate"] = "Bearer"  # the scheme to answer with (RFC 6750)
        return response

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, error: RequestValidationError) -> JSONResponse:
        return error_response(422, _describe_validation(error), "invalid_request")

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, error: StarletteHTTPException) -> JSONResponse:
        message = error.detail if isinstance(error.detail, str) else "Request failed."
        return error_response(error.status_code, message, "http_error")

    @app.exception_handler(DBAPIError)
    async def _database(request: Request, error: DBAPIError) -> JSONResponse:
        if error.connection_invalidated or isinstance(error, OperationalError | InterfaceError):
            reason = type(error.orig).__name__
            log.warning("database unavailable on %s %s: %s", request.method, request.url.path, reason)
            return await _app_error(request, DatabaseUnavailable())
        return await _unexpected(request, error)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, error: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(500, "Something went wrong on our side; please try again.", "internal_error")
