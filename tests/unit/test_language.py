"""One language toolkit: the interviewer and the evaluator read words, stems and stopwords the same way."""

from __future__ import annotations

import subprocess
import sys

from interviewsim.evaluation.builtin import cues, relevance
from interviewsim.interviewer.builtin import analysis
from interviewsim.language import stems, text


def test_both_engines_use_the_toolkit_and_nothing_of_their_own() -> None:
    assert analysis.content_stems is stems.content_stems
    assert relevance.content_stems is stems.content_stems
    assert cues.STOPWORDS is stems.STOPWORDS
    for module in (analysis, cues, relevance):
        assert not hasattr(module, "_stem") and not hasattr(module, "_STOPWORDS")


def test_snowball_stems_meet_across_word_forms() -> None:
    assert len({stems.stem(w) for w in ("caching", "cached", "caches", "cache")}) == 1
    assert stems.stem("expiry") == stems.stem("expire")
    assert stems.stem("queries") == stems.stem("query")
    assert stems.stem("manager") == stems.stem("management")
    assert stems.stem("counter") != stems.stem("count")


def test_content_stems_drop_stopwords_and_fold_text() -> None:
    assert stems.content_stems("I'd use the Caches, basically") == stems.content_stems("cache use")
    assert text.words("José’s C++ and C# node.js") == ["jose's", "c++", "and", "c#", "node", "js"]


def test_importing_the_toolkit_builds_no_stemmer() -> None:
    code = (
        "import interviewsim.language.stems as s, interviewsim.interviewer.builtin.analysis, "
        "interviewsim.evaluation.builtin; print(s._stemmer.cache_info().currsize)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "0"
