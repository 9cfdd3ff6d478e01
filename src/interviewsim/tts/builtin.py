"""The built-in offline voice: Piper or espeak-ng speech, encoded to MP3 with LAME or handed out as PCM."""

from __future__ import annotations

import ctypes
import re
import threading
from collections.abc import AsyncIterator
from typing import Protocol

import av
import espeakng_loader
import lameenc

from interviewsim.shared.speakable import clean_for_speech
from interviewsim.tts.base import PCM_OUTPUT_SAMPLE_RATE, VoiceStyle
from interviewsim.tts.executor import run_synthesis
from interviewsim.tts.piper import PiperSpeaker, bundled_male_voice

_ESPEAK_VOICES: dict[VoiceStyle, bytes] = {"male": b"en-us+m3", "female": b"en-us+f3"}
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


class _EspeakSpeaker:
    """One espeak-ng voice, behind the same two calls as a PiperSpeaker."""

    def __init__(self, voice: bytes) -> None:
        self.voice = voice

    def __repr__(self) -> str:
        return f"EspeakSpeaker({self.voice.decode()!r})"

    def sample_rate(self) -> int:
        return _ESPEAK.sample_rate()

    def speak(self, sentence: str) -> bytes:
        return _ESPEAK.speak(sentence, self.voice)


class _Speaker(Protocol):
    def sample_rate(self) -> int: ...

    def speak(self, sentence: str) -> bytes: ...


def _encode_sentence(encoder: lameenc.Encoder, speaker: _Speaker, sentence: str) -> bytes:
    return bytes(encoder.encode(speaker.speak(sentence)))


def resample(pcm: bytes, rate: int, target: int) -> bytes:
    """s16le mono PCM at `rate` resampled to `target` Hz."""
    if rate == target or not pcm:
        return pcm
    frame = av.AudioFrame(format="s16", layout="mono", samples=len(pcm) // 2)
    frame.planes[0].update(pcm[: len(pcm) // 2 * 2])
    frame.sample_rate = rate
    resampler = av.AudioResampler(format="s16", layout="mono", rate=target)
    out = [*resampler.resample(frame), *resampler.resample(None)]
    return b"".join(bytes(f.planes[0])[: f.samples * 2] for f in out)


class BuiltinVoice:
    """The offline voice: Piper (en_US-joe-medium) for the male style, espeak-ng for the female one.

    `piper_male` / `piper_female` name a Piper `.onnx` voice for a style; None keeps espeak-ng for it.
    Synthesis runs in its own bounded pool, one sentence at a time, so the first sentence plays at once.
    """

    name = "builtin"

    def __init__(self, *, piper_male: str | None = "bundled", piper_female: str | None = None) -> None:
        self._speakers: dict[VoiceStyle, _Speaker] = {
            "male": _speaker(piper_male, _ESPEAK_VOICES["male"]),
            "female": _speaker(piper_female, _ESPEAK_VOICES["female"]),
        }

    def speaker_for(self, style: VoiceStyle) -> str:
        """Which engine and voice speak `style` (for logs and the README's claims)."""
        return repr(self._speakers[style])

    async def synthesize(self, text: str, style: VoiceStyle) -> AsyncIterator[bytes]:
        """Yield MP3 bytes for `text`, one sentence at a time, as one continuous MP3 stream."""
        sentences = _sentences(text)
        speaker = self._speakers[style]
        encoder = lameenc.Encoder()
        encoder.set_bit_rate(_BIT_RATE_KBPS)
        encoder.set_in_sample_rate(await run_synthesis(speaker.sample_rate))
        encoder.set_channels(1)
        encoder.set_quality(_LAME_QUALITY)
        for sentence in sentences:
            chunk = await run_synthesis(_encode_sentence, encoder, speaker, sentence)
            # LAME buffers about a frame of audio, so a very short sentence can produce nothing yet.
            if chunk:
                yield chunk
        yield bytes(encoder.flush())

    async def synthesize_pcm(self, text: str, style: VoiceStyle) -> AsyncIterator[bytes]:
        """Yield s16le mono PCM at PCM_OUTPUT_SAMPLE_RATE for `text`, one sentence per chunk."""
        sentences = _sentences(text)
        speaker = self._speakers[style]
        rate = await run_synthesis(speaker.sample_rate)
        for sentence in sentences:
            pcm = await run_synthesis(speaker.speak, sentence)
            if pcm:
                yield resample(pcm, rate, PCM_OUTPUT_SAMPLE_RATE)


def _speaker(piper_model: str | None, espeak_voice: bytes) -> _Speaker:
    if piper_model is None:
        return _EspeakSpeaker(espeak_voice)
    return PiperSpeaker(bundled_male_voice() if piper_model == "bundled" else piper_model)


def _sentences(text: str) -> list[str]:
    spoken = clean_for_speech(text)
    if not spoken:
        raise ValueError("nothing to speak")
    return [sentence for sentence in _SENTENCE_BREAK.split(spoken) if sentence]
