"""Decoding uploaded audio (WebM/Opus, Ogg/Opus, WAV, MP3, MP4/AAC) to 16 kHz mono s16le PCM, in memory.

The container is recognised from its first bytes and opened with that one demuxer only, so
FFmpeg never probes formats that can reach other files or URLs (playlists, concat lists).
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import av

from interviewsim.stt.base import PCM_SAMPLE_RATE

_BYTES_PER_SECOND = PCM_SAMPLE_RATE * 2
_MICROSECONDS = 1_000_000


class AudioError(Exception):
    """The upload cannot be turned into speech; `status` is the HTTP status it maps to."""

    status = 400
    code = "bad_audio"


class UnsupportedAudio(AudioError):
    """Not one of the accepted containers."""

    status = 415
    code = "unsupported_media_type"


class AudioTooLong(AudioError):
    """Longer than the duration cap."""

    status = 413
    code = "audio_too_long"


@dataclass(frozen=True)
class DecodedAudio:
    """Mono s16le PCM at PCM_SAMPLE_RATE and the container it came in."""

    pcm: bytes
    container: str

    @property
    def seconds(self) -> float:
        """How long the audio lasts."""
        return len(self.pcm) / _BYTES_PER_SECOND


def sniff_container(data: bytes) -> str | None:
    """The FFmpeg demuxer for `data` judged by its magic bytes, or None when it is no accepted format."""
    head = data[:16]
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "matroska"  # WebM is a Matroska profile; this demuxer reads both
    if head.startswith(b"OggS"):
        return "ogg"
    if head.startswith(b"RIFF") and head[8:12] == b"WAVE":
        return "wav"
    if head[4:8] == b"ftyp":
        return "mov"  # MP4, M4A and 3GP share this demuxer
    if head.startswith(b"ID3"):
        return "mp3"
    if len(head) >= 2 and head[0] == 0xFF:
        if head[1] & 0xF6 == 0xF0:
            return "aac"  # ADTS header: sync bits then layer 00
        if head[1] & 0xE0 == 0xE0:
            return "mp3"  # MPEG audio frame sync
    return None


def decode(data: bytes, *, max_seconds: float) -> DecodedAudio:
    """`data` as mono s16le PCM at 16 kHz; AudioError (or a subclass) when it cannot or may not be."""
    container_name = sniff_container(data)
    if container_name is None:
        raise UnsupportedAudio("Send WebM/Opus, Ogg/Opus, WAV, MP3 or MP4/AAC audio.")
    try:
        with av.open(io.BytesIO(data), mode="r", format=container_name) as container:
            if not container.streams.audio:
                raise AudioError("The upload holds no audio track.")
            # A declared duration lets a long upload be refused before any decoding.
            if container.duration is not None and container.duration / _MICROSECONDS > max_seconds + 1:
                raise AudioTooLong(_too_long(max_seconds))
            pcm = _decode_stream(container, max_seconds)
    except AudioError:
        raise
    except (av.FFmpegError, ValueError, IndexError, EOFError):
        raise AudioError("The audio could not be decoded; the file may be damaged or not audio.") from None
    if not pcm:
        raise AudioError("The upload holds no audio samples.")
    return DecodedAudio(pcm, container_name)


def _decode_stream(container: av.container.InputContainer, max_seconds: float) -> bytes:
    """Decode the first audio stream, resampled, stopping as soon as it passes `max_seconds`."""
    stream = container.streams.audio[0]
    resampler = av.AudioResampler(format="s16", layout="mono", rate=PCM_SAMPLE_RATE)
    limit = int(max_seconds * _BYTES_PER_SECOND)
    pcm = bytearray()
    for frame in container.decode(stream):
        for out in resampler.resample(frame):
            pcm += bytes(out.planes[0])[: out.samples * 2]
        if len(pcm) > limit:
            raise AudioTooLong(_too_long(max_seconds))
    for out in resampler.resample(None):
        pcm += bytes(out.planes[0])[: out.samples * 2]
    if len(pcm) > limit:
        raise AudioTooLong(_too_long(max_seconds))
    return bytes(pcm)


def _too_long(max_seconds: float) -> str:
    return f"The recording is longer than {max_seconds:g} seconds; send a shorter answer."
