"""Delivery measured from the audio feeds the built-in evaluator: pace, fillers and pauses; unsure transcripts."""

from __future__ import annotations

import dataclasses
from typing import Any

from interviewsim.evaluation.builtin import evaluate
from interviewsim.evaluation.schema import EvaluationInput
from tests.unit.test_builtin_evaluator import MIDDLING, STRONG, interview

STEADY = {
    "words": 150,
    "speaking_seconds": 60.0,
    "words_per_minute": 150.0,
    "fillers": 1,
    "fillers_per_minute": 1.0,
    "filler_counts": {"um": 1},
    "long_pauses": 0,
    "longest_pause_seconds": 0.8,
    "confidence": 0.9,
    "low_confidence": False,
}
RUSHED = {
    **STEADY,
    "words": 230,
    "words_per_minute": 230.0,
    "fillers": 12,
    "fillers_per_minute": 12.0,
    "filler_counts": {"um": 6, "like": 6},
}
HALTING = {**STEADY, "words": 70, "words_per_minute": 70.0, "long_pauses": 4, "longest_pause_seconds": 4.5}
# The same words as a clear answer, but the recogniser was unsure of them.
UNSURE = {**STEADY, "confidence": 0.4, "low_confidence": True}
# A garbled transcript: hedges and broken sentences that a misheard recording produces.
GARBLED = (
    "I think maybe the cache uh redis I guess sort of in front um the database probably TTL maybe expire "
    "I suppose and maybe invalidate on writes perhaps i think"
)


def spoken_as(base: EvaluationInput, delivery: dict[str, Any] | None) -> EvaluationInput:
    """The same answers, each delivered as `delivery` (None: typed)."""
    questions = tuple(dataclasses.replace(q, delivery=delivery) for q in base.questions)
    return dataclasses.replace(base, questions=questions, delivery=delivery)


def test_rushed_filler_heavy_delivery_scores_lower_than_steady_delivery_of_the_same_answers() -> None:
    for answers in (STRONG, MIDDLING):
        steady = evaluate(spoken_as(interview(answers), STEADY)).scores
        rushed = evaluate(spoken_as(interview(answers), RUSHED)).scores
        halting = evaluate(spoken_as(interview(answers), HALTING)).scores
        typed = evaluate(interview(answers)).scores
        assert rushed.communication < steady.communication and rushed.confidence < steady.confidence
        assert halting.communication < steady.communication and halting.confidence < steady.confidence
        assert steady.communication >= typed.communication > rushed.communication
        assert steady.technical == rushed.technical == typed.technical  # what was said is graded the same


def test_a_low_confidence_transcript_is_flagged_and_its_wording_not_held_against_the_candidate() -> None:
    base = interview((GARBLED, *MIDDLING[1:]))
    first = base.questions[0]
    sure = dataclasses.replace(base, questions=(dataclasses.replace(first, delivery=STEADY), *base.questions[1:]))
    unsure = dataclasses.replace(base, questions=(dataclasses.replace(first, delivery=UNSURE), *base.questions[1:]))
    graded_sure, graded_unsure = evaluate(sure), evaluate(unsure)
    assert graded_unsure.scores.communication > graded_sure.scores.communication
    assert graded_unsure.scores.confidence > graded_sure.scores.confidence
    assert graded_unsure.questions[0].score > graded_sure.questions[0].score

    details = graded_unsure.to_flat(65, "summary")["details"]
    assert details["delivery_notes"] == [
        "Question 1: the spoken answer's transcript may be inaccurate, so its wording was not held against you."
    ]
    assert "truncated" not in details  # a delivery note is not a note about text past the grader's limit
    assert "delivery_notes" not in graded_sure.to_flat(65, "summary")["details"]


def test_the_overall_delivery_is_carried_into_the_details_and_typed_interviews_have_none() -> None:
    details = evaluate(spoken_as(interview(STRONG), STEADY)).to_flat(65, "summary")["details"]
    assert details["delivery"] == STEADY
    assert "delivery" not in evaluate(interview(STRONG)).to_flat(65, "summary")["details"]
