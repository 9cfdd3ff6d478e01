"""Relevance to the question asked: its subject, its key points, and which sentences serve it."""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

from interviewsim.evaluation.builtin import cues
from interviewsim.language.stems import content_stems, vocabulary, wordset
from interviewsim.language.text import fold, sentences, words

# Words that frame a question rather than name its subject.
QUESTION_FRAMING = wordset(
    """
    tell describe explain walk talk give example examples time times would could how approach handle
    handled situation share discuss think please briefly kind sort difference differences use used using
    work worked working make made way ways what's experience
    """
)

_ALTERNATIVES = re.compile(r"\s+(?:or|/)\s+", re.IGNORECASE)


@functools.cache
def _framing() -> frozenset[str]:
    """Stems of the words that only frame a question."""
    return vocabulary(" ".join(sorted(QUESTION_FRAMING)))


def key_point_covered(key_point: str, answer: str) -> bool:
    """Whether most content words of the key point (or of one of its "or" alternatives) are in the answer."""
    said = content_stems(answer)
    return any(_mostly_present(content_stems(option), said) for option in _ALTERNATIVES.split(key_point))


def _mostly_present(wanted: frozenset[str], said: frozenset[str]) -> bool:
    """Whether more than half of the wanted stems were said."""
    return bool(wanted) and len(wanted & said) * 2 > len(wanted)


def key_point_coverage(key_points: Sequence[str], answer: str) -> float:
    """Fraction of key points the answer covers (1.0 when there are none)."""
    if not key_points:
        return 1.0
    return sum(key_point_covered(point, answer) for point in key_points) / len(key_points)


def missed_key_points(key_points: Sequence[str], answer: str) -> list[str]:
    """The key points the answer does not cover, in order."""
    return [point for point in key_points if not key_point_covered(point, answer)]


def _subject(question: str) -> frozenset[str]:
    """The question's subject stems, without words that only frame it ("tell", "describe", "approach")."""
    return content_stems(question) - _framing()


def relevance(question: str, answer: str) -> float:
    """0-1: share of the question's subject words that the answer uses."""
    subject = _subject(question)
    if not subject:
        return 0.5
    return len(subject & content_stems(answer)) / len(subject)


def topic_stems(question: str, key_points: Sequence[str] = ()) -> frozenset[str]:
    """What an answer to the question is about: its subject words and the words of its key points."""
    return _subject(question) | content_stems(" ".join(key_points))


def on_point(sentence: str, topic: frozenset[str]) -> bool:
    """Whether a sentence serves the answer: the topic, a number, a name, an example, a story step or own work."""
    return bool(
        content_stems(sentence) & topic
        or cues.has_metric(sentence)
        or cues.named_terms(sentence)
        or cues.example_cue_count(sentence)
        or any(cues.star_components(sentence).values())
        or cues.assertive_count(sentence)
        or cues.DID.search(fold(sentence))
    )


def focus(text: str, topic: frozenset[str], lead_in: int = 10) -> float:
    """0-1: share of the words spent on the question rather than on tangents or repeating a sentence.

    The first `lead_in` words off the point are free ("Good question, let me think.").
    """
    on = off = 0
    seen: set[tuple[str, ...]] = set()
    for sentence in sentences(text):
        tokens = tuple(words(sentence))
        if tokens in seen or not on_point(sentence, topic):
            off += len(tokens)
        else:
            on += len(tokens)
        seen.add(tokens)
    total = on + off
    return 1.0 - max(0, off - lead_in) / total if total else 1.0


def addressing(text: str, topic: frozenset[str], behavioral: bool) -> str:
    """The sentences that address the question: on its subject, or an example or story that follows one.

    Numbers and tool names alone do not make a sentence relevant; in behavioral answers the candidate's own
    story is the subject, so its steps count without naming the question's words.
    """
    kept: list[str] = []
    anchored = False
    for sentence in sentences(text):
        on_topic = bool(content_stems(sentence) & topic)
        story = bool(
            cues.example_cue_count(sentence)
            or any(cues.star_components(sentence).values())
            or cues.DID.search(fold(sentence))
        )
        if on_topic or (story and (anchored or behavioral)):
            kept.append(sentence)
        anchored = anchored or on_topic
    return " ".join(kept)


def similarity(first: str, second: str) -> float:
    """0-1: how much of two answers is the same wording (shared three-word runs over the shorter answer's)."""
    a, b = _shingles(first), _shingles(second)
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def _shingles(text: str) -> frozenset[tuple[str, ...]]:
    """The text's runs of three consecutive words (the whole text when shorter)."""
    tokens = words(text)
    if len(tokens) < 3:
        return frozenset({tuple(tokens)}) if tokens else frozenset()
    return frozenset(tuple(tokens[i : i + 3]) for i in range(len(tokens) - 2))
