"""The wire of ElevenLabs' real-time speech-to-text (Scribe v2 Realtime), as ElevenLabs' SDKs speak it.

Sources: the Python SDK's `elevenlabs.realtime` (`ScribeRealtime`, `RealtimeConnection`) and its generated
`v_1_speech_to_text_realtime` types; the JS client's `RealtimeConnection`.
- connect `wss://api.elevenlabs.io/v1/speech-to-text/realtime?model_id=scribe_v2_realtime&audio_format=pcm_16000
  &commit_strategy=manual&include_timestamps=true[&language_code=en]` with the header `xi-api-key`;
- the server opens with `{"message_type": "session_started", "session_id", "config"}`;
- audio goes out as `{"message_type": "input_audio_chunk", "audio_base_64", "commit": false, "sample_rate"}`, and a
  commit is the same message with empty audio and `"commit": true`;
- the server sends `partial_transcript {text}` as audio arrives and, per commit, `committed_transcript {text}` then
  `committed_transcript_with_timestamps {text, language_code, words: [{text, start, end, type, logprob}]}`;
- errors are messages named by their `message_type` (`auth_error`, `quota_exceeded`, `rate_limited`, ...) with an
  `error` string. Should the handshake itself be refused (an HTTP status instead of the upgrade), the refusal is
  judged as the REST API's would be.
"""

from __future__ import annotations

import base64
import json
import urllib.parse
from typing import Any

from interviewsim.stt.base import PCM_SAMPLE_RATE
from interviewsim.vendors.elevenlabs import PROVIDER, Refusal
from interviewsim.vendors.errors import ProviderError

PATH = "/v1/speech-to-text/realtime"
_MAX_DETAIL_CHARS = 300

# In-band errors that are the key's (or its account's) fault, as the HTTP refusal each stands for, so the voice's
# rules judge them: a bad key is retired, an exhausted quota rests for hours, a busy service for a moment.
_KEY_REFUSALS: dict[str, tuple[int, str]] = {
    "auth_error": (401, "invalid_api_key"),
    "quota_exceeded": (401, "quota_exceeded"),
    "rate_limited": (429, "rate_limited"),
    "resource_exhausted": (429, "resource_exhausted"),
    "queue_overflow": (429, "queue_overflow"),
    "unaccepted_terms": (403, "unaccepted_terms"),
    "unaccepted_terms_error": (403, "unaccepted_terms"),  # the Python SDK's event name for it
}
# About what was sent: another key would refuse it too.
_REQUEST_ERRORS = frozenset({"input_error", "chunk_size_exceeded"})
_STREAM_ERRORS = frozenset(
    {"error", "transcriber_error", "commit_throttled", "session_time_limit_exceeded", "insufficient_audio_activity"}
)


def realtime_url(base_url: str, *, model: str, language: str | None) -> str:
    """The session URL under `base_url` (https becomes wss, http ws), asking for 16 kHz PCM and manual commits."""
    parts = urllib.parse.urlsplit(base_url)
    scheme = {"https": "wss", "http": "ws"}.get(parts.scheme, parts.scheme)
    query = [
        ("model_id", model),
        ("audio_format", f"pcm_{PCM_SAMPLE_RATE}"),
        ("commit_strategy", "manual"),
        ("include_timestamps", "true"),
    ]
    if language:
        query.append(("language_code", language))
    path = parts.path.rstrip("/") + PATH
    return urllib.parse.urlunsplit((scheme, parts.netloc, path, urllib.parse.urlencode(query), ""))


def audio_message(pcm: bytes, *, commit: bool) -> str:
    """An `input_audio_chunk` carrying `pcm` (empty with `commit`)."""
    return json.dumps(
        {
            "message_type": "input_audio_chunk",
            "audio_base_64": base64.b64encode(pcm).decode("ascii"),
            "commit": commit,
            "sample_rate": PCM_SAMPLE_RATE,
        }
    )


def error_verdict(message: dict[str, Any], detail: str) -> Refusal | ProviderError | None:
    """What an error message means: a refusal of the key, a failed stream, or None when it is no error.

    `detail` is the message's own explanation, already stripped of any key.
    """
    kind = str(message.get("message_type") or "")
    detail = detail[:_MAX_DETAIL_CHARS]
    if kind == "error" and detail in {*_KEY_REFUSALS, *_REQUEST_ERRORS, *_STREAM_ERRORS}:
        kind = detail  # the documented generic shape: {"message_type": "error", "error": "<code>"}
    if kind in _KEY_REFUSALS:
        status, reason = _KEY_REFUSALS[kind]
        return Refusal(status, reason, detail)
    if kind in _REQUEST_ERRORS:
        return ProviderError(PROVIDER, f"refused the audio ({kind}): {detail}", retryable=False)
    if kind in _STREAM_ERRORS:
        return ProviderError(PROVIDER, f"failed the real-time stream ({kind}): {detail}", retryable=True)
    return None


def error_detail(message: dict[str, Any]) -> str:
    """The explanation an error message carries."""
    return str(message.get("error") or message.get("message") or "")
