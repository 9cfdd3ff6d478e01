"""The voice protocol."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Literal, Protocol, runtime_checkable

VoiceStyle = Literal["male", "female"]


@runtime_checkable
class Voice(Protocol):
    """Turns text into MP3 audio, yielded in chunks as it is produced."""

    name: str

    def synthesize(self, text: str, style: VoiceStyle) -> AsyncIterator[bytes]:
        """Yield MP3 bytes for `text` spoken in `style`."""
        ...


PCM_OUTPUT_SAMPLE_RATE = 22_050


@runtime_checkable
class PcmVoice(Protocol):
    """A voice that can also yield raw s16le mono PCM at PCM_OUTPUT_SAMPLE_RATE (the live voice loop plays it)."""

    name: str

    def synthesize_pcm(self, text: str, style: VoiceStyle) -> AsyncIterator[bytes]:
        """Yield s16le mono PCM at PCM_OUTPUT_SAMPLE_RATE for `text` spoken in `style`, sentence by sentence."""
        ...
