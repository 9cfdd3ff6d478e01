"""RequestGuard: what every request must meet before the app sees it (header count; loopback in local modes)."""

from __future__ import annotations

import functools
import ipaddress

from starlette.types import ASGIApp, Receive, Scope, Send

from interviewsim.errors import error_response

LOCAL_HOST_NAMES = frozenset({"localhost"})
# A WebSocket refused before it is accepted: "policy violation" (uvicorn answers the handshake with 403).
_POLICY_VIOLATION = 1008


def host_name(host_header: str) -> str:
    """The name in a Host header, without port, brackets or a trailing dot, lowercased."""
    host = host_header.strip().lower()
    if host.startswith("["):
        return host[1:].partition("]")[0]
    return host.rpartition(":")[0] if host.count(":") == 1 else host


# Cached: every request in a local mode asks about the same one or two peers and Host headers.
@functools.lru_cache(maxsize=256)
def is_loopback_address(address: str) -> bool:
    """Whether `address` is an IP literal of this machine (127.0.0.0/8, ::1)."""
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


@functools.lru_cache(maxsize=256)
def is_loopback_host(host_header: str) -> bool:
    """Whether a Host header names this machine: localhost or a loopback address, any port."""
    name = host_name(host_header).rstrip(".")
    return name in LOCAL_HOST_NAMES or is_loopback_address(name)


class RequestGuard:
    """Pure ASGI middleware: 431 past `max_header_count` fields; with `loopback_only`, refuses other machines.

    The local token and the Auth emulator's unsigned tokens are safe only on this machine, so in those
    modes a peer that is not a loopback address gets 403, whatever address the server was bound to, and a
    Host header that does not name this machine gets 400: a web page that rebinds its own DNS name to
    127.0.0.1 cannot reach the server through the browser.
    """

    def __init__(self, app: ASGIApp, *, max_header_count: int, loopback_only: bool) -> None:
        self.app = app
        self.max_header_count = max_header_count
        self.loopback_only = loopback_only

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        refusal = self._refusal(scope)
        if refusal is None:
            await self.app(scope, receive, send)
        elif scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": _POLICY_VIOLATION})
        else:
            status, message, code = refusal
            await error_response(status, message, code)(scope, receive, send)

    def _refusal(self, scope: Scope) -> tuple[int, str, str] | None:
        """(status, sentence, code) when the request must not reach the app, else None."""
        headers = scope["headers"]
        if len(headers) > self.max_header_count:
            return 431, f"The request has more than {self.max_header_count} header fields.", "headers_too_large"
        if not self.loopback_only:
            return None
        client = scope.get("client")
        # No client address: a Unix socket, which only this machine can reach.
        if client and not is_loopback_address(client[0]):
            return 403, "This server signs in with a local-only token: it answers this machine only.", "not_local"
        host = next((value.decode("latin-1") for name, value in headers if name == b"host"), "")
        if not is_loopback_host(host):
            return 400, "Use http://127.0.0.1 or http://localhost to reach this local server.", "host_not_allowed"
        return None
