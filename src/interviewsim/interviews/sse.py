"""Server-Sent Events framing."""

from __future__ import annotations

import json
from typing import Any


def sse_event(event: str, data: Any) -> bytes:
    """One SSE frame: an `event:` line and a single-line JSON `data:` line."""
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False, separators=(',', ':'))}\n\n".encode()
