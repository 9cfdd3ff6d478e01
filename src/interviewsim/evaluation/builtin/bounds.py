"""How much text the built-in grader reads: enough for any real interview, never an unbounded transcript."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from interviewsim.evaluation.schema import AnsweredQuestion, EvaluationInput

# A 4,000-character message is about 650 words; an answer past two of them is graded on its first two.
MAX_QUESTION_CHARS = 8_000
MAX_GRADED_CHARS = 64_000  # over all core answers
MAX_CONDUCT_CHARS = 64_000  # over the candidate's messages checked for rudeness and instructions


@dataclass(frozen=True)
class Bounded:
    """The part of an interview the grader reads, and a note for each thing it left out."""

    questions: tuple[AnsweredQuestion, ...]
    messages: tuple[str, ...]
    notes: tuple[str, ...]


def bound(interview: EvaluationInput) -> Bounded:
    """Cut each question's answers and the whole interview to the grader's limits, noting what was cut."""
    questions: list[AnsweredQuestion] = []
    budget, cut_answers = MAX_GRADED_CHARS, 0
    for question in interview.questions:
        kept, budget, cut = _take(question.answers, min(MAX_QUESTION_CHARS, budget), budget)
        cut_answers += cut
        questions.append(dataclasses.replace(question, answers=kept))
    messages = [text for role, text in interview.transcript if role == "user"]
    messages += [a for q in questions for a in q.answers]
    distinct = tuple(dict.fromkeys(m for m in messages if m.strip()))
    checked, _, cut_messages = _take(distinct, MAX_CONDUCT_CHARS, MAX_CONDUCT_CHARS)
    notes: list[str] = []
    if cut_answers:
        notes.append(
            f"Graded the first {MAX_QUESTION_CHARS:,} characters of each question's answers and "
            f"{MAX_GRADED_CHARS:,} in all; {cut_answers} answer(s) were cut."
        )
    if cut_messages:
        notes.append(f"Checked conduct in the first {MAX_CONDUCT_CHARS:,} characters of the candidate's messages.")
    return Bounded(tuple(questions), checked, tuple(notes))


def _take(texts: tuple[str, ...], limit: int, budget: int) -> tuple[tuple[str, ...], int, int]:
    """(texts cut to `limit` characters in all, the budget left, how many texts were cut or dropped)."""
    kept: list[str] = []
    used = cut = 0
    for text in texts:
        room = limit - used
        if len(text) > room:
            cut += 1
            text = text[: max(room, 0)]
        if text:
            kept.append(text)
        used += len(text)
    return tuple(kept), budget - used, cut
