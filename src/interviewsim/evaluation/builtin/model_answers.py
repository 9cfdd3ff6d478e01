"""Model answers composed from a question's key points, in the question's style (STAR for behavioral)."""

from __future__ import annotations

import re
from collections.abc import Sequence

ORDINALS = ("First", "Second", "Third", "Fourth", "Fifth", "Sixth", "Seventh")
# Which STAR step a behavioral key point belongs to, by the words it starts with or contains.
_STEPS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("situation", re.compile(r"^(?:situation|context)\b|\bdeadline\b|\bimpact on\b", re.IGNORECASE)),
    ("task", re.compile(r"^(?:task|role|goal)\b|\bresponsib", re.IGNORECASE)),
    ("result", re.compile(r"^(?:result|outcome)\b|\blearn|\bnext time\b|\bafterwards\b|\bprevent|\bfollow-up", re.I)),
)
_LABEL = re.compile(r"^(?:situation|task|actions?|result|outcome)\s*:\s*", re.IGNORECASE)


def model_answer(question: str, key_points: Sequence[str], kind: str) -> str:
    """A strong answer built from the key points: Situation-Task-Action-Result for a story, else reasoned parts."""
    if not key_points:
        return _outline(question, kind)
    if kind == "Behavioral":
        return _star(key_points)
    if kind == "HR":
        return _direct(key_points)
    return _technical(key_points)


def _technical(points: Sequence[str]) -> str:
    """Each key point as one part of a reasoned answer, closed by an example and a trade-off."""
    parts = [f"{ORDINALS[i] if i < len(points) - 1 else 'Finally'}, {_clause(p)}." for i, p in enumerate(points[:7])]
    if len(points) == 1:
        parts = [f"{_sentence(points[0])}."]
    return (
        f"I'd answer in {len(parts)} part{'s' if len(parts) > 1 else ''}. {' '.join(parts)} "
        "To make it concrete, I'd add an example from my own work: what I chose, why it fit, the trade-off I "
        "accepted, and the result I measured."
    )


def _star(points: Sequence[str]) -> str:
    """The key points grouped into Situation, Task, Action and Result."""
    steps: dict[str, list[str]] = {"situation": [], "task": [], "action": [], "result": []}
    for point in points:
        step = next((name for name, pattern in _STEPS if pattern.search(point)), "action")
        steps[step].append(_clause(_LABEL.sub("", point)))
    situation = _listing(steps["situation"]) or "when and where it happened, in a sentence or two"
    task = _listing(steps["task"]) or "what I was responsible for and what was at stake"
    action = _listing(steps["action"]) or "what I did, step by step"
    result = _listing(steps["result"]) or "the outcome, with a number if I have one, and what I learned"
    return (
        f"Situation: I'd set the scene briefly: {situation}. Task: {task}. "
        f"Action: in the first person and step by step, {action}. Result: {result}."
    )


def _direct(points: Sequence[str]) -> str:
    """A direct answer first, then its support, tied back to the role."""
    return (
        f"I'd answer directly in one sentence, then back it up: {_listing([_clause(p) for p in points])}. "
        "I'd give one real example for the main claim and close by tying it to this role and team."
    )


def _outline(question: str, kind: str) -> str:
    """Without key points, the shape a strong answer takes."""
    if kind == "Behavioral":
        return (
            "Situation: one or two sentences on when and where it happened. Task: what you were responsible for. "
            "Action: what you did, step by step, in the first person. Result: the outcome, with a number if you "
            "have one, and what you learned."
        )
    subject = question.rstrip("?. ")
    return (
        f'Open with a direct one-sentence answer to "{subject}". Then explain how it works and why, step by '
        "step; give one example from your own work with a number that shows the result; and close with the "
        "trade-off you accepted or what you would do differently."
    )


def _clause(point: str) -> str:
    """A key point as a clause, trimmed (its case kept: "Redis" stays a name)."""
    return point.strip().rstrip(".")


def _sentence(point: str) -> str:
    clause = _clause(point)
    return clause[:1].upper() + clause[1:]


def _listing(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return f"{'; '.join(items[:-1])}; and {items[-1]}"
