"""One live voice interview on an open WebSocket: listen, end the turn, transcribe, run it, speak, yield to barge-in.

Tasks of one connection (all on the event loop; STT and TTS run in their providers' threads):
- the reader takes frames and messages: audio goes to the listener (VAD, endpointing, speculative transcripts),
  which hands each finished answer to the conversation;
- the conversation worker takes finished answers in order and runs each through the turn runner,
  streaming the reply's sentences to the speaker as the interviewer writes;
- the speaker synthesizes ahead and sends audio paced at real time (a little ahead), so a barge-in cuts it
  within a frame and a client that stops reading holds up nothing but itself;
- the outbox's writer sends the bounded queue; a client that does not read for `send_timeout` is dropped.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass, field
from typing import Any

from starlette.websockets import WebSocket, WebSocketDisconnect

from interviewsim.auth.base import AuthUser
from interviewsim.errors import AppError
from interviewsim.interviewer.base import ReplyDelta
from interviewsim.interviews.schemas import ChatRequest
from interviewsim.interviews.turns import TurnAccepted, TurnDone, TurnRunner
from interviewsim.speech.live.endpointing import EndpointingConfig
from interviewsim.speech.live.listener import Answer, Listener
from interviewsim.speech.live.outbox import Outbox, SessionClosed
from interviewsim.speech.live.speaker import Speaker, Utterance
from interviewsim.speech.live.speaking import SentenceSplitter
from interviewsim.speech.live.vad import SAMPLE_RATE
from interviewsim.speech.stt.base import SpeechToText, WarmsUp
from interviewsim.tts.base import PCM_OUTPUT_SAMPLE_RATE, PcmVoice, VoiceStyle

__all__ = ["LiveConfig", "SessionClosed", "VoiceSession"]

log = logging.getLogger(__name__)

END_MARKERS = {"manual": "[END_INTERVIEW_MANUAL]", "time_up": "[END_INTERVIEW_TIME_UP]"}


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
class _Say:
    """Interviewer words to speak again without a turn (the latest question, after a (re)connect)."""

    text: str
    seq: int | None  # the stored message they come from


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
        self._user = user
        self._session_id = session_id
        self._config = config
        self._outbox = Outbox(websocket, config.send_timeout_seconds)
        self._answers: asyncio.Queue[Answer | _Say] = asyncio.Queue()
        self._last_question = ""
        self._listener = Listener(
            stt=stt,
            endpointing=config.endpointing,
            outbox=self._outbox,
            on_answer=self._answers.put_nowait,
            question=lambda: self._last_question,
            busy_wait_seconds=config.busy_stt_wait_seconds,
        )
        self._speaker = Speaker(
            voice=voice,
            style=style,
            outbox=self._outbox,
            lead_seconds=config.audio_lead_seconds,
            grace_seconds=config.playback_grace_seconds,
        )
        self._warm_up: asyncio.Task[None] | None = None

    async def run(self, *, greeting: str, greeting_seq: int | None, pending_answer: str | None) -> None:
        """Serve the connection until the interview ends or the client leaves; raises SessionClosed to close."""
        self._outbox.send(
            {
                "type": "ready",
                "session_id": self._session_id,
                "input_audio": {"encoding": "pcm_s16le", "sample_rate": SAMPLE_RATE, "channels": 1},
                "output_audio": {"encoding": "pcm_s16le", "sample_rate": PCM_OUTPUT_SAMPLE_RATE, "channels": 1},
            }
        )
        if pending_answer is not None:
            self._answers.put_nowait(Answer(text=pending_answer))
        else:
            self._last_question = greeting
            self._answers.put_nowait(_Say(greeting, greeting_seq))
        if isinstance(self._stt, WarmsUp):
            # The model loads while the greeting plays, not when the first answer ends (once per process).
            self._warm_up = asyncio.create_task(self._stt.warm_up(), name="voice-stt-warm-up")
        tasks = [
            asyncio.create_task(self._outbox.write(), name="voice-writer"),
            asyncio.create_task(self._read(), name="voice-reader"),
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
                    [asyncio.create_task(self._outbox.drained()), writer], return_when=asyncio.FIRST_COMPLETED
                )
        finally:
            for task in tasks:
                task.cancel()
            self._speaker.close()
            await asyncio.gather(*tasks, return_exceptions=True)
            self._listener.close()

    # -- reading ---------------------------------------------------------------------------------

    async def _read(self) -> None:
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
                self._listener.hear(data)
                self._barge_in_check()
                continue
            text: str = message.get("text") or ""
            if len(text.encode()) > config.max_text_bytes:
                raise SessionClosed(1009, f"text messages must be at most {config.max_text_bytes} bytes")
            self._on_message(text)

    def _barge_in_check(self) -> None:
        """Candidate speech long enough while the interviewer speaks stops the interviewer."""
        utterance = self._speaker.current
        if utterance is None or utterance.task is None or utterance.task.done():
            return
        speaking = self._listener.speaking_seconds
        if speaking is not None and speaking >= self._config.barge_in_seconds:
            self._speaker.interrupt(utterance)

    def _on_message(self, text: str) -> None:
        try:
            message = json.loads(text)
            kind = message["type"]
        except (ValueError, KeyError, TypeError):
            raise SessionClosed(1003, "text frames must be JSON objects with a type") from None
        if kind == "playback.end":
            self._speaker.playback_ended(message.get("turn"))
        elif kind == "text":
            answer = str(message.get("text") or "").strip()
            if answer:
                # A turn the client has reported played is over, even if its speaker task has not yet returned.
                self._speaker.stop()
                self._answers.put_nowait(Answer(text=answer))
        elif kind == "end":
            reason = message.get("reason", "manual")
            if reason not in END_MARKERS:
                raise SessionClosed(1003, "end reason must be 'manual' or 'time_up'")
            self._speaker.stop()
            self._answers.put_nowait(Answer(text=END_MARKERS[reason]))
        else:
            self._outbox.send({"type": "error", "error": f"Unknown message type {kind!r}.", "code": "bad_message"})

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
                text, delivery = await self._listener.final_transcript(answer)
            if not text:
                continue
            if await self._turn(text, delivery):
                return

    async def _turn(self, text: str, delivery: dict[str, Any] | None) -> bool:
        """Run one answer through the turn runner, speaking the reply as it is written; True when it ended."""
        sentences: asyncio.Queue[str | None] = asyncio.Queue()
        utterance = self._speaker.start(sentences)
        splitter = SentenceSplitter()
        queued = 0  # sentences handed to the speaker
        payload: dict[str, Any] | None = None
        reply_seq: int | None = None
        try:
            request = ChatRequest(session_id=self._session_id, user_message=text)
            async for event in self._runner.run(self._user, request, route="voice", delivery=delivery):
                if isinstance(event, TurnAccepted):
                    self._outbox.send({"type": "thinking"})
                elif isinstance(event, ReplyDelta):
                    self._outbox.send({"type": "reply.delta", "text": event.text})
                    for sentence in splitter.feed(event.text):
                        sentences.put_nowait(sentence)
                        queued += 1
                elif isinstance(event, TurnDone):
                    payload, reply_seq = event.payload, event.reply_seq
        except AppError as error:
            self._outbox.send({"type": "error", "error": error.message, "code": error.code})
        finally:
            if payload is None and utterance.task is not None:
                utterance.task.cancel()
        if payload is None:
            return False
        rest = splitter.flush()
        if not queued and not rest:
            rest = [str(payload.get("voice_response") or "")]  # an engine that did not stream its reply
        for sentence in rest:
            sentences.put_nowait(sentence)
        sentences.put_nowait(None)
        self._outbox.send({"type": "reply", **payload})
        self._last_question = str(payload.get("voice_response") or "")
        ended = bool(payload.get("end"))
        # A closing turn's audio adds the evaluation's summary to the closing words: a cut there is not stored.
        utterance.seq = None if ended else reply_seq
        await self._finish(utterance)
        return ended

    async def _say(self, text: str, seq: int | None) -> None:
        sentences: asyncio.Queue[str | None] = asyncio.Queue()
        splitter = SentenceSplitter()
        for sentence in [*splitter.feed(text), *splitter.flush()]:
            sentences.put_nowait(sentence)
        sentences.put_nowait(None)
        utterance = self._speaker.start(sentences)
        utterance.seq = seq
        await self._finish(utterance)

    async def _finish(self, utterance: Utterance) -> None:
        """Wait until the turn's audio has played (or was cut); a cut message is stored as what was heard."""
        if utterance.task is not None:
            # wait(), not await: a barge-in cancels the speaker, and that must not cancel this task.
            await asyncio.wait([utterance.task])
        if utterance.heard is None or utterance.seq is None:
            return
        try:
            # Cut before its first word, the message still says it was begun (an empty turn breaks vendors).
            spoken = utterance.heard or "..."
            await self._runner.record_interruption(self._user, self._session_id, utterance.seq, spoken)
        except AppError as error:
            log.warning("voice: the interrupted reply could not be stored: %s", error.code)
