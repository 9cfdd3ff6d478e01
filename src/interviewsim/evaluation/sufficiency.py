"""Withholding a grade the transcript cannot support: too few substantive answers, or speech too unsure to read."""

from __future__ import annotations

from interviewsim.evaluation.base import Evaluator
from interviewsim.evaluation.builtin.answers import substantive_questions
from interviewsim.evaluation.builtin.bounds import bound
from interviewsim.evaluation.schema import Evaluation, EvaluationInput, Scores

DEFAULT_MIN_ANSWERS = 1


def withheld_reason(interview: EvaluationInput, min_answers: int = DEFAULT_MIN_ANSWERS) -> str | None:
    """Why no grade should be given, or None when enough reliable, substantive answers were given."""
    if min_answers <= 0:
        return None
    real = unsure = 0
    for question in substantive_questions(bound(interview)):
        real += 1
        if question.delivery and question.delivery.get("low_confidence"):
            unsure += 1
        elif real - unsure >= min_answers:
            return None  # enough: the rest of the transcript need not be measured
    needed = f"at least {min_answers} substantive answer{'s' if min_answers != 1 else ''}"
    if unsure:
        return (
            f"The speech recognition was unsure of {unsure} of your {real} substantive spoken "
            f"answer{'s' if real != 1 else ''}, which leaves fewer than {min_answers} it could read reliably; "
            "a grade would be guesswork. Try again somewhere quieter, or type your answers."
        )
    given = "no substantive answer" if not real else f"only {real} substantive answer{'s' if real != 1 else ''}"
    return f"The interview has {given} to a core question; a grade needs {needed}, so none was given."


def withheld_evaluation(reason: str, evaluator: str) -> Evaluation:
    """A placeholder evaluation that says why it is not a grade: every score 0, never selected."""
    return Evaluation(
        summary=f"No grade was given. {reason}",
        # The front end reads each list as "- item" lines: every one says the grade was withheld rather than stay empty.
        strengths=["Not graded: strengths need answers to judge."],
        weaknesses=[f"Not graded: {reason}"],
        recommendations=["Answer at least a few core questions in full, then request your results."],
        overall_impression="Not graded: there was too little to judge fairly.",
        scores=Scores(overall=0, communication=0, technical=0, confidence=0, behavior=0),
        evaluator=evaluator,
        withheld=reason,
    )


class SufficiencyGate:
    """An evaluator that withholds the grade of a thin transcript instead of asking `inner` to invent one."""

    def __init__(self, inner: Evaluator, *, min_answers: int = DEFAULT_MIN_ANSWERS) -> None:
        self.inner = inner
        self.name = inner.name
        self.min_answers = min_answers

    async def evaluate(self, interview: EvaluationInput) -> Evaluation:
        """The inner evaluator's grade, or a withheld evaluation (no engine is called) when the transcript is thin."""
        reason = withheld_reason(interview, self.min_answers)
        if reason is not None:
            return withheld_evaluation(reason, self.inner.name)
        return await self.inner.evaluate(interview)
