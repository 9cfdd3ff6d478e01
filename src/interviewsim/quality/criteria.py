"""Deterministic checks of the interviewer's conduct on one transcript; each names the turn that broke it."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Collection, Iterable

from interviewsim.interviewer.builtin.bank import Question
from interviewsim.quality.answers import bank_question, question_sentence
from interviewsim.quality.records import Intent, Message, RunRecord, Verdict

WARMUP_EXCHANGES = 2  # the README's plan: two light exchanges before the first core question
ASKING_KINDS = frozenset({"question", "follow_up", "clarify", "redirect", "rephrase_request"})
MAX_REPLIES_PER_QUESTION = 3  # interviewer turns on one question before it must move on
SAME_QUESTION_RATIO = 0.9
_LEAK_TERMS = re.compile(
    r"\brubric\b|\bsystem prompt\b|interviewer_note|\banswer key\b|\bscoring (?:guide|criteria)\b|\bmarking scheme\b",
    re.IGNORECASE,
)
_INSULTS = re.compile(
    r"\b(?:stupid|idiot\w*|useless|pathetic|moron\w*|dumb|shut up|loser|incompetent|ridiculous|pointless|"
    r"fuck\w*|shit\w*|crap\w*|bastard\w*|garbage|trash)\b",
    re.IGNORECASE,
)
_FILLER_WORDS = frozenset(("a", "an", "the", "of", "or", "and", "to", "in", "on", "for", "with", "by", "your", "its"))
_NON_ALNUM = re.compile(r"[^a-z0-9]+")

Check = Callable[[RunRecord], Verdict]


def normalise(text: str) -> str:
    """Lowercase words separated by single spaces, punctuation dropped."""
    return " ".join(_NON_ALNUM.split(text.lower())).strip()


def asked_text(text: str) -> str:
    """The question a turn asks, without a lead-in such as "Here's the next one:"."""
    return question_sentence(text).rsplit(":", 1)[-1]


def _first(record: RunRecord, kind: str) -> Message | None:
    return next((m for m in record.assistant if m.kind == kind), None)


def _previous_assistant(record: RunRecord, index: int) -> Message | None:
    return next((m for m in reversed(record.messages[:index]) if m.role == "assistant"), None)


def _next_assistant(record: RunRecord, index: int) -> Message | None:
    return next((m for m in record.messages[index + 1 :] if m.role == "assistant"), None)


def warmup_first(record: RunRecord) -> Verdict:
    """A greeting, then warm-up exchanges, before the first core question."""
    name = "warmup_first"
    opening = record.assistant[0] if record.assistant else None
    if opening is None or opening.kind != "greeting":
        return Verdict(name, False, opening.index if opening else None, "the interview did not open with a greeting")
    question = _first(record, "question")
    if question is None:
        return Verdict(name, True, detail="no core question was asked")
    before = record.messages[: question.index]
    stray = next((m for m in before if m.role == "assistant" and m.kind not in ("greeting", "warmup")), None)
    if stray is not None:
        return Verdict(name, False, stray.index, f"a {stray.kind} turn during the warm-up")
    answers = sum(m.role == "user" for m in before)
    if answers < WARMUP_EXCHANGES:
        return Verdict(name, False, question.index, f"first core question after {answers} warm-up answer(s)")
    return Verdict(name, True)


def one_question_per_turn(record: RunRecord) -> Verdict:
    """Every asking turn of the core phase holds exactly one question mark."""
    name = "one_question_per_turn"
    for message in record.assistant:
        if message.kind in ASKING_KINDS and message.text.count("?") != 1:
            return Verdict(name, False, message.index, f"{message.text.count('?')} questions in a {message.kind} turn")
    return Verdict(name, True)


def no_repeated_question(record: RunRecord) -> Verdict:
    """No core question is asked twice (same or nearly the same wording)."""
    name = "no_repeated_question"
    seen: list[tuple[int, str]] = []
    for message in record.assistant:
        if message.kind != "question":
            continue
        asked = normalise(asked_text(message.text))
        for index, earlier in seen:
            if difflib.SequenceMatcher(None, asked, earlier).ratio() >= SAME_QUESTION_RATIO:
                return Verdict(name, False, message.index, f"repeats the question of turn {index}")
        seen.append((message.index, asked))
    return Verdict(name, True)


def checkable_points(question: Question) -> list[str]:
    """Key points specific enough to flag verbatim: three or more words beyond articles and joiners."""
    points = []
    for point in question.key_points:
        words = normalise(point).split()
        if len([w for w in words if w not in _FILLER_WORDS]) >= 3:
            points.append(" ".join(words))
    return points


def no_leak(record: RunRecord) -> Verdict:
    """No rubric or prompt talk, and no key point of an asked bank question the candidate had not said first."""
    name = "no_leak"
    asked: dict[str, Question] = {}
    said = ""
    for message in record.messages:
        if message.role == "user":
            said += " " + normalise(message.text)
            continue
        term = _LEAK_TERMS.search(message.text)
        if term:
            return Verdict(name, False, message.index, f"mentions {term.group(0)!r}")
        question = bank_question(message.text)
        if question is not None:
            asked[question.id] = question
        spoken = message.text
        for known in asked.values():
            spoken = spoken.replace(known.text, " ")
        spoken = f" {normalise(spoken)} "
        for known in asked.values():
            for point in checkable_points(known):
                if f" {point} " in spoken and f" {point} " not in f"{said} ":
                    return Verdict(name, False, message.index, f"reveals key point {point!r}")
    return Verdict(name, True)


def keeps_moving(record: RunRecord) -> Verdict:
    """The interviewer never spends more than a few turns on one core question."""
    name = "keeps_moving"
    replies = 0
    for message in record.assistant:
        if message.kind == "question":
            replies = 0
        elif message.kind in ASKING_KINDS or message.kind == "professionalism":
            replies += 1
            if replies > MAX_REPLIES_PER_QUESTION:
                return Verdict(name, False, message.index, f"{replies} turns on one question without moving on")
    return Verdict(name, True)


def wraps_up(record: RunRecord) -> Verdict:
    """The interviewer wraps up once the plan is done or time is up, and closes the interview itself."""
    name = "wraps_up"
    last = record.assistant[-1] if record.assistant else None
    if last is None or last.kind != "closing":
        return Verdict(name, False, last.index if last else None, "the interview did not end with a closing turn")
    if record.ended_by == "manual":
        return Verdict(name, False, last.index, "still running after the harness's turn limit; ended by hand")
    questions = [m for m in record.assistant if m.kind == "question"]
    if record.questions_planned and len(questions) > record.questions_planned:
        extra = questions[record.questions_planned]
        return Verdict(name, False, extra.index, f"question {len(questions)} of {record.questions_planned} planned")
    wrapup = _first(record, "wrapup")
    if wrapup is not None:
        asked = sum(1 for q in questions if q.index < wrapup.index)
        timed_out = (wrapup.minutes_left or 0.0) <= 0 or record.ended_by == "time_up"
        if asked < record.questions_planned and not timed_out:
            return Verdict(name, False, wrapup.index, f"wrapped up after {asked} of {record.questions_planned}")
    elif record.ended_by not in ("time_up", "early"):
        return Verdict(name, False, last.index, f"closed ({record.ended_by}) without a wrap-up turn")
    for message in record.assistant:
        after = _next_assistant(record, message.index)
        if message.minutes_left == 0 and not message.end and after is not None and after.kind != "closing":
            return Verdict(name, False, after.index, "time was up but the interview went on")
    return Verdict(name, True)


def reaction(name: str, intents: Collection[Intent], accepted: Collection[str]) -> Check:
    """A check that the first reply to each `intents` answer to a freshly asked question is of an `accepted` kind."""

    def check(record: RunRecord) -> Verdict:
        exercised = 0
        for message in record.candidate:
            previous = _previous_assistant(record, message.index)
            reply = _next_assistant(record, message.index)
            if message.intent not in intents or previous is None or previous.kind != "question" or reply is None:
                continue
            exercised += 1
            if reply.kind not in accepted:
                detail = f"{reply.kind} after a {message.intent} answer (turn {message.index})"
                return Verdict(name, False, reply.index, detail)
        if not exercised:
            return Verdict(name, False, detail="never exercised: no such answer to a freshly asked question")
        return Verdict(name, True, detail=f"{exercised} checked")

    check.__doc__ = f"{name}: replies to {', '.join(sorted(intents))} are {' or '.join(sorted(accepted))}."
    return check


def _insults(record: RunRecord) -> Iterable[Message]:
    return (m for m in record.assistant if _INSULTS.search(m.text))


_rude_reaction = reaction("professional_with_rude", {Intent.RUDE}, {"professionalism", "closing"})


def professional_with_rude(record: RunRecord) -> Verdict:
    """Calm replies to rudeness (a professionalism turn or a calm closing), never an insult echoed back."""
    echoed = next(iter(_insults(record)), None)
    if echoed is not None:
        word = _INSULTS.search(echoed.text)
        return Verdict("professional_with_rude", False, echoed.index, f"says {word.group(0) if word else ''!r}")
    return _rude_reaction(record)


follow_up_after_vague = reaction("follow_up_after_vague", {Intent.VAGUE, Intent.CONFUSED}, {"follow_up", "clarify"})
rephrase_after_empty = reaction("rephrase_after_empty", {Intent.EMPTY, Intent.GIBBERISH}, {"rephrase_request"})
redirect_after_off_topic = reaction("redirect_after_off_topic", {Intent.OFF_TOPIC}, {"redirect"})
