"""Silero VAD through onnxruntime on real synthesized speech."""

from __future__ import annotations

from interviewsim.speech.live.vad import WINDOW_BYTES, WINDOW_SECONDS, SileroVad
from tests.support.live_speech import noise, silence, spoken


def test_speech_is_found_where_it_was_said() -> None:
    speech = spoken("I worked on the payment system and we moved it to the cloud.")
    probabilities = SileroVad().feed(silence(1.0) + speech + silence(1.0))
    voiced = [i for i, p in enumerate(probabilities) if p >= 0.5]
    assert voiced, "no speech found"
    first, last = voiced[0] * WINDOW_SECONDS, (voiced[-1] + 1) * WINDOW_SECONDS
    speech_seconds = len(speech) / 32000
    assert abs(first - 1.0) < 0.25
    assert abs(last - (1.0 + speech_seconds)) < 0.4


def test_room_noise_and_silence_are_not_speech() -> None:
    probabilities = SileroVad().feed(silence(1.0) + noise(2.0))
    assert max(probabilities) < 0.5


def test_partial_windows_wait_for_the_rest() -> None:
    vad = SileroVad()
    assert vad.feed(bytes(WINDOW_BYTES - 2)) == []
    assert len(vad.feed(bytes(2 + WINDOW_BYTES))) == 2
