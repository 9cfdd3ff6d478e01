"""RequestContext: a request id for every request, one access line and one latency observation each."""

from __future__ import annotations

import logging
import re
import time
import uuid
from typing import TYPE_CHECKING

from starlette.routing import Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from interviewsim.observability.logging import hash_user, request_id_var, user_hash_var

if TYPE_CHECKING:
    from interviewsim.observability.metrics import Metrics

REQUEST_ID_HEADER = "x-request-id"
_HEADER_NAME = REQUEST_ID_HEADER.encode()
UNMATCHED_ROUTE = "unmatched"
# The status logged when the client left before any response was sent (nginx's convention).
CLIENT_CLOSED_STATUS = 499
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")
_KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

access_log = logging.getLogger("interviewsim.access")


def set_user(user_id: str) -> None:
    """Put the hashed `user_id` in the log context of the current request (called once auth succeeds)."""
    user_hash_var.set(hash_user(user_id))


def route_template(scope: Scope, entry_root_path: str = "") -> str:
    """The matched route's template (`/api/sessions/{session_id}`) after the app ran, else `unmatched`."""
    route = scope.get("route")
    template = getattr(route, "path_format", None)
    root_path = str(scope.get("root_path", ""))
    prefix = root_path[len(entry_root_path) :] if root_path.startswith(entry_root_path) else ""
    if not isinstance(template, str):
        # FastAPI does not record a mount (static files) as the route; the mount's path is in root_path.
        return f"{prefix}/{{path}}" if prefix else UNMATCHED_ROUTE
    if isinstance(route, Mount):
        # A mount that is itself the endpoint (static files) already put its own path into root_path.
        prefix = prefix.removesuffix(route.path)
    return prefix + template


def accepted_request_id(scope: Scope) -> str | None:
    """The client's X-Request-ID when it is a short token of safe characters, else None."""
    for name, value in scope.get("headers", ()):
        if name.lower() == _HEADER_NAME:
            candidate = value.decode("latin-1")
            return candidate if _SANE_REQUEST_ID.fullmatch(candidate) else None
    return None


class RequestContext:
    """Pure ASGI middleware: sets/propagates X-Request-ID, logs one access line and observes latency."""

    def __init__(self, app: ASGIApp, *, metrics: Metrics | None = None) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = accepted_request_id(scope) or uuid.uuid4().hex
        request_token = request_id_var.set(request_id)
        user_token = user_hash_var.set(None)
        entry_root_path = str(scope.get("root_path", ""))
        header = (_HEADER_NAME, request_id.encode())
        status: int | None = None
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                headers = [(k, v) for k, v in message.get("headers", ()) if k.lower() != _HEADER_NAME]
                message = {**message, "headers": [*headers, header]}
            await send(message)

        failed = False
        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            failed = True
            raise
        finally:
            final = status if status is not None else (500 if failed else CLIENT_CLOSED_STATUS)
            self._record(scope, entry_root_path, final, time.perf_counter() - started)
            if not failed:
                # On failure the context stays: the server-error handler outside this middleware logs the
                # exception and should carry the request id. Servers run each request in its own task context.
                user_hash_var.reset(user_token)
                request_id_var.reset(request_token)

    def _record(self, scope: Scope, entry_root_path: str, status: int, seconds: float) -> None:
        """The access line (route template, never the raw path or query) and the latency observation."""
        method = str(scope.get("method", "")).upper()
        method = method if method in _KNOWN_METHODS else "OTHER"
        route = route_template(scope, entry_root_path)
        duration_ms = round(seconds * 1000, 1)
        access_log.info(
            "%s %s %d %.1fms",
            method,
            route,
            status,
            duration_ms,
            extra={"method": method, "route": route, "status": status, "duration_ms": duration_ms},
        )
        if self.metrics is not None:
            self.metrics.observe_request(method, route, status, seconds)
