"""Turning display text (markdown, emoji) into plain speakable ASCII."""

from __future__ import annotations

import re
import unicodedata

_MARKDOWN_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_CODE_FENCE = re.compile(r"```.*?```", re.DOTALL)
_MARKDOWN_SYMBOLS = re.compile(r"[*_`#>|~\[\]{}<^=\\]")
_BULLET = re.compile(r"(?m)^\s*(?:[-+•]|\d+[.)])\s+")
_SPACE_BEFORE_PUNCT = re.compile(r" (?=[,.;:!?])")  # whitespace is single spaces by then


def clean_for_speech(text: str) -> str:
    """Return `text` as plain ASCII a voice can read: no markdown, emoji or extra whitespace."""
    # Every reply passes here: the scans that cannot match (no fence, no link, ASCII already) are skipped.
    if "```" in text:
        text = _CODE_FENCE.sub(" ", text)
    if "](" in text:
        text = _MARKDOWN_LINK.sub(r"\1", text)
    text = _BULLET.sub(" ", text)
    if not text.isascii():
        # Fold accents to their base letters (é -> e) before dropping what is left of non-ASCII.
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = _MARKDOWN_SYMBOLS.sub(" ", text)
    text = " ".join(text.split())
    return _SPACE_BEFORE_PUNCT.sub("", text)
