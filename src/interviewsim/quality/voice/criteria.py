"""The voice criteria: a think-pause does not split an answer, a barge-in stops the interviewer, nothing is lost.

Transcripts come from Whisper tiny.en, so spoken words are compared as sets of content-word stems, not verbatim.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from interviewsim.language.stems import content_stems
from interviewsim.quality.records import RunRecord, Verdict
from interviewsim.quality.voice.records import VoiceLog
from interviewsim.shared.speakable import clean_for_speech

VOICE_CRITERIA = ("think_pause_kept_whole", "barge_in_honoured", "nothing_lost")
WORDS_KEPT = 0.6  # share of an answer's content words its stored transcript must hold
HALF_KEPT = 0.5  # ...and of each half of a think-pause answer
MIN_COMPARED_WORDS = 3  # shorter answers ("Fine.", "Pass.") need only be stored, not matched word for word
# From the onset of the candidate's speech (the first 0.25 s of it without a gap, as the server counts it).
# Generous: the server needs those 0.25 s to cut, and a loaded machine adds its own delays; a barge-in that
# was not honoured goes on for seconds (only turns of 14 words or more are talked over).
CUT_WITHIN_SECONDS = 1.0
_QUOTE_CHARS = 80


def voice_verdicts(record: RunRecord, log: VoiceLog) -> list[Verdict]:
    """The voice criteria on one spoken interview; a run that broke off fails them all."""
    # The think-pause is judged only where an answer had an open clause to pause in (a terse persona may
    # have none); `think_pause_exercised` makes sure some interview of the suite had one.
    if record.error is not None:
        return [Verdict(name, False, detail=f"run did not complete: {record.error}") for name in VOICE_CRITERIA]
    paused = [think_pause_kept_whole(log)] if log.think_pause is not None else []
    return [*paused, barge_in_honoured(log), nothing_lost(record, log)]


def think_pause_exercised(logs: Sequence[VoiceLog]) -> Verdict:
    """Across the suite, at least one interview paused inside an open clause (the think-pause was tested)."""
    name = "think_pause_exercised"
    paused = sum(log.think_pause is not None for log in logs)
    if not paused:
        return Verdict(name, False, detail="no interview had an answer with an open clause to pause in")
    return Verdict(name, True, detail=f"in {paused} of {len(logs)} interviews")


def share_kept(said: str, stored: str) -> float:
    """The share of `said`'s content-word stems found in `stored` (1.0 when `said` has none)."""
    expected = content_stems(clean_for_speech(said))
    if not expected:
        return 1.0
    return len(expected & content_stems(stored)) / len(expected)


def _quote(text: str) -> str:
    return repr(text if len(text) <= _QUOTE_CHARS else text[: _QUOTE_CHARS - 1] + "…")


def _stored(log: VoiceLog, role: str) -> Iterable[tuple[int, dict[str, Any]]]:
    return ((index, message) for index, message in enumerate(log.stored) if message.get("role") == role)


def think_pause_kept_whole(log: VoiceLog) -> Verdict:
    """The answer with a 1.2 s pause inside an open clause is one turn: one final transcript, one stored answer."""
    name = "think_pause_kept_whole"
    if log.think_pause is None:
        return Verdict(name, False, detail="never exercised: no answer had an open clause to pause in")
    answer = log.answers[log.think_pause]
    before, after = answer.halves or ("", answer.text)
    if len(answer.finals) != 1:
        finals = ", ".join(_quote(text) for text in answer.finals)
        return Verdict(name, False, detail=f"the answer became {len(answer.finals)} turns: {finals}")
    for index, message in _stored(log, "user"):
        text = str(message.get("text") or "")
        if share_kept(before, text) >= HALF_KEPT and share_kept(after, text) >= HALF_KEPT:
            return Verdict(name, True, index, f"one turn: {_quote(text)}")
    return Verdict(name, False, detail=f"no stored answer holds both halves of {_quote(before)} + {_quote(after)}")


def barge_in_honoured(log: VoiceLog) -> Verdict:
    """Talking over the interviewer stops its audio at once, and the cut turn is stored as interrupted."""
    name = "barge_in_honoured"
    cut = log.barge_in
    if cut is None:
        return Verdict(name, False, detail="never exercised: no interviewer turn was long enough to talk over")
    replies = [index for index, _ in _stored(log, "assistant")]
    stored_at = replies[cut.reply_index] if cut.reply_index < len(replies) else None
    if cut.interrupted_after is None:
        detail = f"no `interrupted` for turn {cut.turn} though the candidate spoke over it"
        return Verdict(name, False, stored_at, detail)
    if cut.last_frame_after is not None and cut.last_frame_after > CUT_WITHIN_SECONDS:
        detail = f"turn {cut.turn}'s audio went on {cut.last_frame_after:.2f} s after the candidate's speech set in"
        return Verdict(name, False, stored_at, detail)
    if stored_at is None or not log.stored[stored_at].get("interrupted"):
        return Verdict(name, False, stored_at, "the cut reply is not stored with interrupted: true")
    last = "none after speech set in" if cut.last_frame_after is None else f"{cut.last_frame_after:+.2f} s"
    return Verdict(
        name, True, stored_at, f"interrupted {cut.interrupted_after:.2f} s after speech set in; last audio frame {last}"
    )


def nothing_lost(record: RunRecord, log: VoiceLog) -> Verdict:
    """Every answer is stored once, in order, with most of its words; the interview ended and was graded."""
    name = "nothing_lost"
    stored = list(_stored(log, "user"))
    if len(stored) != len(log.answers):
        return Verdict(name, False, detail=f"{len(log.answers)} answers given, {len(stored)} stored")
    for number, (answer, (index, message)) in enumerate(zip(log.answers, stored, strict=True), start=1):
        text = str(message.get("text") or "")
        if answer.typed:
            if text.strip() != answer.text.strip():
                return Verdict(name, False, index, f"typed answer {number} stored as {_quote(text)}")
            continue
        if len(content_stems(clean_for_speech(answer.text))) < MIN_COMPARED_WORDS:
            if not text.strip():
                return Verdict(name, False, index, f"answer {number} ({_quote(answer.text)}) stored empty")
            continue
        kept = share_kept(answer.text, text)
        if kept < WORDS_KEPT:
            detail = f"answer {number} {_quote(answer.text)} stored as {_quote(text)}: {kept:.0%} of its words"
            return Verdict(name, False, index, detail)
    if not (log.final_reply or {}).get("end"):
        return Verdict(name, False, detail="the interview did not reach its end")
    if record.evaluation is None:
        return Verdict(name, False, detail="the interview ended without a stored evaluation")
    detail = f"{len(log.answers)} answers stored once each, in order ({log.seconds:.0f} s interview)"
    return Verdict(name, True, detail=detail)
