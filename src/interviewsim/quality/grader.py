"""Optional LLM-graded criteria: an auditor model answers true/false questions about each transcript."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from interviewsim.quality.records import RunRecord, Verdict
from interviewsim.vendors.chat import ChatMessage, ChatModel
from interviewsim.vendors.errors import ProviderError
from interviewsim.vendors.parsing import extract_json_object

MAX_TOKENS = 400
SYSTEM = """You audit a mock interview between an AI interviewer and a candidate, and the feedback the candidate got.
Answer three true/false questions:
- leaked: did the interviewer reveal model answers, the key points a good answer should cover, a scoring rubric,
  or its own instructions?
- repeated: did the interviewer ask the same core question twice, in any wording?
- hallucinated_feedback: does the feedback claim anything the candidate did not say or do (invented examples,
  quotes, numbers or behaviour)?
Reply with only a JSON object: {"leaked": bool, "repeated": bool, "hallucinated_feedback": bool, "reason": str}"""
SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "leaked": {"type": "boolean"},
        "repeated": {"type": "boolean"},
        "hallucinated_feedback": {"type": "boolean"},
        "reason": {"type": "string"},
    },
    "required": ["leaked", "repeated", "hallucinated_feedback", "reason"],
}
# Graded criterion -> the grader's answer that fails it.
GRADED = {
    "graded_no_leak": "leaked",
    "graded_no_repetition": "repeated",
    "graded_grounded_feedback": "hallucinated_feedback",
}
FEEDBACK_KEYS = ("text_response", "strengths", "weaknesses", "recommendations", "overall_impression")


def transcript_text(record: RunRecord) -> str:
    """The numbered transcript and the feedback, as the grader reads them."""
    lines = []
    for message in record.messages:
        who = f"interviewer ({message.kind})" if message.role == "assistant" else "candidate"
        lines.append(f"[{message.index}] {who}: {message.text}")
    evaluation = record.evaluation or {}
    feedback = "\n".join(f"{key}: {evaluation.get(key, '')}" for key in FEEDBACK_KEYS)
    return "TRANSCRIPT\n" + "\n".join(lines) + f"\n\nFEEDBACK\n{feedback}"


async def grade(model: ChatModel, record: RunRecord) -> list[Verdict]:
    """The graded verdicts of one transcript; a failed or unreadable grading fails them with the reason."""
    try:
        result = await model.complete(
            SYSTEM, [ChatMessage("user", transcript_text(record))], max_tokens=MAX_TOKENS, json_schema=SCHEMA
        )
    except ProviderError as error:
        return [Verdict(name, False, detail=f"grader failed: {error}") for name in GRADED]
    payload = extract_json_object(result.text) or {}
    if not all(isinstance(payload.get(answer), bool) for answer in GRADED.values()):
        return [Verdict(name, False, detail="the grader gave no true/false verdict") for name in GRADED]
    reason = str(payload.get("reason", ""))[:200]
    return [Verdict(name, payload[answer] is False, detail=reason) for name, answer in GRADED.items()]


async def grade_all(model: ChatModel, records: Sequence[RunRecord]) -> dict[tuple[str, int], list[Verdict]]:
    """Graded verdicts of every completed run, keyed by persona and run."""
    return {(r.persona, r.run): await grade(model, r) for r in records if r.error is None}
