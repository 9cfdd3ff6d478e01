"""The built-in voice timed directly (`BuiltinVoice`, no HTTP): a 30-word reply to MP3."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from bench.stats import summarize_ms

REPLY_30_WORDS = (
    "Thanks, that was a clear answer. Next, tell me about a time you debugged a production issue "
    "under pressure, what you checked first, and what you would change next time."
)


async def _synthesize_once() -> tuple[float, float, int]:
    """(seconds to the first MP3 chunk, seconds to the whole MP3, bytes)."""
    from interviewsim.tts.builtin import BuiltinVoice

    started = time.perf_counter()
    first: float | None = None
    size = 0
    async for chunk in BuiltinVoice().synthesize(REPLY_30_WORDS, "female"):
        if first is None and chunk:
            first = time.perf_counter() - started
        size += len(chunk)
    total = time.perf_counter() - started
    return first if first is not None else total, total, size


def voice_phase(repeats: int) -> dict[str, Any]:
    """Time one cold synthesis (loads espeak-ng), then `repeats` warm ones."""
    cold = asyncio.run(_synthesize_once())
    warm = [asyncio.run(_synthesize_once()) for _ in range(repeats)]
    return {
        "words": len(REPLY_30_WORDS.split()),
        "cold_ms": round(cold[1] * 1000, 3),
        "first_chunk_ms": summarize_ms([first for first, _, _ in warm]),
        "total_ms": summarize_ms([total for _, total, _ in warm]),
        "mp3_bytes": cold[2],
    }
