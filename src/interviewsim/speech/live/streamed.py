"""A spoken answer streamed to a real-time transcriber as it is said: committed at each pause, joined at its end.

A commit at a pause gives the answer so far, punctuated, in the vendor's commit latency (the endpointing reads
it to choose the silence that ends the turn); if the candidate goes on, that part stays and the next commit adds
the rest. The first failure marks the answer failed: the listener goes back to batch transcription of its audio.
"""

from __future__ import annotations

import asyncio

from interviewsim.speech.stt.base import SpeechStream, Transcript, join_transcripts

_closing: set[asyncio.Task[None]] = set()  # streams being closed in the background, held until they are


class StreamedAnswer:
    """One answer's stream; one commit at a time (the listener's speculation rule)."""

    def __init__(self, stream: SpeechStream) -> None:
        self._stream = stream
        self._parts: list[Transcript] = []
        self._pending: asyncio.Task[Transcript] | None = None
        self.failed = False

    def send(self, pcm: bytes) -> None:
        """Stream one frame."""
        self._stream.send(pcm)

    def commit(self) -> asyncio.Task[Transcript]:
        """Commit what was said so far; the task gives the whole answer so far."""
        self._pending = asyncio.create_task(self._commit(), name="voice-stt-commit")
        return self._pending

    def finish(self, *, commit_rest: bool) -> asyncio.Task[Transcript]:
        """The whole answer, after the commit in flight and (`commit_rest`) one more; the stream closes after."""
        task = asyncio.create_task(self._finish(commit_rest), name="voice-stt-finish")
        task.add_done_callback(_consume)  # a session that ends first never awaits it
        return task

    def close(self) -> None:
        """Close the stream in the background (the session is ending)."""
        task = asyncio.create_task(self._stream.aclose(), name="voice-stt-close")
        _closing.add(task)
        task.add_done_callback(_closing.discard)

    async def _commit(self) -> Transcript:
        try:
            part = await self._stream.commit()
        except BaseException:
            self.failed = True
            raise
        self._parts.append(part)
        return join_transcripts(self._parts)

    async def _finish(self, commit_rest: bool) -> Transcript:
        try:
            if self._pending is not None:
                await self._pending
            if commit_rest or not self._parts:
                return await self._commit()
            return join_transcripts(self._parts)
        finally:
            await self._stream.aclose()


def _consume(task: asyncio.Task[Transcript]) -> None:
    if not task.cancelled():
        task.exception()
