"""Stems and stopwords: what a text is about, as a set of Snowball (Porter2) stems of its content words."""

from __future__ import annotations

import functools
from collections.abc import Iterable

import Stemmer

from interviewsim.language.text import words


def wordset(text: str) -> frozenset[str]:
    """The whitespace-separated words of a block of text."""
    return frozenset(text.split())


# Function words, and the filler words of speech that say nothing about a subject.
STOPWORDS = wordset(
    """
    a about above after again against all also am an and any are aren't as at be because been before being
    below between both but by can can't cannot could couldn't did didn't do does doesn't doing don't down during
    each even ever every few for from further get gets got had hadn't has hasn't have haven't having he he'd
    he'll he's her here here's hers herself him himself his how how's i i'd i'll i'm i've if in into is isn't
    it it's its itself just let's me more most much must mustn't my myself no nor not now of off often on once
    one only or other ought our ours ourselves out over own quite rather really same shan't she she'd she'll
    she's should shouldn't so some such than that that's the their theirs them themselves then there there's
    these they they'd they'll they're they've this those though through to too two under until up upon us very
    was wasn't we we'd we'll we're we've were weren't what what's when when's where where's whether which while
    who who's whom why why's will with won't would wouldn't yes yet you you'd you'll you're you've your yours
    yourself yourselves thing things something stuff lot lots well like okay ok yeah actually basically maybe
    probably think kind sort
    """
)


@functools.cache
def _stemmer() -> Stemmer.Stemmer:
    """The English Snowball stemmer, built on first use (it keeps its own cache of stemmed words)."""
    return Stemmer.Stemmer("english")


def _final(stemmed: str) -> str:
    """Porter2 keeps a final y as i ("expiry" -> "expiri") but drops a final e ("expire" -> "expir"): meet them."""
    return stemmed[:-1] if len(stemmed) > 3 and stemmed.endswith("i") else stemmed


def stem(word: str) -> str:
    """The stem of one folded word ("caching", "cached" and "caches" give "cach"; "expiry" and "expire" "expir")."""
    return _final(str(_stemmer().stemWord(word.replace("'", ""))))


def stems(tokens: Iterable[str]) -> frozenset[str]:
    """Stems of already folded words."""
    return frozenset(_final(str(s)) for s in _stemmer().stemWords([t.replace("'", "") for t in tokens]))


def content_words(text: str) -> list[str]:
    """The text's folded words that are not stopwords (single characters dropped)."""
    return [w for w in words(text) if len(w) > 1 and w not in STOPWORDS]


def content_stems(text: str) -> frozenset[str]:
    """Stems of the text's content words: what it is about."""
    return stems(content_words(text))


def vocabulary(text: str) -> frozenset[str]:
    """Stems of a whitespace-separated word list (a vocabulary written in the source)."""
    return stems(words(text))
