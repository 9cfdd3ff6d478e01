"""Per-question feedback: scores with reasons, covered and missed key points, model answers, delivery."""

from __future__ import annotations

import dataclasses
import json

from interviewsim.evaluation.builtin import evaluate
from interviewsim.evaluation.builtin.model_answers import model_answer
from interviewsim.evaluation.builtin.relevance import key_point_covered
from interviewsim.evaluation.llm import LLMEvaluator
from interviewsim.interviews.schemas import EvaluationOut
from interviewsim.interviews.transcript import combined_delivery
from tests.support.models import ScriptedModel
from tests.unit.test_builtin_evaluator import MIDDLING, QUESTIONS, STRONG, WEAK, interview
from tests.unit.test_llm_evaluator import INTERVIEW, evaluation_json

BUG_POINTS = (
    "situation: the bug and its impact",
    "debugging actions you took step by step",
    "asking for help at the right time",
    "result: the fix",
    "what you learned for next time",
)
DELIVERY = {
    "words": 40,
    "speaking_seconds": 20.0,
    "words_per_minute": 120.0,
    "fillers": 2,
    "fillers_per_minute": 6.0,
    "filler_counts": {"um": 2},
    "long_pauses": 1,
    "longest_pause_seconds": 2.5,
    "confidence": 0.9,
    "low_confidence": False,
}


def test_every_core_question_gets_an_entry_in_order_with_its_key_points_split() -> None:
    evaluation = evaluate(interview(MIDDLING))
    assert [q.question for q in evaluation.questions] == [q for q, _, _ in QUESTIONS]
    for entry, (_, _, points) in zip(evaluation.questions, QUESTIONS, strict=True):
        assert sorted(entry.covered + entry.missed) == sorted(points)
        assert 0 <= entry.score <= 100 and entry.reason.endswith(".")
    first = evaluation.questions[0]
    assert first.answer_excerpt == MIDDLING[0]
    assert set(first.covered) == {"TTL expiry", "Redis or Memcached"}


def test_a_strong_answer_beats_a_weak_one_on_every_question_by_thirty_or_more() -> None:
    strong, weak = evaluate(interview(STRONG)), evaluate(interview(WEAK))
    for good, bad in zip(strong.questions, weak.questions, strict=True):
        assert good.score - bad.score >= 30, (good.question, good.score, bad.score)
    assert "did not know" in weak.questions[1].reason
    assert strong.questions[0].reason.startswith("You covered 4 of 4 key points")


def test_unanswered_repeated_and_empty_questions_score_zero_with_a_reason() -> None:
    repeated = (STRONG[0], STRONG[0], "", STRONG[3])
    evaluation = evaluate(interview(repeated))
    assert evaluation.questions[1].score == 0 and "Repeats your answer to question 1" in evaluation.questions[1].reason
    assert evaluation.questions[2].score == 0 and evaluation.questions[2].reason == "Not answered."
    assert evaluation.questions[2].missed == list(QUESTIONS[2][2])


def test_model_answers_cover_every_key_point_in_the_question_style() -> None:
    for _, kind, points in QUESTIONS:
        if points:
            text = model_answer("Q?", points, kind)
            assert all(key_point_covered(point, text) for point in points), text
    story = model_answer("Tell me about a time you got stuck on a bug.", BUG_POINTS, "Behavioral")
    positions = [story.index(f"{step}:") for step in ("Situation", "Task", "Action", "Result")]
    assert positions == sorted(positions)
    assert "the bug and its impact" in story[: positions[1]] and "the fix" in story[positions[3] :]
    assert all(key_point_covered(point, story) for point in BUG_POINTS)
    assert "Situation:" in model_answer("Tell me about a conflict.", (), "Behavioral")


def test_bank_facts_and_spoken_delivery_are_carried_into_the_question() -> None:
    base = interview(STRONG)
    first = dataclasses.replace(
        base.questions[0],
        question=f"Thanks, next one. {base.questions[0].question}",
        wording=base.questions[0].question,
        question_id="q-cache",
        skills=("caching",),
        delivery=DELIVERY,
    )
    evaluation = evaluate(dataclasses.replace(base, questions=(first, *base.questions[1:])))
    entry = evaluation.questions[0]
    assert entry.question == base.questions[0].question  # the bank's wording, without the lead-in
    assert (entry.question_id, entry.skills, entry.delivery) == ("q-cache", ["caching"], DELIVERY)
    assert evaluation.questions[1].delivery is None


def test_the_flat_payload_gains_questions_and_the_routes_models_accept_it() -> None:
    flat = evaluate(interview(STRONG)).to_flat(60, "summary")
    assert len(flat["questions"]) == 4 and flat["questions"][0]["model_answer"]
    assert EvaluationOut.model_validate(flat).questions == flat["questions"]
    assert "score" in flat and "details" in flat  # the flat keys stay


def test_several_spoken_answers_combine_into_one_delivery() -> None:
    second = {
        **DELIVERY,
        "words": 20,
        "speaking_seconds": 20.0,
        "fillers": 0,
        "confidence": 0.5,
        "low_confidence": True,
    }
    combined = combined_delivery([DELIVERY, second])
    assert combined is not None
    assert combined["words"] == 60 and combined["words_per_minute"] == 90.0 and combined["fillers_per_minute"] == 3.0
    assert combined["confidence"] == 0.5 and combined["low_confidence"] is True
    assert combined_delivery([]) is None and combined_delivery([DELIVERY]) == DELIVERY


async def test_llm_question_grades_are_aligned_to_the_questions_and_quotes_checked() -> None:
    asked = dataclasses.replace(INTERVIEW.questions[0], question_id="q1", skills=("sql",), delivery=DELIVERY)
    data = dataclasses.replace(INTERVIEW, questions=(asked,))
    graded = {
        "question": "Slow queries?",  # the model's paraphrase
        "answer_excerpt": "I rebuilt the database in Rust",  # not what the candidate said
        "score": 80,
        "reason": "Measured result.",
        "covered": ["index"],
        "missed": [],
        "model_answer": "Add an index after EXPLAIN shows a scan.",
    }
    model = ScriptedModel([evaluation_json(questions=[graded, {**graded, "question": "an extra one"}])])
    evaluation = await LLMEvaluator(model).evaluate(data)
    [entry] = evaluation.questions
    assert entry.question == asked.question and entry.score == 80
    assert entry.answer_excerpt == asked.answers[0]
    assert (entry.question_id, entry.skills, entry.delivery) == ("q1", ["sql"], DELIVERY)
    item_schema = model.calls[0]["json_schema"]["properties"]["questions"]["items"]["properties"]
    assert "model_answer" in item_schema and not {"question_id", "skills", "delivery"} & set(item_schema)
    prompt = model.calls[0]["messages"][0].content
    assert "<questions>" in prompt and json.dumps(asked.question) in prompt


async def test_an_llm_excerpt_copied_verbatim_is_kept() -> None:
    quote = "p95 fell from 800 ms to 90 ms"
    entry = {
        "question": "q",
        "answer_excerpt": quote,
        "score": 70,
        "reason": "r",
        "covered": [],
        "missed": [],
        "model_answer": "m",
    }
    evaluation = await LLMEvaluator(ScriptedModel([evaluation_json(questions=[entry])])).evaluate(INTERVIEW)
    assert evaluation.questions[0].answer_excerpt == quote
