"""How a spoken answer sounded, from the audio's word timings: pace, fillers per minute and long pauses.

For a spoken answer these move communication and confidence by a fifth: a steady pace with few fillers and no
long silences raises them, a rushed or halting delivery lowers them. A transcript the recogniser was unsure of
is not held against the candidate: its wording (fillers, hedges, readability) gets the benefit of the doubt.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

STEADY_WPM = (120.0, 170.0)  # conversational interview pace
EDGE_WPM = (60.0, 240.0)  # at or beyond these the pace earns nothing
FILLERS_PER_MINUTE_FLOOR = 12.0  # a filler every five seconds earns nothing
PAUSES_PER_MINUTE_FLOOR = 3.0
SPOKEN_SHARE = 0.2  # the share of communication and confidence a spoken answer's sound decides


def spoken(delivery: Mapping[str, Any] | None) -> bool:
    """Whether the answer was spoken with enough speech to measure."""
    return delivery is not None and float(delivery.get("speaking_seconds") or 0) > 0


def unsure(delivery: Mapping[str, Any] | None) -> bool:
    """Whether the recogniser flagged the transcript as possibly wrong."""
    return bool(delivery and delivery.get("low_confidence"))


def pace(delivery: Mapping[str, Any]) -> float:
    """1 within the steady band, falling to 0 toward a rushed or dragging pace."""
    wpm = float(delivery.get("words_per_minute") or 0)
    (slow, fast), (slowest, fastest) = STEADY_WPM, EDGE_WPM
    if wpm < slow:
        return max(0.0, (wpm - slowest) / (slow - slowest))
    if wpm > fast:
        return max(0.0, (fastest - wpm) / (fastest - fast))
    return 1.0


def fluency(delivery: Mapping[str, Any]) -> float:
    """1 with no fillers, 0 at a filler every few seconds; an unsure transcript's fillers are not counted."""
    if unsure(delivery):
        return 1.0
    return 1.0 - min(1.0, float(delivery.get("fillers_per_minute") or 0) / FILLERS_PER_MINUTE_FLOOR)


def flow(delivery: Mapping[str, Any]) -> float:
    """1 with no long silences, 0 at several a minute."""
    minutes = float(delivery.get("speaking_seconds") or 0) / 60
    per_minute = float(delivery.get("long_pauses") or 0) / max(minutes, 0.25)
    return 1.0 - min(1.0, per_minute / PAUSES_PER_MINUTE_FLOOR)


def sounded_clear(delivery: Mapping[str, Any]) -> float:
    """0-1 communication credit for how the answer sounded: pace first, then fillers, then silences."""
    return 0.45 * pace(delivery) + 0.35 * fluency(delivery) + 0.2 * flow(delivery)


def sounded_sure(delivery: Mapping[str, Any]) -> float:
    """0-1 confidence credit for how the answer sounded: hesitation shows as long silences and fillers."""
    return 0.4 * pace(delivery) + 0.25 * fluency(delivery) + 0.35 * flow(delivery)


def blend(text_credit: float, sound_credit: float) -> float:
    """The text's credit with the sound's share mixed in."""
    return (1 - SPOKEN_SHARE) * text_credit + SPOKEN_SHARE * sound_credit
