"""Scripted vendor behaviour shared by the tests and the benchmark: a well-behaved Claude, a fixed grading."""

from __future__ import annotations

import json
import re
from typing import Any

EVALUATION = {
    "summary": "A focused interview with concrete examples.",
    "strengths": ["Concrete metrics"],
    "weaknesses": ["Could structure answers more"],
    "recommendations": ["Use STAR for behavioral answers"],
    "overall_impression": "Solid.",
    "scores": {"overall": 71, "communication": 70, "technical": 74, "confidence": 69, "behavior": 72},
    "category_comments": [{"category": "technical", "comment": "Good depth."}],
    "evidence": [{"quote": "token bucket per user", "comment": "Knows the standard design."}],
}
_KINDS = {"greet": "greeting", "warmup": "warmup", "wrapup": "wrapup", "close": "closing"}


def last_user_text(body: dict[str, Any]) -> str:
    """The text of the last message a vendor request carries (Anthropic or Gemini shape)."""
    if "messages" in body:
        content = body["messages"][-1]["content"]
        return content if isinstance(content, str) else " ".join(b.get("text", "") for b in content)
    return " ".join(part.get("text", "") for part in body["contents"][-1]["parts"])


def interviewer_reply(body: dict[str, Any]) -> str:
    """An interviewer that follows the server's hidden note, as a good model would."""
    note = last_user_text(body)
    phase = re.search(r"phase: (\w+)", note)
    kind = _KINDS.get(phase.group(1) if phase else "", "question")
    asked = re.search(r"core questions asked: (\d+)", note)
    number = int(asked.group(1)) + 1 if asked else 0
    text = f"Turn of kind {kind} number {number}: how would you design a rate limiter?"
    return json.dumps({"text_response": text, "voice_response": text, "kind": kind, "end": kind == "closing"})
