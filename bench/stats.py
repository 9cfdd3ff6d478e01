"""Percentile summaries."""

from __future__ import annotations

import math
from collections.abc import Sequence

Summary = dict[str, float | int | None]
PERCENTILES = (("p50", 0.50), ("p95", 0.95), ("p99", 0.99))


def percentile(ordered: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile of already sorted values."""
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def summarize_ms(seconds: Sequence[float]) -> Summary:
    """count, p50, p95, p99 and max in milliseconds (None when there are no samples)."""
    ordered = sorted(seconds)
    summary: Summary = {"count": len(ordered)}
    for name, fraction in PERCENTILES:
        summary[name] = round(percentile(ordered, fraction) * 1000, 3) if ordered else None
    summary["max"] = round(ordered[-1] * 1000, 3) if ordered else None
    return summary
