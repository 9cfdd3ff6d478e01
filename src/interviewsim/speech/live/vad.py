"""Voice activity detection: Silero VAD v6 (the ONNX copy faster-whisper ships) through onnxruntime.

The model is loaded once per process, on first use; each stream keeps its own recurrent state.
faster-whisper's copy is used rather than the `silero-vad` wheel's, whose package requires torch.
"""

from __future__ import annotations

import functools
import os
from typing import Any

import numpy as np

SAMPLE_RATE = 16_000
WINDOW_SAMPLES = 512  # the model's window at 16 kHz: 32 ms
WINDOW_BYTES = WINDOW_SAMPLES * 2
WINDOW_SECONDS = WINDOW_SAMPLES / SAMPLE_RATE
_CONTEXT_SAMPLES = 64  # the model sees the tail of the previous window before each new one


@functools.cache
def _session() -> Any:
    """The process-wide ONNX session (thread-safe to run; one thread each, as VAD is tiny)."""
    import onnxruntime
    from faster_whisper.vad import get_assets_path

    options = onnxruntime.SessionOptions()
    options.inter_op_num_threads = 1
    options.intra_op_num_threads = 1
    options.log_severity_level = 4
    path = os.path.join(get_assets_path(), "silero_vad_v6.onnx")
    return onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"], sess_options=options)


def load_vad() -> None:
    """Load the model now (at startup, so the first connection does not pay for it)."""
    _session()


class SileroVad:
    """Speech probabilities for a stream of s16le mono 16 kHz PCM, one 32 ms window at a time."""

    def __init__(self) -> None:
        self._h = np.zeros((1, 1, 128), dtype=np.float32)
        self._c = np.zeros((1, 1, 128), dtype=np.float32)
        self._context = np.zeros(_CONTEXT_SAMPLES, dtype=np.float32)
        self._pending = b""

    def feed(self, pcm: bytes) -> list[float]:
        """The speech probability of every whole window completed by `pcm` (a partial window waits)."""
        data = self._pending + pcm
        whole = len(data) - len(data) % WINDOW_BYTES
        self._pending = data[whole:]
        return [self._window(data[start : start + WINDOW_BYTES]) for start in range(0, whole, WINDOW_BYTES)]

    def _window(self, pcm: bytes) -> float:
        samples = np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0
        batch = np.concatenate([self._context, samples])[np.newaxis, :]
        self._context = samples[-_CONTEXT_SAMPLES:]
        probabilities, self._h, self._c = _session().run(None, {"input": batch, "h": self._h, "c": self._c})
        return float(np.asarray(probabilities).reshape(-1)[0])
