"""Serve an ASGI app with uvicorn in a background thread (terminal practice, quality harness, tests)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn
from starlette.types import ASGIApp

LOOPBACK = "127.0.0.1"


@contextmanager
def serve_in_thread(
    app: ASGIApp, *, host: str = LOOPBACK, start_timeout: float = 30.0, **uvicorn_options: Any
) -> Iterator[str]:
    """Serve `app` on a free port of `host` (loopback by default) until the block ends; yield its loopback URL."""
    # Binding the socket here (not just picking a free port) leaves no window for another process to take it.
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((host, 0))
    port = int(listener.getsockname()[1])
    # The app writes its own access lines; uvicorn's would repeat them.
    options: dict[str, Any] = {"log_level": "warning", "lifespan": "on", "access_log": False, **uvicorn_options}
    config = uvicorn.Config(app, host=host, port=port, **options)
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [listener]}, name="interviewsim-server", daemon=True
    )
    thread.start()
    try:
        deadline = time.monotonic() + start_timeout
        while not server.started:
            if not thread.is_alive():
                raise RuntimeError("the interview server failed to start (see the log above)")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the interview server did not start within {start_timeout:.0f} seconds")
            time.sleep(0.02)
        yield f"http://{LOOPBACK}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        listener.close()
