"""The built-in offline voice: espeak-ng speech encoded to MP3 with LAME."""

from __future__ import annotations

import asyncio
import ctypes
import re
import threading
from collections.abc import AsyncIterator

import espeakng_loader
import lameenc

from interviewsim.shared.speakable import clean_for_speech
from interviewsim.tts.base import VoiceStyle

_VOICES: dict[VoiceStyle, bytes] = {"male": b"en-us+m3", "female": b"en-us+f3"}
_RATE_WPM = 170
_BIT_RATE_KBPS = 64
_LAME_QUALITY = 2
_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+")

# Constants from espeak-ng's speak_lib.h.
_AUDIO_OUTPUT_SYNCHRONOUS = 2
_BUFFER_MS = 500
_INITIALIZE_DONT_EXIT = 0x8000
_RATE = 1
_POS_CHARACTER = 1
_CHARS_UTF8 = 1
_END_PAUSE = 0x1000
_EE_OK = 0

# int callback(short *wav, int numsamples, espeak_EVENT *events); 0 means carry on.
_SynthCallback = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p)


class _Espeak:
    """The process-wide espeak-ng library, loaded on first use and used by one thread at a time."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._lib: ctypes.CDLL | None = None
        self._sample_rate = 0
        self._pcm = bytearray()
        # Kept on the instance: C holds only a raw pointer, so the callback must never be collected.
        self._callback = _SynthCallback(self._collect)

    def _collect(self, wav: int | None, count: int, _events: int | None) -> int:
        if wav and count > 0:
            self._pcm += ctypes.string_at(wav, count * 2)
        return 0

    def _load(self) -> ctypes.CDLL:
        if self._lib is not None:
            return self._lib
        lib = ctypes.CDLL(espeakng_loader.get_library_path())
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        lib.espeak_Initialize.restype = ctypes.c_int
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        lib.espeak_Synth.argtypes = [
            ctypes.c_void_p,
            ctypes.c_size_t,
            ctypes.c_uint,
            ctypes.c_int,
            ctypes.c_uint,
            ctypes.c_uint,
            ctypes.c_void_p,
            ctypes.c_void_p,
        ]
        data_path = espeakng_loader.get_data_path().encode()
        sample_rate = lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, _BUFFER_MS, data_path, _INITIALIZE_DONT_EXIT)
        if sample_rate <= 0:
            raise RuntimeError(f"espeak-ng failed to initialise with data at {data_path!r}")
        lib.espeak_SetSynthCallback(self._callback)
        lib.espeak_SetParameter(_RATE, _RATE_WPM, 0)
        self._sample_rate = sample_rate
        self._lib = lib
        return lib

    def sample_rate(self) -> int:
        """Return the rate of the samples `speak` produces, loading the library if needed."""
        with self._lock:
            self._load()
            return self._sample_rate

    def speak(self, text: str, voice: bytes) -> bytes:
        """Return `text` spoken by `voice` as 16-bit mono little-endian PCM."""
        with self._lock:
            lib = self._load()
            if lib.espeak_SetVoiceByName(voice) != _EE_OK:
                raise RuntimeError(f"espeak-ng has no voice {voice!r}")
            self._pcm = bytearray()
            data = text.encode()
            status = lib.espeak_Synth(data, len(data) + 1, 0, _POS_CHARACTER, 0, _CHARS_UTF8 | _END_PAUSE, None, None)
            lib.espeak_Synchronize()
            pcm, self._pcm = bytes(self._pcm), bytearray()
        if status != _EE_OK:
            raise RuntimeError(f"espeak-ng failed to synthesise (error {status})")
        return pcm


_ESPEAK = _Espeak()


def _encode_sentence(encoder: lameenc.Encoder, sentence: str, voice: bytes) -> bytes:
    return bytes(encoder.encode(_ESPEAK.speak(sentence, voice)))


class BuiltinVoice:
    """An offline voice needing no system packages: espeak-ng bundled from PyPI, MP3 via lameenc."""

    name = "builtin"

    async def synthesize(self, text: str, style: VoiceStyle) -> AsyncIterator[bytes]:
        """Yield MP3 bytes for `text`, one sentence at a time, as one continuous MP3 stream."""
        spoken = clean_for_speech(text)
        if not spoken:
            raise ValueError("nothing to speak")
        voice = _VOICES[style]
        encoder = lameenc.Encoder()
        encoder.set_bit_rate(_BIT_RATE_KBPS)
        encoder.set_in_sample_rate(await asyncio.to_thread(_ESPEAK.sample_rate))
        encoder.set_channels(1)
        encoder.set_quality(_LAME_QUALITY)
        for sentence in _SENTENCE_BREAK.split(spoken):
            chunk = await asyncio.to_thread(_encode_sentence, encoder, sentence, voice)
            # LAME buffers about a frame of audio, so a very short sentence can produce nothing yet.
            if chunk:
                yield chunk
        yield bytes(encoder.flush())
