"""ElevenLabs real-time speech-to-text (Scribe v2 Realtime over a WebSocket) on the voice's key ring and rules.

The wire is in `elevenlabs_realtime_wire`. One stream is one session; audio is kept until its commit is answered,
so a key refused mid-stream hands the session, replayed, to the next key.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

from interviewsim.shared.keystate import KeyStateStore
from interviewsim.stt.base import PCM_SAMPLE_RATE, Transcript
from interviewsim.stt.elevenlabs import mean_probability, scribe_words
from interviewsim.stt.elevenlabs_realtime_wire import audio_message, error_detail, error_verdict, realtime_url
from interviewsim.vendors.elevenlabs import PROVIDER, Refusal, judge_refusal, parse_refusal, unavailable
from interviewsim.vendors.errors import ProviderError
from interviewsim.vendors.keyring import Key, KeyRing

log = logging.getLogger(__name__)

_BYTES_PER_SECOND = PCM_SAMPLE_RATE * 2
_MAX_CHUNK_BYTES = _BYTES_PER_SECOND // 2  # half a second of audio per message
_MAX_MESSAGE_BYTES = 1024 * 1024


class _NoWireDebug(logging.LoggerAdapter[logging.Logger]):
    """The websockets library's logger, never at DEBUG: its debug lines print the request headers, the key included."""

    def isEnabledFor(self, level: int) -> bool:
        return level > logging.DEBUG and self.logger.isEnabledFor(level)


_WIRE_LOG = _NoWireDebug(logging.getLogger(f"{__name__}.wire"), {})


class _KeyRefused(Exception):
    """ElevenLabs refused the key (at the handshake or in a message)."""

    def __init__(self, refusal: Refusal) -> None:
        super().__init__(refusal.reason)
        self.refusal = refusal


class _Broken(Exception):
    """The connection failed in a way that says nothing about the key."""


@dataclass(frozen=True)
class _Rules:
    """What every stream of one provider shares: the key ring, the refusal rules and the waits."""

    ring: KeyRing
    quota_rest: float
    busy_cooldown: float
    connect_timeout: float  # per key, from connecting to session_started
    reply_timeout: float  # from a commit leaving to its transcript
    timestamps_wait: float


@dataclass
class _Commit:
    """A commit waiting for its transcript; the audio it covers ends `at` bytes into the segment."""

    at: int
    result: asyncio.Future[Transcript]
    text: str | None = None  # the committed text, once it came, while its word timings are awaited
    timer: asyncio.TimerHandle | None = None  # answers with the text alone if the timings do not follow
    overdue: asyncio.TimerHandle | None = None  # fails the stream if no transcript comes in time


class ElevenLabsRealtimeSpeechToText:
    """Scribe v2 Realtime: one WebSocket session per stream, trying each key of the ring at most once per stream."""

    name = PROVIDER

    def __init__(
        self,
        keys: Sequence[str],
        *,
        model: str = "scribe_v2_realtime",
        base_url: str = "https://api.elevenlabs.io",
        quota_rest_seconds: float = 6 * 3600,
        busy_cooldown_seconds: float = 5.0,
        connect_timeout_seconds: float = 10.0,
        reply_timeout_seconds: float = 5.0,
        timestamps_wait_seconds: float = 0.5,
        store: KeyStateStore | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        # Keys are shared with the voice and the batch Scribe through `store`: a key benched by one is benched for all.
        self._rules = _Rules(
            KeyRing(keys, store=store, clock=clock),
            quota_rest_seconds,
            busy_cooldown_seconds,
            connect_timeout_seconds,
            reply_timeout_seconds,
            timestamps_wait_seconds,
        )
        self._model = model
        self._base_url = base_url
        self._streams: weakref.WeakSet[ElevenLabsSpeechStream] = weakref.WeakSet()

    def __repr__(self) -> str:
        return f"ElevenLabsRealtimeSpeechToText(model={self._model!r}, keys={self._rules.ring!r})"

    def open_stream(
        self,
        *,
        language: str | None = None,
        prompt: str | None = None,
        on_partial: Callable[[str], None] | None = None,
    ) -> ElevenLabsSpeechStream:
        """A stream that connects now, in the background, with the first key ElevenLabs accepts."""
        del prompt  # Scribe takes key terms, not a free-text prompt
        url = realtime_url(self._base_url, model=self._model, language=language)
        stream = ElevenLabsSpeechStream(self._rules, url=url, language=language, on_partial=on_partial)
        self._streams.add(stream)
        return stream

    async def aclose(self) -> None:
        """Close every stream still open."""
        for stream in list(self._streams):
            await stream.aclose()


class ElevenLabsSpeechStream:
    """One real-time session: audio goes out as it arrives; a refused key hands the session, replayed, to the next."""

    def __init__(
        self, rules: _Rules, *, url: str, language: str | None, on_partial: Callable[[str], None] | None
    ) -> None:
        self._rules = rules
        self._url = url
        self._language = language
        self._on_partial = on_partial
        self._segment = bytearray()  # audio since the last commit, kept to replay on the next key
        self._sent = 0  # bytes of the segment sent on the current connection
        self._session_committed = 0  # bytes committed on the current connection before the segment
        self._commit: _Commit | None = None
        self._commit_sent = False
        self._partial = ""
        self._failure: ProviderError | None = None
        self._closed = False
        self._wake = asyncio.Event()
        self._runner = asyncio.get_running_loop().create_task(self._run(), name="elevenlabs-stt-stream")

    @property
    def partial(self) -> str:
        """The latest interim text for the audio since the last commit."""
        return self._partial

    def send(self, pcm: bytes) -> None:
        """Queue audio for the session (dropped once the stream has failed or closed)."""
        if self._failure is not None or self._closed or not pcm:
            return
        self._segment += pcm
        self._wake.set()

    async def commit(self) -> Transcript:
        """The final transcript of the audio sent since the last commit, with word timings."""
        if self._failure is not None:
            raise self._failure
        if self._closed:
            raise ProviderError(PROVIDER, "the real-time stream is closed", retryable=True)
        if self._commit is not None:
            raise RuntimeError("a commit is already waiting for its transcript")
        if not self._segment:
            return self._transcript("", None, 0)
        result: asyncio.Future[Transcript] = asyncio.get_running_loop().create_future()
        self._commit = commit = _Commit(len(self._segment), result)
        # Time enough to connect first; the clock restarts when the commit actually leaves.
        self._arm(commit, self._rules.connect_timeout + self._rules.reply_timeout)
        self._wake.set()
        try:
            return await result
        except asyncio.CancelledError:
            self._give_up(ProviderError(PROVIDER, "a commit was cancelled", retryable=True))
            raise

    async def aclose(self) -> None:
        """Close the session; a commit still waiting fails."""
        self._closed = True
        self._runner.cancel()
        await asyncio.wait([self._runner])
        self._fail(ProviderError(PROVIDER, "the real-time stream was closed", retryable=True))

    # -- the session ------------------------------------------------------------------------------

    async def _run(self) -> None:
        rules = self._rules
        tried: list[Key] = []
        try:
            while (key := await rules.ring.acquire(exclude=tried)) is not None:
                tried.append(key)
                try:
                    await self._session(key)
                except _KeyRefused as refused:
                    await judge_refusal(
                        rules.ring,
                        key,
                        refused.refusal,
                        quota_rest=rules.quota_rest,
                        busy_cooldown=rules.busy_cooldown,
                    )
                except _Broken as broken:
                    # The key is not rested: a broken connection says nothing about it, and the batch fallback
                    # (sharing the ring's state) should still use it. Another key would meet the same network.
                    log.warning("elevenlabs real-time stream with %s broke: %s", key.fingerprint, broken)
                    raise ProviderError(PROVIDER, f"the real-time stream broke: {broken}", retryable=True) from None
            raise await unavailable(rules.ring)
        except ProviderError as error:
            self._fail(error)
        except Exception as error:  # a surprise here must not leave a commit waiting
            log.warning("elevenlabs real-time stream failed: %s", type(error).__name__)
            self._fail(ProviderError(PROVIDER, f"the real-time stream failed ({type(error).__name__})", retryable=True))

    async def _session(self, key: Key) -> None:
        """Serve the stream on one connection; returns only by raising (or by being cancelled)."""
        websocket = await self._connect(key)
        sender: asyncio.Task[None] | None = None
        try:
            try:
                async with asyncio.timeout(self._rules.connect_timeout):
                    opening = _parse(await websocket.recv())
            except TimeoutError:
                raise _Broken(f"no session_started within {self._rules.connect_timeout:g}s") from None
            except ConnectionClosed as closed:
                raise _Broken(f"closed before the session started ({_close_code(closed)})") from None
            if opening.get("message_type") != "session_started":
                self._raise_for_error(opening)
                raise _Broken(f"opened with {opening.get('message_type')!r} instead of session_started")
            # Replay the segment so far: a stream that moved to this key loses nothing.
            self._sent, self._commit_sent, self._session_committed = 0, False, 0
            self._wake.set()
            sender = asyncio.create_task(self._send_audio(websocket), name="elevenlabs-stt-sender")
            await self._receive(websocket)
        finally:
            self._settle()
            if sender is not None:
                sender.cancel()
                await asyncio.wait([sender])
                if not sender.cancelled():
                    sender.exception()  # retrieved: the receiver reports the closed connection
            await websocket.close()

    async def _connect(self, key: Key) -> ClientConnection:
        try:
            async with asyncio.timeout(self._rules.connect_timeout):
                return await connect(
                    self._url,
                    additional_headers={"xi-api-key": key.reveal()},
                    open_timeout=None,
                    close_timeout=1,
                    max_size=_MAX_MESSAGE_BYTES,
                    logger=_WIRE_LOG,
                )
        except InvalidStatus as refused:
            response = refused.response
            raise _KeyRefused(parse_refusal(response.status_code, bytes(response.body or b""))) from None
        except TimeoutError:
            raise _Broken(f"could not connect within {self._rules.connect_timeout:g}s") from None
        except (OSError, InvalidHandshake) as error:
            raise _Broken(f"could not connect ({type(error).__name__})") from None

    async def _send_audio(self, websocket: ClientConnection) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while (message := self._next_message()) is not None:
                await websocket.send(message)

    def _next_message(self) -> str | None:
        """The next audio chunk of the segment, or the commit once the audio it covers is out; None when caught up."""
        commit = self._commit
        end = commit.at if commit is not None and not self._commit_sent else len(self._segment)
        if self._sent < end:
            chunk = bytes(self._segment[self._sent : min(end, self._sent + _MAX_CHUNK_BYTES)])
            self._sent += len(chunk)
            return audio_message(chunk, commit=False)
        if commit is not None and not self._commit_sent:
            self._commit_sent = True
            self._arm(commit, self._rules.reply_timeout)
            return audio_message(b"", commit=True)
        return None

    def _arm(self, commit: _Commit, seconds: float) -> None:
        if commit.overdue is not None:
            commit.overdue.cancel()
        commit.overdue = asyncio.get_running_loop().call_later(seconds, self._overdue, commit)

    def _overdue(self, commit: _Commit) -> None:
        if self._commit is not commit:
            return
        rules = self._rules
        if self._commit_sent:
            message = f"no transcript within {rules.reply_timeout:g}s of the commit"
        else:
            message = f"no session to commit to within {rules.connect_timeout + rules.reply_timeout:g}s"
        self._fail(ProviderError(PROVIDER, message, retryable=True))
        self._runner.cancel()

    async def _receive(self, websocket: ClientConnection) -> None:
        try:
            async for raw in websocket:
                self._handle(_parse(raw))
        except ConnectionClosed as closed:
            raise _Broken(f"closed by ElevenLabs ({_close_code(closed)})") from None
        raise _Broken("closed by ElevenLabs")

    def _handle(self, message: dict[str, Any]) -> None:
        kind = message.get("message_type")
        if kind == "partial_transcript":
            self._set_partial(str(message.get("text") or "").strip())
        elif kind == "committed_transcript":
            self._committed(str(message.get("text") or "").strip())
        elif kind == "committed_transcript_with_timestamps":
            # It follows its committed_transcript: matching the two keeps a late one off the next commit.
            text = str(message.get("text") or "").strip()
            if self._commit is not None and self._commit.text is not None and text == self._commit.text:
                self._resolve(text, message)
        else:
            self._raise_for_error(message)  # anything else (a repeated session_started, entities) is not ours

    def _raise_for_error(self, message: dict[str, Any]) -> None:
        verdict = error_verdict(message, self._rules.ring.redact(error_detail(message)))
        if isinstance(verdict, Refusal):
            raise _KeyRefused(verdict)
        if verdict is not None:
            raise verdict

    def _set_partial(self, text: str) -> None:
        if text == self._partial:
            return
        self._partial = text
        if self._on_partial is not None:
            try:
                self._on_partial(text)
            except Exception as error:  # the listener's trouble is not the stream's
                log.warning("a partial-transcript callback failed: %s", type(error).__name__)

    def _committed(self, text: str) -> None:
        commit = self._commit
        if commit is None or not self._commit_sent or commit.text is not None:
            return
        if not text:
            self._resolve("", None)
            return
        # The timed version follows; without it in a moment, the text alone answers.
        commit.text = text
        commit.timer = asyncio.get_running_loop().call_later(self._rules.timestamps_wait, self._resolve, text, None)

    def _settle(self) -> None:
        """A connection ends: a commit whose text already came is answered with it rather than asked again."""
        commit = self._commit
        if commit is not None and commit.text is not None:
            self._resolve(commit.text, None)

    def _resolve(self, text: str, timed: dict[str, Any] | None) -> None:
        commit = self._commit
        if commit is None:
            return
        _disarm(commit)
        transcript = self._transcript(text, timed, commit.at)
        self._session_committed += commit.at
        del self._segment[: commit.at]
        self._sent = max(0, self._sent - commit.at)
        self._commit, self._commit_sent, self._partial = None, False, ""
        if not commit.result.done():
            commit.result.set_result(transcript)

    def _transcript(self, text: str, timed: dict[str, Any] | None, audio_bytes: int) -> Transcript:
        try:
            words = scribe_words(timed.get("words")) if timed is not None else ()
        except (KeyError, TypeError, ValueError, AttributeError):
            words = ()  # timings in an unknown shape: the text still stands
        # Scribe times words from the start of the session (as LiveKit's plugin reads them); a transcript's words
        # are timed from the start of the audio it covers.
        offset = self._session_committed / _BYTES_PER_SECOND
        if offset:
            words = tuple(replace(w, start=max(0.0, w.start - offset), end=max(0.0, w.end - offset)) for w in words)
        language = (timed or {}).get("language_code") or self._language or "en"
        return Transcript(
            text=text,
            words=words,
            duration=audio_bytes / _BYTES_PER_SECOND,
            language=str(language)[:2],
            provider=PROVIDER,
            confidence=mean_probability(words),
        )

    def _give_up(self, error: ProviderError) -> None:
        """Fail the stream from the caller's side (a commit was cancelled)."""
        self._fail(error)
        self._runner.cancel()

    def _fail(self, error: ProviderError) -> None:
        if self._failure is None:
            self._failure = error
        commit, self._commit = self._commit, None
        if commit is not None:
            _disarm(commit)
            if not commit.result.done():
                commit.result.set_exception(self._failure)
        self._segment.clear()


def _disarm(commit: _Commit) -> None:
    for timer in (commit.timer, commit.overdue):
        if timer is not None:
            timer.cancel()


def _parse(raw: str | bytes) -> dict[str, Any]:
    try:
        message = json.loads(raw)
    except ValueError:
        raise _Broken("sent a message that is not JSON") from None
    return message if isinstance(message, dict) else {}


def _close_code(closed: ConnectionClosed) -> str:
    return f"code {closed.rcvd.code}" if closed.rcvd is not None else "no close frame"
