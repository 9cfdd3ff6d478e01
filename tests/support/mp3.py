"""Reading MP3 streams in tests: frame sync and duration."""

from __future__ import annotations

_BIT_RATES_KBPS = {
    "mpeg1": (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    "mpeg2": (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
_SAMPLE_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}


def mp3_duration(data: bytes, *, strict: bool = True) -> float:
    """Return the seconds of audio in an MPEG Layer III stream by walking its frame headers.

    With `strict`, the data must be whole frames from start to end; otherwise a trailing partial
    frame is ignored.
    """
    pos = 0
    if data[:3] == b"ID3":
        size = (data[6] << 21) | (data[7] << 14) | (data[8] << 7) | data[9]
        pos = 10 + size
    seconds = 0.0
    while pos + 4 <= len(data):
        b1, b2 = data[pos + 1], data[pos + 2]
        assert data[pos] == 0xFF and b1 & 0xE0 == 0xE0, f"lost frame sync at byte {pos}"
        version = (b1 >> 3) & 0b11
        assert version != 1, "reserved MPEG version"
        assert (b1 >> 1) & 0b11 == 0b01, "not Layer III"
        bit_rate = _BIT_RATES_KBPS["mpeg1" if version == 3 else "mpeg2"][b2 >> 4] * 1000
        sample_rate = _SAMPLE_RATES[version][(b2 >> 2) & 0b11]
        padding = (b2 >> 1) & 1
        samples = 1152 if version == 3 else 576
        assert bit_rate > 0, "free-format or bad bit rate"
        length = samples // 8 * bit_rate // sample_rate + padding
        if pos + length > len(data):
            break
        pos += length
        seconds += samples / sample_rate
    if strict:
        assert pos == len(data), f"{len(data) - pos} stray bytes after the last frame"
    return seconds


def looks_like_mp3(data: bytes) -> bool:
    """Whether `data` starts with an ID3 tag or an MPEG frame sync."""
    return data[:3] == b"ID3" or (len(data) > 2 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0)
