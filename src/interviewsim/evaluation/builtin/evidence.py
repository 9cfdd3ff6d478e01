"""Evidence: verbatim quotes of the candidate, each with what it shows, strengths and weaknesses alike."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

from interviewsim.evaluation.builtin import cues, relevance
from interviewsim.evaluation.builtin.answers import Answer, Facts
from interviewsim.evaluation.builtin.feedback import SHORT_WORDS
from interviewsim.evaluation.schema import Evidence
from interviewsim.language import conduct
from interviewsim.language.text import sentence_spans, word_count

QUOTE_CHARS = 200


@dataclass(frozen=True)
class Candidate:
    """A quotable sentence with what it shows and how telling it is."""

    quote: str
    comment: str
    weight: int
    strength: bool
    source: int = 0  # index of the question it answers


def evidence_of(facts: Facts) -> list[Evidence]:
    """Two to six verbatim quotes (when the candidate said enough): up to three strengths, three weaknesses."""
    pool = [
        dataclasses.replace(c, source=index)
        for index, a in enumerate(facts.answers)
        for text in a.question.answers
        for c in _candidates(text, a)
    ]
    picked: list[Candidate] = []
    for strength in (True, False):
        ranked = sorted((c for c in pool if c.strength == strength), key=lambda c: -c.weight)
        picked += _distinct(ranked, {c.quote for c in picked}, 3)
    if len(picked) < 2:
        picked += _distinct(_fallback_candidates(facts), {c.quote for c in picked}, 2 - len(picked))
    return [Evidence(quote=c.quote, comment=c.comment) for c in picked]


def _distinct(ranked: Sequence[Candidate], taken: set[str], limit: int) -> list[Candidate]:
    """Up to `limit` candidates with untaken quotes, spread over questions before doubling up on one."""
    seen = set(taken)
    chosen: list[Candidate] = []
    for spread in (True, False):
        for candidate in ranked:
            repeat = spread and any(c.source == candidate.source for c in chosen)
            if len(chosen) < limit and candidate.quote not in seen and not repeat:
                seen.add(candidate.quote)
                chosen.append(candidate)
    return chosen


def _candidates(text: str, answer: Answer) -> list[Candidate]:
    """Each sentence of an original answer that illustrates something, with its reading."""
    found: list[Candidate] = []
    for start, end in sentence_spans(text):
        quote = _quote(text, start, end)
        reading = _read(quote, answer)
        if quote and reading is not None:
            found.append(Candidate(quote, *reading))
    return found


def _quote(text: str, start: int, end: int) -> str:
    """The verbatim span, cut at a word boundary to fit the quote limit."""
    if end - start > QUOTE_CHARS:
        cut = text.rfind(" ", start, start + QUOTE_CHARS)
        end = cut if cut > start else start + QUOTE_CHARS
    return text[start:end].strip()


def _read(sentence: str, answer: Answer) -> tuple[str, int, bool] | None:
    """What a sentence shows: (comment, weight, is_strength), or None if nothing notable."""
    if conduct.is_injection(sentence):
        return (
            "Addresses the grader instead of the question; ignored and noted as unprofessional.",
            100,
            False,
        )
    if conduct.is_rude(sentence):
        return "Unprofessional language toward the interviewer.", 95, False
    if answer.gibberish:
        return "Unintelligible, so it could not be credited.", 80, False
    if answer.repeat_of is not None:
        return "Repeats the answer to an earlier question, so it earned nothing here.", 75, False
    return _weak_reading(sentence) or _strong_reading(sentence, answer) or _mild_weak_reading(sentence, answer)


def _weak_reading(sentence: str) -> tuple[str, int, bool] | None:
    """A weakness that outweighs anything good in the sentence, if any."""
    if cues.says_dont_know(sentence) and word_count(sentence) < 20:
        return "Gives up instead of reasoning toward an answer.", 70, False
    hedges, fillers = cues.hedge_count(sentence), cues.filler_count(sentence)
    if hedges and fillers:
        return "Hedging and filler make the answer sound unsure.", 50, False
    if hedges >= 2:
        return "Hedging makes the answer sound unsure.", 50, False
    if fillers >= 2:
        return "Filler words dilute the point.", 45, False
    return None


def _mild_weak_reading(sentence: str, answer: Answer) -> tuple[str, int, bool] | None:
    """A lesser weakness, for sentences with nothing good to show."""
    if answer.substantive and answer.words < SHORT_WORDS and answer.specificity < 0.1:
        return "Vague: no example, number or named tool to back it up.", 40, False
    hedges = cues.hedge_phrases(sentence)
    if hedges:
        return f"Hedges ('{hedges[0]}') instead of committing to an answer.", 35, False
    return None


def _strong_reading(sentence: str, answer: Answer) -> tuple[str, int, bool] | None:
    """A strength the sentence shows, if any."""
    metric, owned = cues.has_metric(sentence), cues.assertive_count(sentence) > 0
    result = cues.star_components(sentence)["result"]
    if metric and owned:
        return "Owns the work and quantifies the result.", 60, True
    if metric and result:
        return "Quantifies the outcome.", 58, True
    covered = [p for p in answer.question.key_points if relevance.key_point_covered(p, sentence)]
    if covered:
        return f"Covers the key point '{covered[0]}'.", 55, True
    if result and word_count(sentence) >= 8:
        return "States a clear outcome.", 45, True
    if len(cues.named_terms(sentence)) >= 2:
        return "Names concrete tools and concepts instead of generalities.", 40, True
    if metric:
        return "Backs the point with a number.", 35, True
    if owned:
        return "Speaks with ownership of the work.", 30, True
    return None


def _fallback_candidates(facts: Facts) -> list[Candidate]:
    """Any sentence of three or more words, when nothing more telling was found."""
    found: list[Candidate] = []
    for index, answer in enumerate(facts.answers):
        for text in answer.question.answers:
            for start, end in sentence_spans(text):
                quote = _quote(text, start, end)
                if word_count(quote) >= 3:
                    found.append(Candidate(quote, "Representative of the answers given.", 0, False, index))
    return found
