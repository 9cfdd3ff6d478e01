"""What any evaluator's result says about the spoken answers, taken from the interview rather than a model."""

from __future__ import annotations

from interviewsim.evaluation.schema import Evaluation, EvaluationInput


def low_confidence_notes(interview: EvaluationInput) -> list[str]:
    """One note per question whose spoken answer the recogniser may have misheard."""
    return [
        f"Question {index}: the spoken answer's transcript may be inaccurate, so its wording was not held against you."
        for index, question in enumerate(interview.questions, start=1)
        if question.delivery and question.delivery.get("low_confidence")
    ]


def annotate(evaluation: Evaluation, interview: EvaluationInput) -> Evaluation:
    """The evaluation with the interview's overall delivery and its low-confidence flags."""
    return evaluation.model_copy(
        update={"delivery": interview.delivery, "delivery_notes": low_confidence_notes(interview)}
    )
