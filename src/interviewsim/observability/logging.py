"""JSON log lines carrying the request id and a hashed user, with credentials masked on the way out."""

from __future__ import annotations

import hashlib
import json as jsonlib
import logging
import re
import sys
from collections.abc import Iterable
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, TextIO

request_id_var: ContextVar[str | None] = ContextVar("interviewsim_request_id", default=None)
user_hash_var: ContextVar[str | None] = ContextVar("interviewsim_user_hash", default=None)

REDACTED = "[REDACTED]"
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s %(user)s] %(message)s"
# A constant salt: the same user hashes alike in every worker and every deploy, so logs can be joined.
_USER_SALT = b"interviewsim/log-user/v1:"
_USER_HASH_CHARS = 12
# Shorter literal secrets would mask ordinary words.
_MIN_LITERAL_SECRET_CHARS = 8

_SECRET_NAMES = (
    r"xi-api-key|x-api-key|x-goog-api-key|api[_-]?key|apikey|proxy-authorization|authorization"
    r"|access[_-]?token|refresh[_-]?token|id[_-]?token|client[_-]?secret|private[_-]?key|password|passwd"
    r"|token|secret"
)
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # `name: value`, `name=value`, `'name': 'value'`; the value may start with an auth scheme.
    (
        re.compile(rf"(?i)\b({_SECRET_NAMES})([\"']?\s*[:=]\s*[\"']?)(?:(?:bearer|basic|token)\s+)?[^\s\"'&,;}}]+"),
        rf"\1\2{REDACTED}",
    ),
    (
        re.compile(r"(?i)([?&](?:key|api_key|apikey|token|access_token|auth|sig|signature)=)[^&\s\"'#]+"),
        rf"\1{REDACTED}",
    ),
    (re.compile(r"(?i)\b(bearer)\s+[^\s\"',;]+"), rf"\1 {REDACTED}"),
    # Base64 credentials nearly always hold a digit, + / or padding; plain English words do not.
    (re.compile(r"\b(Basic)\s+(?=[A-Za-z]*[0-9+/=])[A-Za-z0-9+/]{8,}={0,2}"), rf"\1 {REDACTED}"),
    (re.compile(r"eyJ[\w-]+\.[\w-]+\.[\w-]*"), REDACTED),
    (re.compile(r"\bsk-[\w-]{8,}"), REDACTED),
    (re.compile(r"\bAIza[\w-]{20,}"), REDACTED),
    (re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(?:-----END [A-Z ]*PRIVATE KEY-----|\Z)", re.S), REDACTED),
)
# Every pattern above needs one of these in the text: one search clears the usual line (an access
# line, a route template) without running the eight substitutions.
_MAYBE_SECRET = re.compile(r"(?i)key|token|secret|passw|auth|bearer|basic|eyj|sk-|aiza|sig")
# Libraries that log every vendor call at INFO ("HTTP Request: POST ...", "AFC is enabled ..."): above
# DEBUG they log warnings only. A vendor call is already in the provider metrics and the access line.
CHATTY_LIBRARIES = ("httpx", "httpx2", "google_genai")
_RESERVED = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "taskName",
    "request_id",
    "user",
    "color_message",  # uvicorn's ANSI-coloured copy of the message
}
_EXCEPTION_FORMATTER = logging.Formatter()


def hash_user(user_id: str) -> str:
    """A stable 12-hex-char pseudonym for `user_id` (salted sha256), safe to log."""
    return hashlib.sha256(_USER_SALT + user_id.encode()).hexdigest()[:_USER_HASH_CHARS]


def redact(text: str) -> str:
    """`text` with anything that looks like a bearer token, JWT, API key or private key masked."""
    if not _MAYBE_SECRET.search(text):
        return text
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactingFilter(logging.Filter):
    """Masks credentials in the message, its args, extra fields and exception text: a last line of defence."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        unique = {secret for secret in secrets if len(secret) >= _MIN_LITERAL_SECRET_CHARS}
        # Longest first, so a secret containing another is masked whole.
        self._secrets = sorted(unique, key=len, reverse=True)

    def redact(self, text: str) -> str:
        """`text` with the known secrets and every credential-looking string masked."""
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return redact(text)

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record in place; never drops it."""
        try:
            message = record.getMessage()
        except Exception:
            # A filter that raises would break the caller's log call; keep the raw parts instead.
            message = f"{record.msg!s} {record.args!r}"
        # Stored formatted, so the formatter does not format the arguments a second time.
        record.msg, record.args = self.redact(message), None
        if record.exc_info and not record.exc_text:
            # Standard formatters reuse a filled exc_text, so every handler gets the masked traceback.
            record.exc_text = _EXCEPTION_FORMATTER.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        for key, value in list(record.__dict__.items()):
            if key not in _RESERVED and isinstance(value, str):
                record.__dict__[key] = self.redact(value)
        return True


class ContextFilter(logging.Filter):
    """Stamps the request id and hashed user of the current context on each record."""

    def __init__(self, missing: str | None = None) -> None:
        super().__init__()
        self._missing = missing

    def filter(self, record: logging.LogRecord) -> bool:
        """Add `request_id` and `user` unless the caller passed them."""
        fields = record.__dict__
        if fields.get("request_id") is None:
            fields["request_id"] = request_id_var.get() or self._missing
        if fields.get("user") is None:
            fields["user"] = user_hash_var.get() or self._missing
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, message, request_id, user and any extra fields."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as a single line of JSON (newlines in values are escaped)."""
        fields = record.__dict__
        payload: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
            "request_id": fields.get("request_id") or request_id_var.get(),
            "user": fields.get("user") or user_hash_var.get(),
        }
        for key, value in fields.items():
            if key not in _RESERVED and key not in payload:
                payload[key] = _scrub(value)
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            payload["exc"] = redact(record.exc_text)
        if record.stack_info:
            payload["stack"] = redact(record.stack_info)
        return jsonlib.dumps(payload, ensure_ascii=False, default=_scrub_object)


class _Handler(logging.StreamHandler[TextIO]):
    """The handler `configure_logging` owns, told apart from handlers others added."""


def configure_logging(
    level: str, json: bool = True, *, stream: TextIO | None = None, secrets: Iterable[str] = ()
) -> None:
    """Send every log record to `stream` (stderr) as JSON lines (or text); calling again replaces, never adds."""
    numeric = logging.getLevelNamesMapping().get(level.upper())
    if numeric is None:
        raise ValueError(f"unknown log level {level!r}")
    root = logging.getLogger()
    for old in [handler for handler in root.handlers if isinstance(handler, _Handler)]:
        root.removeHandler(old)
        old.close()
    handler = _Handler(stream if stream is not None else sys.stderr)
    handler.addFilter(ContextFilter(missing=None if json else "-"))
    handler.addFilter(RedactingFilter(secrets))
    handler.setFormatter(JsonFormatter() if json else logging.Formatter(TEXT_FORMAT))
    root.addHandler(handler)
    root.setLevel(numeric)
    for name in CHATTY_LIBRARIES:
        logging.getLogger(name).setLevel(logging.NOTSET if numeric <= logging.DEBUG else max(numeric, logging.WARNING))


def _scrub(value: Any) -> Any:
    """A JSON-ready copy of an extra field with credentials masked."""
    if isinstance(value, str):
        return redact(value)
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, dict):
        return {str(key): _scrub(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_scrub(item) for item in value]
    return _scrub_object(value)


def _scrub_object(value: Any) -> str:
    return redact(str(value))
