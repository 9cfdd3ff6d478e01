"""Scripted candidates that answer the question actually asked, using the bank's key points."""

from __future__ import annotations

from interviewsim.interviewer.builtin.bank import Question, default_bank


def asked_question(reply_text: str) -> Question | None:
    """The bank question an interviewer reply contains, if any."""
    for question in default_bank().questions:
        if question.text in reply_text:
            return question
    return None


def strong_answer(reply_text: str, variant: int = 0) -> str:
    """A specific, structured answer covering the question's key points, with a metric."""
    question = asked_question(reply_text)
    if question is None:
        return (
            "I'm doing well, thank you. I have spent the last five years building and shipping products I care about."
        )
    points = list(question.key_points)
    covered = ", ".join(points[:-1]) + (f", and {points[-1]}" if len(points) > 1 else points[0])
    if question.type == "Technical":
        return (
            f"I would approach it through {covered}. For example, in my last role I applied exactly this on a "
            f"service handling 4,000 requests per second, and it cut p95 latency by {30 + variant}% within two "
            "weeks; I verified the result with dashboards and a load test before rolling it out."
        )
    return (
        f"Situation: at my last company our team missed two releases in a row. Task: I was responsible for fixing "
        f"that. Action: I focused on {covered}, and I met each stakeholder one to one. Result: we shipped the next "
        f"{3 + variant} releases on time and customer complaints dropped by 40%."
    )
