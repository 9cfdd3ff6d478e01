"""Behavior: STAR stories and engagement, less what the candidate's conduct costs (rudeness, grading instructions)."""

from __future__ import annotations

from interviewsim.evaluation.builtin import cues, explanation
from interviewsim.evaluation.builtin.answers import Answer, Facts
from interviewsim.evaluation.builtin.stats import mean

RUDE_COST = 0.3  # per rude message, and behavior never above 35 with any
INSTRUCTION_COST = 0.06  # per message instructing the grader, up to MAX_INSTRUCTION_COST
MAX_INSTRUCTION_COST = 0.18


def behavior(facts: Facts) -> float:
    """STAR on behavioral answers plus engagement, minus heavy costs for rudeness and small ones for instructions."""
    if not facts.attempted:
        return 0.0
    engagement = mean([engagement_item(a) for a in facts.attempted])
    stories = [star_item(a) for a in facts.attempted if a.behavioral]
    part = 0.7 * mean(stories) + 0.3 * engagement if stories else engagement
    value = 0.2 + 0.8 * part
    rude = len(facts.conduct.rude)
    if rude:
        value = min(value - RUDE_COST * rude, 0.35)
    return max(0.0, value - min(MAX_INSTRUCTION_COST, INSTRUCTION_COST * len(facts.conduct.injections)))


def engagement_item(answer: Answer) -> float:
    """0-1: a real, reasonably developed attempt that stays with and explains the question asked."""
    if answer.hollow:
        return 0.0
    if answer.gave_up:
        return 0.15
    developed = (0.4 + 0.6 * cues.length_quality(answer.developed)) * (0.5 + 0.5 * answer.focus)
    return developed * explanation.weight(answer.explained)


def star_item(answer: Answer) -> float:
    """0-1 STAR credit; HR answers may also earn it by being developed and specific."""
    if not answer.substantive:
        return 0.1 if answer.gave_up else 0.0
    if answer.kind == "HR":
        return max(answer.star, 0.8 * engagement_item(answer) * (0.5 + 0.5 * answer.structure))
    return answer.star
