"""Reading an uploaded recording: OpenAI-style multipart (`file`, `language`, `prompt`) or a raw `audio/*` body.

The body is read as it streams in, after authentication, and refused as soon as it passes the
cap; everything stays in memory (no temporary files).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import ClientDisconnect, Request

if TYPE_CHECKING:
    from python_multipart.multipart import MultipartCallbacks  # a TypedDict that exists for type checkers only

MULTIPART_OVERHEAD_BYTES = 64 * 1024  # boundaries, part headers and the small text fields
_MAX_FIELD_BYTES = 1024
_TEXT_FIELDS = frozenset({"language", "prompt"})
# What a browser, a phone or curl labels audio with; the bytes themselves are checked when decoding.
_RAW_TYPES = frozenset({"application/octet-stream", "video/webm", "video/mp4", "video/ogg"})


class UploadError(Exception):
    """The upload is refused; `status` is 400, 413 or 415."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class Upload:
    """The recording and the optional text fields sent with it."""

    audio: bytes
    fields: dict[str, str] = field(default_factory=dict)


def too_large(max_bytes: int) -> UploadError:
    """The 413 for a recording over `max_bytes`."""
    return UploadError(413, f"The recording is larger than {max_bytes / 1_048_576:g} MB; send a shorter answer.")


def accepted_raw_type(content_type: str) -> bool:
    """Whether a raw body of this media type may be audio."""
    return content_type.startswith("audio/") or content_type in _RAW_TYPES


async def read_upload(request: Request, max_bytes: int) -> Upload:
    """The recording in `request`, at most `max_bytes` of audio."""
    media_type, options = parse_options_header(request.headers.get("content-type", ""))
    content_type = media_type.decode("latin-1").lower()
    if content_type == "multipart/form-data":
        boundary = options.get(b"boundary")
        if not boundary:
            raise UploadError(400, "The multipart body has no boundary.")
        return await _read_multipart(request, boundary, max_bytes)
    if not accepted_raw_type(content_type):
        raise UploadError(
            415, "Send the recording as multipart/form-data with a 'file' field, or as the body with an audio/* type."
        )
    _check_declared(request, max_bytes)
    audio = bytearray()
    async for chunk in _stream(request):
        audio += chunk
        if len(audio) > max_bytes:
            raise too_large(max_bytes)
    if not audio:
        raise UploadError(400, "The body is empty; send the recording.")
    return Upload(bytes(audio))


async def _read_multipart(request: Request, boundary: bytes, max_bytes: int) -> Upload:
    collector = _PartCollector(max_bytes)
    _check_declared(request, max_bytes + MULTIPART_OVERHEAD_BYTES)
    parser = MultipartParser(boundary, collector.callbacks())
    received = 0
    try:
        async for chunk in _stream(request):
            received += len(chunk)
            if received > max_bytes + MULTIPART_OVERHEAD_BYTES:
                raise too_large(max_bytes)
            parser.write(chunk)
        parser.finalize()
    except MultipartParseError:
        raise UploadError(400, "The multipart body is malformed.") from None
    if collector.error is not None:
        raise collector.error
    if collector.audio is None:
        raise UploadError(400, "The form has no 'file' field; send the recording as 'file'.")
    if not collector.audio:
        raise UploadError(400, "The 'file' field is empty; send the recording.")
    if collector.file_type and not accepted_raw_type(collector.file_type):
        raise UploadError(415, f"'{collector.file_type}' is not audio; send WebM, Ogg, WAV, MP3 or MP4 audio.")
    return Upload(bytes(collector.audio), collector.fields)


def _check_declared(request: Request, limit: int) -> None:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large(limit if limit < MULTIPART_OVERHEAD_BYTES * 2 else limit - MULTIPART_OVERHEAD_BYTES)


async def _stream(request: Request) -> AsyncIterator[bytes]:
    try:
        async for chunk in request.stream():
            yield chunk
    except ClientDisconnect:
        raise UploadError(400, "The upload was cut off.") from None


class _PartCollector:
    """python-multipart callbacks keeping the `file` part and the small text fields in memory."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.audio: bytearray | None = None
        self.file_type = ""
        self.fields: dict[str, str] = {}
        self.error: UploadError | None = None
        self._header_field = bytearray()
        self._header_value = bytearray()
        self._headers: dict[str, bytes] = {}
        self._name = ""
        self._data = bytearray()

    def callbacks(self) -> MultipartCallbacks:
        return {
            "on_part_begin": self._begin,
            "on_header_field": lambda data, start, end: self._header_field.extend(data[start:end]),
            "on_header_value": lambda data, start, end: self._header_value.extend(data[start:end]),
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished,
            "on_part_data": self._part_data,
            "on_part_end": self._part_end,
        }

    def _begin(self) -> None:
        self._headers, self._name, self._data = {}, "", bytearray()

    def _header_end(self) -> None:
        self._headers[self._header_field.decode("latin-1").lower()] = bytes(self._header_value)
        self._header_field.clear()
        self._header_value.clear()

    def _headers_finished(self) -> None:
        _, options = parse_options_header(self._headers.get("content-disposition", b""))
        self._name = options.get(b"name", b"").decode("utf-8", "replace")
        if self._name == "file":
            self.file_type = parse_options_header(self._headers.get("content-type", b""))[0].decode("latin-1").lower()

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if self.error is not None:
            return
        self._data += data[start:end]
        limit = self.max_bytes if self._name == "file" else _MAX_FIELD_BYTES
        if len(self._data) > limit:
            too_long = UploadError(400, "A form field is too long.")
            self.error = too_large(self.max_bytes) if self._name == "file" else too_long
            self._data.clear()

    def _part_end(self) -> None:
        if self.error is not None:
            return
        if self._name == "file":
            self.audio = self._data
        elif self._name in _TEXT_FIELDS:
            self.fields[self._name] = self._data.decode("utf-8", "replace").strip()
