"""The options `interviewsim serve` gives uvicorn: limits that are safe on a public port."""

from __future__ import annotations

from typing import Any

from interviewsim.config import Settings
from interviewsim.serving.protocol import DeadlineHttpToolsProtocol

# Just above the live voice loop's own limits (64,000-byte audio frames, 16 KiB text frames), which
# close with a reason; a larger WebSocket message is refused by uvicorn before it is buffered (its
# default would take 16 MiB per message).
WS_MAX_MESSAGE_BYTES = 64 * 1024


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for `uvicorn.run`, shared by one worker and many."""
    return {
        "host": settings.host,
        "port": settings.port,
        "log_level": settings.log_level.lower(),
        "proxy_headers": settings.trust_proxy_headers,
        # On SIGTERM, uvicorn stops accepting and lets in-flight turns finish for this long.
        "timeout_graceful_shutdown": settings.shutdown_grace_seconds,
        # Our JSON logs and access lines (route templates, no query strings) replace uvicorn's.
        "log_config": None,
        "access_log": False,
        # httptools with a head cap (MAX_HEADER_BYTES, 431) and request deadlines: see serving/protocol.py.
        "http": DeadlineHttpToolsProtocol,
        "timeout_keep_alive": settings.keep_alive_seconds,
        # Beyond this many open connections or running requests, a new request is answered 503 at once.
        "limit_concurrency": settings.limit_concurrency,
        "ws_max_size": WS_MAX_MESSAGE_BYTES,
    }
