"""Reading JSON out of model text: code fences, prose around it, or no JSON at all."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

_FENCE = re.compile(r"```(?:json|JSON)?\s*(.*?)```", re.DOTALL)


def extract_json_object(text: str) -> dict[str, Any] | None:
    """The first JSON object in `text` (fenced or embedded in prose), or None."""
    candidates = [match.group(1) for match in _FENCE.finditer(text)]
    candidates.append(text)
    decoder = json.JSONDecoder()
    for candidate in candidates:
        for start in _object_starts(candidate):
            try:
                value, _ = decoder.raw_decode(candidate, start)
            except ValueError:
                continue
            if isinstance(value, dict):
                return value
    return None


def _object_starts(text: str) -> Iterator[int]:
    """Positions where a JSON object could begin, first to last (a reply that is JSON needs only the first)."""
    start = text.find("{")
    while start != -1:
        yield start
        start = text.find("{", start + 1)
