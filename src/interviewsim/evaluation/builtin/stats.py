"""Small numeric helpers of the rubric."""

from __future__ import annotations

from collections.abc import Sequence
from statistics import fmean


def mean(values: Sequence[float]) -> float:
    """Mean, or 0 for nothing."""
    return fmean(values) if values else 0.0


def percent(value: float) -> int:
    """A 0-1 value as an int percentage, clamped."""
    return max(0, min(100, round(value * 100)))
