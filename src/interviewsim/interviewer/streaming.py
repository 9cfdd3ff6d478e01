"""Streaming interviewer turns: token deltas from models, sentence deltas from everyone else."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

from interviewsim.interviewer.base import Interviewer, InterviewerEvent, ReplyDelta, StreamingInterviewer, TurnContext

_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|\n+")
_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


async def stream_turn(interviewer: Interviewer, context: TurnContext) -> AsyncIterator[InterviewerEvent]:
    """The interviewer's turn as events: its own stream when it has one, else sentence by sentence."""
    if isinstance(interviewer, StreamingInterviewer) and interviewer.can_stream:
        async for event in interviewer.stream(context):
            yield event
        return
    reply = await interviewer.respond(context)
    for piece in sentence_pieces(reply.text):
        yield ReplyDelta(piece)
    yield reply


def sentence_pieces(text: str) -> list[str]:
    """`text` cut after each sentence, keeping the separators so the pieces join back exactly."""
    pieces, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        pieces.append(text[start : match.end()])
        start = match.end()
    if start < len(text):
        pieces.append(text[start:])
    return [piece for piece in pieces if piece]


class ReplyTextExtractor:
    """Feeds on a model's raw streamed output and returns the candidate-visible text as it grows.

    Models answer with JSON like {"text_response": "...", ...}; only the text_response value
    is shown, decoded as it streams. Output that does not start as JSON is shown as is.
    """

    def __init__(self) -> None:
        self._raw = ""
        self._mode: str | None = None  # "json" or "text", decided by the first visible character
        self._cursor = 0  # where decoding of the JSON string value continues
        self._done = False

    def feed(self, chunk: str) -> str:
        """Add raw model output; return the newly visible text (may be empty)."""
        self._raw += chunk
        if self._mode is None:
            stripped = self._raw.lstrip()
            if not stripped:
                return ""
            self._mode = "json" if stripped[0] in "{`" else "text"
        if self._mode == "text":
            return chunk if self._raw.strip() else ""
        return self._decode_json_value()

    def _decode_json_value(self) -> str:
        if self._done:
            return ""
        if self._cursor == 0:
            match = re.search(r'"text_response"\s*:\s*"', self._raw)
            if match is None:
                return ""
            self._cursor = match.end()
        out = []
        position = self._cursor
        raw = self._raw
        while position < len(raw):
            char = raw[position]
            if char == '"':
                self._done = True
                position += 1
                break
            if char != "\\":
                out.append(char)
                position += 1
                continue
            if position + 1 >= len(raw):
                break  # wait for the escaped character
            code = raw[position + 1]
            if code == "u":
                if position + 6 > len(raw):
                    break  # wait for all four hex digits
                try:
                    out.append(chr(int(raw[position + 2 : position + 6], 16)))
                except ValueError:
                    out.append(raw[position : position + 6])
                position += 6
                continue
            out.append(_ESCAPES.get(code, code))
            position += 2
        self._cursor = position
        return "".join(out)
