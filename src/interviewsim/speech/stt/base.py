"""The speech-to-text protocol, where the speech feature (and the live voice loop) imports it from.

It is defined in `interviewsim.stt.base`, the engine layer, so the engine factory can build it.
"""

from __future__ import annotations

from interviewsim.stt.base import PCM_SAMPLE_RATE, SpeechToText, Transcript, WarmsUp, Word

__all__ = ["PCM_SAMPLE_RATE", "SpeechToText", "Transcript", "WarmsUp", "Word"]
