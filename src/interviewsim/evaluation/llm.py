"""An evaluator played by any vendor ChatModel: strict JSON, validated, retried once."""

from __future__ import annotations

import logging

from pydantic import ValidationError

from interviewsim.evaluation.builtin.questions import excerpt
from interviewsim.evaluation.prompts import SYSTEM, user_prompt
from interviewsim.evaluation.schema import (
    SERVER_EVALUATION_FIELDS,
    SERVER_QUESTION_FIELDS,
    AnsweredQuestion,
    Evaluation,
    EvaluationInput,
    Evidence,
    QuestionFeedback,
)
from interviewsim.evaluation.verify import verified
from interviewsim.vendors.chat import ChatMessage, ChatModel
from interviewsim.vendors.errors import InvalidOutput
from interviewsim.vendors.parsing import extract_json_object
from interviewsim.vendors.schema import inline_schema

log = logging.getLogger(__name__)

MAX_EVALUATION_TOKENS = 2048


class LLMEvaluator:
    """Grades with a model; output that fails the schema is retried once with the error.

    With `verify`, a second call checks every score against the candidate's quoted words and lowers the ones they
    do not support (see `verify`).
    """

    def __init__(self, model: ChatModel, *, token_budget: int = 12000, verify: bool = False) -> None:
        self.model = model
        self.name = model.name
        self.token_budget = token_budget
        self.verify = verify
        self.schema = inline_schema(Evaluation, exclude=SERVER_EVALUATION_FIELDS)
        question_fields = self.schema["properties"]["questions"]["items"]
        for name in SERVER_QUESTION_FIELDS:
            question_fields["properties"].pop(name, None)

    async def evaluate(self, interview: EvaluationInput) -> Evaluation:
        """Grade the interview; raise InvalidOutput after two invalid answers."""
        prepared = user_prompt(interview, self.token_budget)
        messages = [ChatMessage("user", prepared.prompt)]
        error = ""
        usage: dict[str, int] = {}
        for attempt in (1, 2):
            result = await self.model.complete(
                SYSTEM, messages, max_tokens=MAX_EVALUATION_TOKENS, json_schema=self.schema
            )
            for kind, count in result.usage.items():
                usage[kind] = usage.get(kind, 0) + count
            try:
                evaluation = _validated(result.text)
            except ValueError as invalid:
                error = str(invalid)
                log.warning("evaluator %s returned invalid output (attempt %d)", self.name, attempt)
                messages = [
                    *messages,
                    ChatMessage("assistant", result.text[:4000] or "(empty)"),
                    ChatMessage("user", f"That output is invalid: {error[:1000]}\nReply again with only the JSON."),
                ]
                continue
            candidate_text = [text for role, text in interview.transcript if role == "user"]
            graded = evaluation.model_copy(
                update={
                    "evaluator": result.provider,
                    "evidence": _verbatim(evaluation.evidence, candidate_text),
                    "questions": _aligned(evaluation.questions, interview.questions),
                    "usage": usage,
                }
            )
            return await verified(self.model, graded, prepared.prompt) if self.verify else graded
        raise InvalidOutput(self.name, f"the evaluation did not match its schema twice: {error[:300]}")


def _validated(text: str) -> Evaluation:
    """Parse and validate the model's JSON; ValueError says what is wrong."""
    payload = extract_json_object(text)
    if payload is None:
        raise ValueError("no JSON object found")
    try:
        return Evaluation.model_validate(payload)
    except ValidationError as error:
        raise ValueError(str(error)) from None


def _verbatim(evidence: list[Evidence], answers: list[str]) -> list[Evidence]:
    """Keep only quotes the candidate really wrote (a model may paraphrase or invent)."""
    return [item for item in evidence if item.quote.strip() and any(item.quote.strip() in a for a in answers)]


def _aligned(graded: list[QuestionFeedback], asked: tuple[AnsweredQuestion, ...]) -> list[QuestionFeedback]:
    """The model's per-question grades matched to the questions asked, in order, with facts the server knows.

    The question's own text replaces the model's wording; an excerpt not found verbatim in the answer (a model may
    paraphrase) is replaced by the answer's own opening; id, tags and delivery come from the interview.
    """
    aligned: list[QuestionFeedback] = []
    for item, question in zip(graded, asked, strict=False):
        answer = " ".join(a for a in question.answers if a.strip())
        quote = item.answer_excerpt.strip().removesuffix("…").strip()
        aligned.append(
            item.model_copy(
                update={
                    "question": question.shown,
                    "answer_excerpt": item.answer_excerpt if quote and quote in answer else excerpt(answer),
                    "question_id": question.question_id,
                    "skills": list(question.skills),
                    "delivery": question.delivery,
                }
            )
        )
    return aligned
