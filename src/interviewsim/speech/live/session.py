"""One live voice interview on an open WebSocket: listen, end the turn, transcribe, run it, speak, yield to barge-in.

Tasks of one connection (all on the event loop; STT and TTS run in their providers' threads):
- the listener reads frames, runs VAD and the turn tracker inline, and starts speculative transcripts;
- the conversation worker takes finished answers in order and runs each through the turn runner,
  streaming the reply's sentences to the speaker as the interviewer writes;
- the speaker synthesizes sentence by sentence and sends audio paced at real time (a little ahead),
  so a barge-in cuts it within a frame and a client that stops reading holds up nothing but itself;
- the writer sends the bounded outbox; a client that does not read for `send_timeout` is dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from typing import Any

from starlette.websockets import WebSocket, WebSocketDisconnect

from interviewsim.auth.base import AuthUser
from interviewsim.errors import AppError
from interviewsim.interviewer.base import ReplyDelta
from interviewsim.interviews.schemas import ChatRequest
from interviewsim.interviews.turns import TurnAccepted, TurnDone, TurnRunner
from interviewsim.speech.delivery import measure
from interviewsim.speech.live.endpointing import (
    EndpointingConfig,
    Event,
    PauseStarted,
    SpeechResumed,
    SpeechStarted,
    TurnEnded,
    TurnTracker,
)
from interviewsim.speech.live.speaking import SentenceSplitter, SpokenLog
from interviewsim.speech.live.vad import SAMPLE_RATE, SileroVad
from interviewsim.speech.stt.base import SpeechToText, Transcript, WarmsUp
from interviewsim.tts.base import PCM_OUTPUT_SAMPLE_RATE, PcmVoice, VoiceStyle
from interviewsim.vendors.errors import ProviderError

log = logging.getLogger(__name__)

END_MARKERS = {"manual": "[END_INTERVIEW_MANUAL]", "time_up": "[END_INTERVIEW_TIME_UP]"}
_BYTES_PER_SECOND_IN = SAMPLE_RATE * 2
_BYTES_PER_SECOND_OUT = PCM_OUTPUT_SAMPLE_RATE * 2
_AUDIO_FRAME_SECONDS = 0.1  # reply audio goes out in frames of this length
_PAD_SECONDS = 0.2  # audio kept around an answer's speech for the transcriber
_OUTBOX_SIZE = 64
_BUSY_RETRY_SECONDS = 0.25  # how often a waiting answer asks a busy engine again


class SessionClosed(Exception):
    """The session ends with this WebSocket close code and reason."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


@dataclass(frozen=True)
class LiveConfig:
    """How the live loop listens, speaks and protects itself."""

    endpointing: EndpointingConfig = field(default_factory=EndpointingConfig)
    barge_in_seconds: float = 0.25
    idle_timeout_seconds: float = 60.0
    send_timeout_seconds: float = 10.0
    max_frame_bytes: int = 64_000  # 2 s of input audio; the protocol asks for 10-100 ms frames
    max_text_bytes: int = 16_384
    audio_lead_seconds: float = 0.4  # how far ahead of real time reply audio is sent
    playback_grace_seconds: float = 0.5  # after its audio's length, a turn counts as played
    busy_stt_wait_seconds: float = 60.0  # how long a finished answer waits for a busy speech-to-text engine


@dataclass(frozen=True)
class _Answer:
    """A finished answer to run as a turn: typed text, or spoken audio still to transcribe."""

    text: str | None = None
    audio: bytes = b""
    speculation: asyncio.Task[Transcript] | None = None
    pauses: tuple[float, ...] = ()  # silences inside the answer, as the VAD measured them


@dataclass(frozen=True)
class _Say:
    """Interviewer words to speak again without a turn (the latest question, after a (re)connect)."""

    text: str
    seq: int | None  # the stored message they come from


@dataclass
class _Speech:
    """The interviewer's current utterance: its turn number, its speaker task and what it has played."""

    turn: int
    task: asyncio.Task[None] | None = None
    log: SpokenLog = field(default_factory=SpokenLog)
    started_at: float | None = None  # monotonic time of its first audio frame
    played: asyncio.Event = field(default_factory=asyncio.Event)
    seq: int | None = None  # the stored interviewer message it speaks, once known
    heard: str | None = None  # what the candidate heard before cutting in (None: not cut)


class VoiceSession:
    """The live loop of one connection (created after auth; `run` returns when the socket should close)."""

    def __init__(
        self,
        websocket: WebSocket,
        *,
        runner: TurnRunner,
        stt: SpeechToText,
        voice: PcmVoice,
        user: AuthUser,
        session_id: str,
        style: VoiceStyle,
        config: LiveConfig,
    ) -> None:
        self._ws = websocket
        self._runner = runner
        self._stt = stt
        self._voice = voice
        self._user = user
        self._session_id = session_id
        self._style: VoiceStyle = style
        self._config = config
        self._tracker = TurnTracker(config.endpointing)
        self._vad = SileroVad()
        self._outbox: asyncio.Queue[str | bytes] = asyncio.Queue(_OUTBOX_SIZE)
        self._answers: asyncio.Queue[_Answer | _Say] = asyncio.Queue()
        self._audio = bytearray()  # input audio since `_audio_start` seconds: the current answer and a lead-in
        self._audio_start = 0.0
        self._speculation: tuple[float, asyncio.Task[Transcript]] | None = None  # (speech_end covered, task)
        self._speech: _Speech | None = None
        self._turns = 0
        self._last_question = ""
        self._turn_start = 0.0
        self._warm_up: asyncio.Task[None] | None = None
        self._pauses: list[float] = []  # the current answer's silences so far
        self._pause_from: float | None = None

    async def run(self, *, greeting: str, greeting_seq: int | None, pending_answer: str | None) -> None:
        """Serve the connection until the interview ends or the client leaves; raises SessionClosed to close."""
        self._send(
            {
                "type": "ready",
                "session_id": self._session_id,
                "input_audio": {"encoding": "pcm_s16le", "sample_rate": SAMPLE_RATE, "channels": 1},
                "output_audio": {"encoding": "pcm_s16le", "sample_rate": PCM_OUTPUT_SAMPLE_RATE, "channels": 1},
            }
        )
        if pending_answer is not None:
            self._answers.put_nowait(_Answer(text=pending_answer))
        else:
            self._last_question = greeting
            self._answers.put_nowait(_Say(greeting, greeting_seq))
        if isinstance(self._stt, WarmsUp):
            # The model loads while the greeting plays, not when the first answer ends (once per process).
            self._warm_up = asyncio.create_task(self._stt.warm_up(), name="voice-stt-warm-up")
        tasks = [
            asyncio.create_task(self._write(), name="voice-writer"),
            asyncio.create_task(self._listen(), name="voice-listener"),
            asyncio.create_task(self._converse(), name="voice-conversation"),
        ]
        writer, _, conversation = tasks
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                task.result()  # re-raises SessionClosed, a disconnect or an unexpected error
            if conversation in done:
                # The interview ended: let the last audio out before the normal close.
                await asyncio.wait(
                    [asyncio.create_task(self._outbox.join()), writer], return_when=asyncio.FIRST_COMPLETED
                )
        finally:
            for task in tasks:
                task.cancel()
            if self._speech is not None and self._speech.task is not None:
                self._speech.task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            if self._speculation is not None:
                self._speculation[1].cancel()

    # -- sending ---------------------------------------------------------------------------------

    def _send(self, event: dict[str, Any]) -> None:
        """Queue a JSON event; a client this far behind is not reading and is dropped."""
        try:
            self._outbox.put_nowait(json.dumps(event))
        except asyncio.QueueFull:
            raise SessionClosed(1008, "client is not reading") from None

    async def _write(self) -> None:
        while True:
            item = await self._outbox.get()
            try:
                async with asyncio.timeout(self._config.send_timeout_seconds):
                    if isinstance(item, bytes):
                        await self._ws.send_bytes(item)
                    else:
                        await self._ws.send_text(item)
            except TimeoutError:
                raise SessionClosed(1008, "client is not reading") from None
            self._outbox.task_done()

    # -- listening -------------------------------------------------------------------------------

    async def _listen(self) -> None:
        config = self._config
        while True:
            try:
                async with asyncio.timeout(config.idle_timeout_seconds):
                    message = await self._ws.receive()
            except TimeoutError:
                raise SessionClosed(1001, "idle timeout: no audio or message received") from None
            if message["type"] == "websocket.disconnect":
                raise WebSocketDisconnect(message.get("code", 1000))
            data: bytes | None = message.get("bytes")
            if data is not None:
                if len(data) > config.max_frame_bytes:
                    raise SessionClosed(1009, f"audio frames must be at most {config.max_frame_bytes} bytes")
                self._hear(data)
                continue
            text: str = message.get("text") or ""
            if len(text.encode()) > config.max_text_bytes:
                raise SessionClosed(1009, f"text messages must be at most {config.max_text_bytes} bytes")
            self._on_message(text)

    def _hear(self, pcm: bytes) -> None:
        self._audio += pcm
        for probability in self._vad.feed(pcm):
            self._handle(self._tracker.push(probability, 512 / SAMPLE_RATE))
        if not self._tracker.in_turn:
            # Outside an answer keep only a short lead-in, so memory does not grow with silence.
            excess = len(self._audio) - _BYTES_PER_SECOND_IN
            if excess > 0:
                excess -= excess % 2
                del self._audio[:excess]
                self._audio_start += excess / _BYTES_PER_SECOND_IN

    def _clip(self, start: float, end: float) -> bytes:
        """Input audio between two stream times, padded a little each side."""
        first = max(0, int((start - _PAD_SECONDS - self._audio_start) * SAMPLE_RATE)) * 2
        last = max(0, int((end + _PAD_SECONDS - self._audio_start) * SAMPLE_RATE)) * 2
        return bytes(self._audio[first:last])

    def _handle(self, events: list[Event]) -> None:
        for event in events:
            if isinstance(event, SpeechStarted):
                self._send({"type": "speech.started"})
                self._turn_start = event.at
                self._pauses, self._pause_from = [], None
            elif isinstance(event, SpeechResumed):
                self._send({"type": "speech.started"})
                if self._speculation is not None:
                    # Stale now: a call still queued in the engine's pool never runs, a request in flight stops.
                    self._speculation[1].cancel()
                if self._pause_from is not None:
                    self._pauses.append(round(event.at - self._pause_from, 2))
            elif isinstance(event, PauseStarted):
                self._send({"type": "speech.stopped"})
                self._pause_from = event.speech_end
                self._speculate(event.speech_end)
            elif isinstance(event, TurnEnded):
                speculation = (
                    self._speculation[1] if self._speculation and self._speculation[0] == event.speech_end else None
                )
                self._answers.put_nowait(
                    _Answer(
                        audio=self._clip(event.start, event.speech_end),
                        speculation=speculation,
                        pauses=tuple(self._pauses),
                    )
                )
                self._speculation = None
        self._barge_in_check()

    def _barge_in_check(self) -> None:
        """Candidate speech long enough while the interviewer speaks stops the interviewer."""
        speech = self._speech
        if speech is None or speech.task is None or speech.task.done() or not self._tracker.in_turn:
            return
        if self._tracker.now - self._tracker.turn_start >= self._config.barge_in_seconds:
            self._interrupt(speech)

    def _interrupt(self, speech: _Speech) -> None:
        if speech.task is not None:
            speech.task.cancel()
        # Audio already queued for this turn is dropped: not one more frame after the cut.
        for item in _drain(self._outbox):
            self._outbox.task_done()
            if not isinstance(item, bytes):
                self._outbox.put_nowait(item)
        played = 0.0 if speech.started_at is None else time.monotonic() - speech.started_at
        heard = speech.log.heard(min(played, speech.log.seconds))
        speech.heard = heard
        self._send({"type": "interrupted", "turn": speech.turn, "heard": heard})
        speech.played.set()

    def _speculate(self, speech_end: float) -> None:
        """Transcribe the answer so far while the silence runs; the result sets how long to wait."""
        if self._speculation is not None and not self._speculation[1].done():
            return  # one at a time: its result is checked against the speech it covered
        audio = self._clip(self._turn_start, speech_end)
        task = asyncio.create_task(self._transcribe(audio))
        self._speculation = (speech_end, task)
        task.add_done_callback(lambda done: self._speculated(speech_end, done))

    def _speculated(self, speech_end: float, task: asyncio.Task[Transcript]) -> None:
        if task.cancelled() or task.exception() is not None:
            return
        if not self._tracker.in_turn or self._tracker.speech_end != speech_end:
            # Stale: the candidate went on. If they are pausing again, transcribe up to the new pause.
            if self._tracker.paused:
                self._speculate(self._tracker.speech_end)
            return
        text = task.result().text
        try:
            self._send({"type": "transcript", "text": text, "final": False})
            self._handle(self._tracker.set_transcript(text))
        except SessionClosed:
            pass  # the writer closes the session

    async def _transcribe(self, audio: bytes) -> Transcript:
        transcript = await self._stt.transcribe(audio, language="en", prompt=self._last_question or None)
        return replace(transcript, text=transcript.text.strip())

    def _on_message(self, text: str) -> None:
        try:
            message = json.loads(text)
            kind = message["type"]
        except (ValueError, KeyError, TypeError):
            raise SessionClosed(1003, "text frames must be JSON objects with a type") from None
        if kind == "playback.end":
            speech = self._speech
            if speech is not None and message.get("turn") == speech.turn:
                speech.played.set()
        elif kind == "text":
            answer = str(message.get("text") or "").strip()
            if answer:
                self._stop_speaking()
                self._answers.put_nowait(_Answer(text=answer))
        elif kind == "end":
            reason = message.get("reason", "manual")
            if reason not in END_MARKERS:
                raise SessionClosed(1003, "end reason must be 'manual' or 'time_up'")
            self._stop_speaking()
            self._answers.put_nowait(_Answer(text=END_MARKERS[reason]))
        else:
            self._send({"type": "error", "error": f"Unknown message type {kind!r}.", "code": "bad_message"})

    def _stop_speaking(self) -> None:
        speech = self._speech
        # A turn the client has reported played is over, even if its speaker task has not yet returned.
        if speech is not None and speech.task is not None and not speech.task.done() and not speech.played.is_set():
            self._interrupt(speech)

    # -- the conversation ------------------------------------------------------------------------

    async def _converse(self) -> None:
        while True:
            answer = await self._answers.get()
            if isinstance(answer, _Say):
                await self._say(answer.text, answer.seq)
                continue
            if answer.text is not None:
                text, delivery = answer.text, None  # typed: no delivery to measure
            else:
                text, delivery = await self._final_transcript(answer)
            if not text:
                continue
            if await self._turn(text, delivery):
                return

    async def _final_transcript(self, answer: _Answer) -> tuple[str, dict[str, Any] | None]:
        """The spoken answer's text and its delivery metrics, measured from the transcript's word timings."""
        transcript: Transcript | None = None
        if answer.speculation is not None:
            with contextlib.suppress(Exception):
                transcript = await answer.speculation
        if transcript is None:
            try:
                transcript = await self._transcribe_when_free(answer.audio)
            except Exception as error:
                log.warning("voice: transcription failed: %s", type(error).__name__)
                self._send(
                    {
                        "type": "error",
                        "error": "Your answer could not be transcribed; please say it again.",
                        "code": "stt_failed",
                    }
                )
                return "", None
        self._send({"type": "transcript", "text": transcript.text, "final": True})
        return transcript.text, measure(transcript, pauses=answer.pauses).model_dump()

    async def _transcribe_when_free(self, audio: bytes) -> Transcript:
        """Transcribe a finished answer; a busy engine is waited for, since the answer cannot be said again unasked."""
        deadline = time.monotonic() + self._config.busy_stt_wait_seconds
        while True:
            try:
                return await self._transcribe(audio)
            except ProviderError as error:
                left = deadline - time.monotonic()
                if not error.retryable or error.retry_after is None or left <= 0:
                    raise
                await asyncio.sleep(min(error.retry_after, _BUSY_RETRY_SECONDS, left))

    async def _turn(self, text: str, delivery: dict[str, Any] | None) -> bool:
        """Run one answer through the turn runner, speaking the reply as it is written; True when it ended."""
        sentences: asyncio.Queue[str | None] = asyncio.Queue()
        speech = self._start_speech(sentences)
        splitter = SentenceSplitter()
        payload: dict[str, Any] | None = None
        reply_seq: int | None = None
        try:
            request = ChatRequest(session_id=self._session_id, user_message=text)
            async for event in self._runner.run(self._user, request, route="voice", delivery=delivery):
                if isinstance(event, TurnAccepted):
                    self._send({"type": "thinking"})
                elif isinstance(event, ReplyDelta):
                    self._send({"type": "reply.delta", "text": event.text})
                    for sentence in splitter.feed(event.text):
                        sentences.put_nowait(sentence)
                elif isinstance(event, TurnDone):
                    payload, reply_seq = event.payload, event.reply_seq
        except AppError as error:
            self._send({"type": "error", "error": error.message, "code": error.code})
        finally:
            if payload is None and speech.task is not None:
                speech.task.cancel()
        if payload is None:
            return False
        rest = splitter.flush()
        if not speech.log.sentences and sentences.empty() and not rest:
            rest = [str(payload.get("voice_response") or "")]
        for sentence in rest:
            sentences.put_nowait(sentence)
        sentences.put_nowait(None)
        self._send({"type": "reply", **payload})
        self._last_question = str(payload.get("voice_response") or "")
        ended = bool(payload.get("end"))
        # A closing turn's audio adds the evaluation's summary to the closing words: a cut there is not stored.
        speech.seq = None if ended else reply_seq
        await self._finish(speech)
        return ended

    async def _say(self, text: str, seq: int | None) -> None:
        sentences: asyncio.Queue[str | None] = asyncio.Queue()
        splitter = SentenceSplitter()
        for sentence in [*splitter.feed(text), *splitter.flush()]:
            sentences.put_nowait(sentence)
        sentences.put_nowait(None)
        speech = self._start_speech(sentences)
        speech.seq = seq
        await self._finish(speech)

    def _start_speech(self, sentences: asyncio.Queue[str | None]) -> _Speech:
        self._turns += 1
        speech = _Speech(turn=self._turns)
        speech.task = asyncio.create_task(self._speak(speech, sentences))
        self._speech = speech
        return speech

    async def _finish(self, speech: _Speech) -> None:
        """Wait until the turn's audio has played (or was cut); a cut message is stored as what was heard."""
        if speech.task is not None:
            # wait(), not await: a barge-in cancels the speaker, and that must not cancel this task.
            await asyncio.wait([speech.task])
        if speech.heard is None or speech.seq is None:
            return
        try:
            # Cut before its first word, the message still says it was begun (an empty turn breaks vendors).
            spoken = speech.heard or "..."
            await self._runner.record_interruption(self._user, self._session_id, speech.seq, spoken)
        except AppError as error:
            log.warning("voice: the interrupted reply could not be stored: %s", error.code)

    async def _speak(self, speech: _Speech, sentences: asyncio.Queue[str | None]) -> None:
        """Synthesize sentence by sentence and send paced audio; then wait for its playback to end."""
        config = self._config
        started = False
        while (sentence := await sentences.get()) is not None:
            seconds = 0.0
            async for pcm in _frames(self._voice.synthesize_pcm(sentence, self._style)):
                if not started:
                    started = True
                    speech.started_at = time.monotonic()
                    self._send({"type": "audio.start", "turn": speech.turn})
                # Pace: send no further ahead of the client's playback than the lead.
                sent = speech.log.seconds + seconds
                ahead = speech.started_at + sent - time.monotonic() if speech.started_at else 0.0
                if ahead > config.audio_lead_seconds:
                    await asyncio.sleep(ahead - config.audio_lead_seconds)
                await self._outbox.put(pcm)
                seconds += len(pcm) / _BYTES_PER_SECOND_OUT
            speech.log.add(sentence, seconds)
        if not started:
            return
        self._send({"type": "audio.end", "turn": speech.turn})
        assert speech.started_at is not None
        remaining = speech.started_at + speech.log.seconds + config.playback_grace_seconds - time.monotonic()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(max(remaining, 0.0)):
                await speech.played.wait()


async def _frames(chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    """Re-cut PCM chunks into frames of `_AUDIO_FRAME_SECONDS` (the last one may be shorter)."""
    size = int(_BYTES_PER_SECOND_OUT * _AUDIO_FRAME_SECONDS) // 2 * 2
    buffer = bytearray()
    async for chunk in chunks:
        buffer += chunk
        while len(buffer) >= size:
            yield bytes(buffer[:size])
            del buffer[:size]
    if buffer:
        yield bytes(buffer[: len(buffer) // 2 * 2])


def _drain(queue: asyncio.Queue[str | bytes]) -> list[str | bytes]:
    items: list[str | bytes] = []
    while not queue.empty():
        items.append(queue.get_nowait())
    return items
