"""Folding, word tokens and sentence spans: the one way the app reads a candidate's text."""

from __future__ import annotations

import functools
import re
import unicodedata

# A word starts with a letter or digit and may hold + or # (C++, C#) and one apostrophe suffix (don't, team's).
_WORD = re.compile(r"[^\W_](?:[^\W_]|[+#])*(?:'[^\W\d_]+)?")
# Punctuation directly followed by a letter or digit ("0.1", "node.js") does not end a sentence.
_SENTENCE = re.compile(r"(?:[^.!?\n]|[.!?](?=[\w%]))+(?:[.!?]+|\n|$)")


@functools.lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    """One character, lower-cased without accents (é -> e); characters that would not stay one are kept."""
    if char in "’‘ʼ":
        return "'"
    base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)).lower()
    if len(base) == 1:
        return base
    lowered = char.lower()
    return lowered if len(lowered) == 1 else char


def fold(text: str) -> str:
    """Lower-case `text`, strip accents and make apostrophes plain, keeping its length.

    Offsets into the folded text are offsets into the original, so a match can be cut out of the original.
    """
    if text.isascii():
        return text.lower()  # the usual answer: ASCII lower-cases one character to one, with no accents to strip
    return "".join(_fold_char(char) for char in text)


def words(text: str) -> list[str]:
    """The folded word tokens of the text, in order."""
    return _WORD.findall(fold(text))


def word_count(text: str) -> int:
    """Number of words in the text."""
    return len(words(text))


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each non-blank sentence, trimmed of surrounding whitespace."""
    spans: list[tuple[int, int]] = []
    for match in _SENTENCE.finditer(text):
        start, end = match.span()
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if end > start:
            spans.append((start, end))
    return spans


def sentences(text: str) -> list[str]:
    """The text's sentences, trimmed."""
    return [text[start:end] for start, end in sentence_spans(text)]
