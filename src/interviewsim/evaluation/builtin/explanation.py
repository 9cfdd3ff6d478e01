"""Explanation depth: whether an answer says how and why (steps, reasons, trade-offs, an example) or only lists."""

from __future__ import annotations

import re

from interviewsim.evaluation.builtin import cues
from interviewsim.language.stems import STOPWORDS
from interviewsim.language.text import fold, words

# Explanation from which an answer counts as fully explained: e.g. an example with its outcome and two steps.
EXPLAINED = 0.4
# Share of function words below which text reads as a list of terms rather than sentences ("TTL; Redis; B-tree").
PROSE = 0.25
SENTENCES = 0.15  # what plain sentences (not a list) earn before any reason, step or example
SENTENCE_WORDS = 6  # "ok" or "yes, Redis" is not yet a sentence that explains
_ITEMS = re.compile(r";|^\s*(?:[-*•]|\d+[.)])\s+", re.MULTILINE)
# A person doing or proposing something: what turns a term into a statement.
_CLAUSE = re.compile(r"\b(?:i|we|you|my|our|i'd|we'd|you'd|i'm|we're|would|will|can|could|should)\b")

_REASONS = re.compile(
    r"\b(?:because|since|so that|in order to|which means|that means|this means|therefore|thus|hence|otherwise"
    r"|the reason|that way|this way|as a result|which (?:lets|allows|keeps|avoids|prevents|makes|reduces|gives)"
    r"|trade-?offs?|the downside|the cost is|at the cost of|instead of|rather than|whereas|however"
    r"|on the other hand|if (?:the|a|we|you|it|there|i)|when (?:the|a|we|you|it|i)|unless|so (?:we|i|the|it))\b"
)
_STEPS = re.compile(
    r"\b(?:first|firstly|secondly|then|next|finally|afterwards|step by step|before (?:\w+ing)|by (?:\w+ing)"
    r"|(?:i|we) (?:would|'d|will|'ll) (?:\w+)|(?:i|we) (?:\w+ed|built|led|made|ran|wrote|set up|cut|kept|chose|took"
    r"|found)|to (?:check|measure|verify|test|avoid|keep|make|reduce|find|compare|confirm))\b"
)


def prose_share(text: str) -> float:
    """Share of the words that are function words: about 0.4-0.5 in sentences, near 0 in a list of terms."""
    tokens = words(text)
    return sum(1 for t in tokens if t in STOPWORDS) / len(tokens) if tokens else 0.0


def is_list(text: str) -> bool:
    """Whether the text is a list (items split by semicolons or bullets) whose items mostly say nobody does anything.

    "TTL expiry; invalidate on writes; Redis" is a list of terms; "- I'd cache reads in Redis" is an answer.
    """
    items = [item for item in _ITEMS.split(text) if item.strip()]
    clauses = sum(1 for item in items if _CLAUSE.search(fold(item)))
    return len(items) >= 3 and clauses * 2 <= len(items)


def explanation(text: str, behavioral: bool = False) -> float:
    """0-1: how far the text explains rather than names: sentences, reasons, steps, an example, a story."""
    if prose_share(text) < PROSE or is_list(text):
        return 0.0
    lowered = fold(text)
    reasons = min(len(_REASONS.findall(lowered)), 2) * 0.2
    steps = min(len(_STEPS.findall(lowered)), 2) * 0.12
    example = 0.2 if cues.example_cue_count(text) else 0.0
    story = sum(cues.star_components(text).values()) / 4 * (0.5 if behavioral else 0.25)
    sentences = SENTENCES if len(words(text)) >= SENTENCE_WORDS else 0.0
    return min(1.0, sentences + reasons + steps + example + story)


def credit(explained: float) -> float:
    """0.25-1: the share of an answer's content credit its explanation earns; a bare list keeps a quarter."""
    return 0.25 + 0.75 * min(1.0, explained / EXPLAINED)


def weight(explained: float) -> float:
    """0.475-1: how much an answer's delivery counts; polish on an unexplained answer shows less."""
    return 0.3 + 0.7 * credit(explained)
