"""The candidate's voice: answer text said by the built-in Piper voice, as 16 kHz microphone audio."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from interviewsim.shared.speakable import clean_for_speech
from interviewsim.tts.base import PCM_OUTPUT_SAMPLE_RATE
from interviewsim.tts.builtin import BuiltinVoice, resample

INPUT_RATE = 16_000  # what GET /api/voice takes: s16le mono
FRAME_SECONDS = 0.02
FRAME_BYTES = int(INPUT_RATE * FRAME_SECONDS) * 2
VOICED_RMS = 300.0  # a 20 ms frame louder than this is speech (Piper's speech is ~3000, its pauses near 0)
THINK_PAUSE_SECONDS = 1.2
ONSET_SECONDS = 0.25  # the speech the server needs before it takes it for speech (VOICE_BARGE_IN_SECONDS)
MAX_SPOKEN_WORDS = 220  # about 70 s of Piper: the server ends a turn that runs past two minutes at its next pause
BLANK_ANSWER = "Pass."  # silence never ends a spoken turn, so a blank answer is said as a pass
# Where the think-pause goes: right after the first of these words found, the open-clause endings the
# protocol names. ("but" is left out: Whisper tiny.en drops it at the end of a clip, "A little nervous, but"
# comes back as "A little nervous.", and the server rightly ends a finished sentence after 0.7 s.)
_OPEN_CLAUSE_WORDS = ("because", "and", "then")
_MIN_HALF_WORDS = 3
_MARGIN_FRAMES = 3  # 60 ms kept around trimmed speech
_WORD_GAP_FRAMES = 3  # quiet frames this short between voiced ones are still one run of speech
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_SPEAKABLE = re.compile(r"[A-Za-z0-9]")
_WORD_EDGES = re.compile(r"^\W+|\W+$")


@dataclass(frozen=True)
class Utterance:
    """An answer as microphone audio, with the 20 ms frame where its speech sets in."""

    pcm: bytes
    onset: int  # the first frame of ONSET_SECONDS of continuous speech: from here a barge-in can be heard

    @property
    def seconds(self) -> float:
        """How long it takes to say."""
        return len(self.pcm) / (INPUT_RATE * 2)


def spoken_text(text: str) -> str | None:
    """What the candidate says aloud for `text`: capped in length; None when nothing in it can be said."""
    if not text.strip():
        return BLANK_ANSWER
    if not _SPEAKABLE.search(clean_for_speech(text)):
        return None
    words = text.split()
    if len(words) <= MAX_SPOKEN_WORDS:
        return text
    kept = ""
    for sentence in _SENTENCE_END.split(text.strip()):
        if len((kept + " " + sentence).split()) > MAX_SPOKEN_WORDS:
            break
        kept = f"{kept} {sentence}".strip()
    return kept or " ".join(words[:MAX_SPOKEN_WORDS])


def think_pause_split(text: str) -> tuple[str, str] | None:
    """`text` cut right after a word that leaves its clause open ("...and" | "then..."), or None when none fits."""
    words = clean_for_speech(text).split()
    for opener in _OPEN_CLAUSE_WORDS:
        for index, word in enumerate(words):
            if _WORD_EDGES.sub("", word).lower() != opener or not word[-1].isalpha():
                continue
            if index + 1 < len(words) and words[index + 1].lower() == "then":
                index += 1  # "and then" stays together
            before, after = words[: index + 1], words[index + 1 :]
            if len(before) > _MIN_HALF_WORDS and len(after) >= _MIN_HALF_WORDS:
                return " ".join(before), " ".join(after)
    return None


def silence(seconds: float) -> bytes:
    """Digital silence of `seconds` at the input rate."""
    return bytes(int(seconds * INPUT_RATE) * 2)


def voiced_frames(pcm: bytes) -> np.ndarray:
    """Indices of the 20 ms frames of `pcm` that hold speech."""
    samples = np.frombuffer(pcm[: len(pcm) // FRAME_BYTES * FRAME_BYTES], dtype="<i2").astype(np.float32)
    frames = samples.reshape(-1, FRAME_BYTES // 2)
    return np.flatnonzero(np.sqrt((frames**2).mean(axis=1)) > VOICED_RMS)


def trimmed(pcm: bytes) -> bytes:
    """`pcm` without the silence at either end (a few frames kept, so no soft sound is clipped)."""
    voiced = voiced_frames(pcm)
    if not len(voiced):
        return pcm
    first = max(0, int(voiced[0]) - _MARGIN_FRAMES)
    last = int(voiced[-1]) + 1 + _MARGIN_FRAMES
    return pcm[first * FRAME_BYTES : last * FRAME_BYTES]


def speech_onset(pcm: bytes) -> int:
    """The first frame of the first ONSET_SECONDS of unbroken speech ("Good, thanks": "thanks", if "Good" is short)."""
    voiced = voiced_frames(pcm)
    if not len(voiced):
        raise ValueError("the candidate's voice produced no audible speech")
    needed = round(ONSET_SECONDS / FRAME_SECONDS)
    start = previous = int(voiced[0])
    for frame in map(int, voiced[1:]):
        if frame - previous > _WORD_GAP_FRAMES + 1:
            start = frame
        previous = frame
        if previous - start + 1 >= needed:
            return start
    return int(voiced[0])


def utterance(pcm: bytes) -> Utterance:
    """Microphone audio cut to whole frames, with where its speech sets in."""
    pcm = pcm[: len(pcm) // FRAME_BYTES * FRAME_BYTES]
    return Utterance(pcm, speech_onset(pcm))


class CandidateVoice:
    """The built-in male voice (Piper, en_US-joe-medium): the interviewer of a simulation speaks with another."""

    def __init__(self) -> None:
        self._voice = BuiltinVoice()

    async def pcm(self, text: str) -> bytes:
        """`text` said aloud, as 16 kHz s16le mono."""
        chunks = [chunk async for chunk in self._voice.synthesize_pcm(text, "male")]
        return resample(b"".join(chunks), PCM_OUTPUT_SAMPLE_RATE, INPUT_RATE)

    async def say(self, text: str) -> Utterance:
        """An answer said in one go."""
        return utterance(trimmed(await self.pcm(text)))

    async def say_with_pause(self, before: str, after: str) -> Utterance:
        """An answer with a think-pause of THINK_PAUSE_SECONDS between its two halves (from voice to voice)."""
        first, second = trimmed(await self.pcm(before)), trimmed(await self.pcm(after))
        margins = 2 * _MARGIN_FRAMES * FRAME_SECONDS  # the pause runs from the last voiced frame to the next
        return utterance(first + silence(THINK_PAUSE_SECONDS - margins) + second)
