"""The documented request patterns agree with what the models accept."""

from __future__ import annotations

import re
import sys

import pytest
from pydantic import ValidationError

from interviewsim.interviews.schemas import NOT_BLANK, StartSessionRequest

STRIPPED = [chr(code) for code in range(sys.maxunicode + 1) if chr(code).isspace()]


def test_no_character_that_the_model_strips_satisfies_the_not_blank_pattern() -> None:
    assert [hex(ord(c)) for c in STRIPPED if re.search(NOT_BLANK, c)] == []
    assert re.search(NOT_BLANK, " data ")


@pytest.mark.parametrize("blank", ["\u0085", "\x1c\x1f", "\u3000 \u2028"])
def test_a_domain_of_only_unicode_whitespace_is_refused(blank: str) -> None:
    with pytest.raises(ValidationError):
        StartSessionRequest(domain=blank, role="Backend Engineer")
