"""A request-body size cap enforced before anything parses the body."""

from __future__ import annotations

import json
from collections.abc import Mapping

from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_BODY_BYTES = 256 * 1024


class BodySizeLimit:
    """Answers 413 when a request body exceeds the cap (declared or streamed).

    Paths in `streamed_paths` (uploads) have their own larger cap: a declared length over it is
    refused here, and the route itself reads the body as it streams, after authentication.
    """

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES, streamed_paths: Mapping[str, int] = {}) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.streamed_paths = dict(streamed_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        upload_cap = self.streamed_paths.get(scope["path"])
        if upload_cap is not None:
            if declared is not None and declared.isdigit() and int(declared) > upload_cap:
                await self._reject(send, upload_cap)
                return
            await self.app(scope, receive, send)
            return
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._reject(send)
            return
        # Bodies here are small JSON: read them whole (up to the cap) before the app parses anything.
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            body.extend(message.get("body", b""))
            if len(body) > self.max_bytes:
                await self._reject(send)
                return
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": bytes(body), "more_body": False}

        await self.app(scope, replay, send)

    async def _reject(self, send: Send, cap: int | None = None) -> None:
        body = json.dumps(
            {
                "error": f"The request body is larger than {(cap or self.max_bytes) // 1024} KB.",
                "code": "payload_too_large",
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
