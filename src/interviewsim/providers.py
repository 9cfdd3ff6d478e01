"""Builds the configured interviewer, evaluator and voice for one process."""

from __future__ import annotations

from dataclasses import dataclass

from interviewsim.config import Settings
from interviewsim.evaluation.base import Evaluator
from interviewsim.evaluation.builtin import BuiltinEvaluator
from interviewsim.interviews.transcript import QuestionFacts, QuestionLookup
from interviewsim.llm.base import Interviewer
from interviewsim.llm.builtin.bank import default_bank
from interviewsim.llm.builtin.interviewer import BuiltinInterviewer
from interviewsim.tts.base import Voice
from interviewsim.tts.builtin import BuiltinVoice


@dataclass(frozen=True)
class Engines:
    """The engines every request uses."""

    interviewer: Interviewer
    evaluator: Evaluator
    voice: Voice
    question_lookup: QuestionLookup


def bank_lookup(question_id: str) -> QuestionFacts | None:
    """Key points and type of a question from the built-in bank."""
    question = default_bank().get(question_id)
    if question is None:
        return None
    return QuestionFacts(key_points=tuple(question.key_points), question_type=question.type)


def build_engines(settings: Settings) -> Engines:
    """The engines named by INTERVIEWER, EVALUATOR and VOICE (built-in ones for now)."""
    del settings  # every selector only admits "builtin" until the vendor providers land
    return Engines(
        interviewer=BuiltinInterviewer(),
        evaluator=BuiltinEvaluator(),
        voice=BuiltinVoice(),
        question_lookup=bank_lookup,
    )
