"""Technical credit: key points and specifics that address the question, worth full marks only when explained."""

from __future__ import annotations

from interviewsim.evaluation.builtin import explanation
from interviewsim.evaluation.builtin.answers import Answer, Facts
from interviewsim.evaluation.builtin.stats import mean
from interviewsim.interviewer.base import InterviewBrief
from interviewsim.language.stems import content_stems

CONCRETE = 0.3  # specificity from which an answer counts as concrete
CONCRETE_ENOUGH = 0.45  # specificity for full technical credit, e.g. a measured example and a named tool


def technical(facts: Facts) -> float:
    """Mean technical credit over technical answers (over every answer when none is technical)."""
    technical_answers = [a for a in facts.attempted if a.kind == "Technical"]
    pool = technical_answers or list(facts.attempted)
    return mean([technical_item(a, facts.brief) for a in pool])


def technical_item(answer: Answer, brief: InterviewBrief) -> float:
    """0-1 technical credit for one answer."""
    if not answer.substantive:
        return 0.05 if answer.gave_up else 0.0
    specific = min(1.0, answer.specificity / CONCRETE_ENOUGH)
    if answer.coverage is not None:
        # Key points list all a complete answer could mention, so each further point adds less; and an answer
        # that covers them is on the subject even when it uses none of the question's own words.
        covered = 1 - (1 - answer.coverage) ** 2
        relevance = min(1.0, max(answer.relevance, answer.coverage) / 0.5)
        raw = 0.6 * covered + 0.25 * specific + 0.15 * relevance
    else:
        relevance = min(1.0, answer.relevance / 0.5)
        raw = 0.45 * relevance + 0.4 * specific + 0.15 * _domain_hit(answer, brief)
    depth = min(1.0, 0.4 + answer.words / 50)
    # Naming the right terms without saying how or why they apply is a list, not an answer.
    return raw * depth * explanation.credit(answer.explained)


def _domain_hit(answer: Answer, brief: InterviewBrief) -> float:
    """1 when the answer uses the domain's or role's vocabulary or names concrete tools on the question."""
    domain = content_stems(f"{brief.domain} {brief.role}")
    return 1.0 if answer.terms or domain & content_stems(answer.text) else 0.0
