"""The evaluator protocol."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from interviewsim.evaluation.schema import Evaluation, EvaluationInput


@runtime_checkable
class Evaluator(Protocol):
    """Grades a finished (or abandoned) interview."""

    name: str

    async def evaluate(self, interview: EvaluationInput) -> Evaluation:
        """Return a validated evaluation of the interview."""
        ...
