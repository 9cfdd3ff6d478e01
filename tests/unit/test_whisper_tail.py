"""Which trailing Whisper segments are dropped as made up from silence, on scores measured on real tails."""

from __future__ import annotations

from typing import NamedTuple

import pytest

from interviewsim.stt.whisper import without_silence_tail


class Segment(NamedTuple):
    text: str
    avg_logprob: float
    no_speech_prob: float


ANSWER = Segment("I would add an index to the orders table, then measure the latency again.", -0.09, 0.004)


@pytest.mark.parametrize(
    "tail",
    [
        Segment("Thank you.", -1.33, 0.395),  # a failed decoding, though the model thought it speech
        Segment("and I'm going to take a look at the", -1.174, 0.445),
        Segment("And then we'll see you in the next video.", -1.463, 0.446),
        Segment("Yes.", -0.91, 0.703),  # the answer "Yes." heard again in the silence after it
    ],
)
def test_a_made_up_tail_is_dropped(tail: Segment) -> None:
    assert without_silence_tail([ANSWER, tail]) == [ANSWER]
    assert without_silence_tail([ANSWER, tail, Segment("Thank you.", -1.4, 0.46)]) == [ANSWER]


def test_a_spoken_tail_and_a_doubtful_first_segment_stay() -> None:
    said_last = Segment("to read.", -0.664, 0.259)  # a real phrase after a pause
    assert without_silence_tail([ANSWER, said_last]) == [ANSWER, said_last]
    only_yes = Segment("Yes.", -0.93, 0.73)
    assert without_silence_tail([only_yes]) == [only_yes]
    assert without_silence_tail([]) == []
