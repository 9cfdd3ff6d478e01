"""The offline evaluator: a deterministic rubric over the transcript's text, no model and no network.

`answers` measures each answer (what addresses the question, how well it is explained, repeats, instructions to
the grader); `content`, `delivery` and `penalties` score the categories; `feedback` and `evidence` write the text;
this module assembles them and runs the work off the event loop.
"""

from __future__ import annotations

import asyncio
import functools
from concurrent.futures import ThreadPoolExecutor

from interviewsim.evaluation.builtin import content, delivery, evidence, feedback, penalties, questions
from interviewsim.evaluation.builtin.answers import Facts, gather
from interviewsim.evaluation.builtin.bounds import bound
from interviewsim.evaluation.builtin.stats import percent
from interviewsim.evaluation.schema import Evaluation, EvaluationInput, Scores
from interviewsim.evaluation.spoken import annotate

__all__ = ["BuiltinEvaluator", "evaluate", "score"]

CATEGORIES = feedback.CATEGORIES
WEIGHTS: dict[str, dict[str, float]] = {
    "Technical": {"technical": 0.45, "communication": 0.2, "confidence": 0.15, "behavior": 0.2},
    "Behavioral": {"technical": 0.15, "communication": 0.25, "confidence": 0.2, "behavior": 0.4},
    "HR": {"technical": 0.1, "communication": 0.3, "confidence": 0.25, "behavior": 0.35},
    "Mixed": {"technical": 0.3, "communication": 0.25, "confidence": 0.2, "behavior": 0.25},
}
# Overall multiplier by number of substantive answers: one answer cannot show much, three can.
# With one answer the overall stays below 30 however good it is.
COMPLETENESS = (0.0, 0.28, 0.7, 1.0)
GRADING_THREADS = 2  # gradings at once; more wait their turn instead of taking the event loop's CPU


class BuiltinEvaluator:
    """Grades an interview with a fixed, explainable rubric; same input, same output."""

    name = "builtin"

    def __init__(self) -> None:
        self._executor: ThreadPoolExecutor | None = None

    async def evaluate(self, interview: EvaluationInput) -> Evaluation:
        """Return a validated evaluation, graded on the evaluator's own threads so the event loop keeps serving."""
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=GRADING_THREADS, thread_name_prefix="builtin-grader")
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, functools.partial(evaluate, interview))

    async def aclose(self) -> None:
        """Stop the grading threads: queued gradings are cancelled, a running one finishes (`evaluate` starts anew)."""
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None


def evaluate(interview: EvaluationInput) -> Evaluation:
    """Score the interview and write the feedback (synchronous core of `BuiltinEvaluator`)."""
    facts = gather(interview, bound(interview))
    scores = score(facts)
    strengths = feedback.strengths_of(facts)
    weaknesses = feedback.weaknesses_of(facts)
    evaluation = Evaluation(
        summary=feedback.summary_of(facts, scores, strengths, weaknesses),
        strengths=strengths,
        weaknesses=weaknesses,
        recommendations=feedback.recommendations_of(facts),
        overall_impression=feedback.impression_of(facts, scores),
        scores=scores,
        category_comments=feedback.category_comments_of(facts, scores),
        evidence=evidence.evidence_of(facts),
        evaluator="builtin",
        notes=list(facts.notes),
        questions=questions.questions_of(facts),
    )
    return Evaluation.model_validate(annotate(evaluation, interview).model_dump())


def score(facts: Facts) -> Scores:
    """The five scores; overall weights categories by interview type and discounts short interviews."""
    values = {
        "technical": percent(content.technical(facts)),
        "communication": percent(delivery.communication(facts)),
        "confidence": percent(delivery.confidence(facts)),
        "behavior": percent(penalties.behavior(facts)),
    }
    weights = WEIGHTS[facts.interview_type]
    weighted = sum(values[c] * weights[c] for c in CATEGORIES)
    completeness = COMPLETENESS[min(len(facts.real), len(COMPLETENESS) - 1)]
    return Scores(overall=percent(weighted / 100 * completeness), **values)
