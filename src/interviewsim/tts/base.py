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
