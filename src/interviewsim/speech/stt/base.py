"""The speech-to-text protocols, where the speech feature (and the live voice loop) imports them from.

They are defined in `interviewsim.stt.base`, the engine layer, so the engine factory can build them.
"""

from __future__ import annotations

from interviewsim.stt.base import (
    PCM_SAMPLE_RATE,
    SpeechStream,
    SpeechToText,
    StreamingSpeechToText,
    Transcript,
    WarmsUp,
    Word,
    join_transcripts,
)

__all__ = [
    "PCM_SAMPLE_RATE",
    "SpeechStream",
    "SpeechToText",
    "StreamingSpeechToText",
    "Transcript",
    "WarmsUp",
    "Word",
    "join_transcripts",
]
