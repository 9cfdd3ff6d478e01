"""Per-question feedback: each core question scored from the same measurements as the overall grade."""

from __future__ import annotations

from interviewsim.evaluation.builtin import content, cues, delivery, explanation, penalties
from interviewsim.evaluation.builtin.answers import Answer, Facts
from interviewsim.evaluation.builtin.model_answers import model_answer
from interviewsim.evaluation.builtin.stats import percent
from interviewsim.evaluation.schema import QuestionFeedback
from interviewsim.interviewer.base import InterviewBrief

EXCERPT_CHARS = 600
STRONG = 75
SOLID = 50
# What each part of a question's score weighs: a technical answer is mostly its content; a story mostly its shape.
TECHNICAL_WEIGHTS = {"content": 0.6, "communication": 0.25, "confidence": 0.15}
STORY_WEIGHTS = {"story": 0.35, "content": 0.3, "communication": 0.2, "confidence": 0.15}
STAR_NAMES = {"situation": "situation", "task": "task", "action": "action", "result": "result"}


def questions_of(facts: Facts) -> list[QuestionFeedback]:
    """One feedback entry per core question, in the order asked."""
    return [feedback_of(answer, index, facts) for index, answer in enumerate(facts.answers)]


def feedback_of(answer: Answer, index: int, facts: Facts) -> QuestionFeedback:
    """The feedback on one question: its score, the reason, covered and missed key points, a model answer."""
    question = answer.question
    missed = list(answer.missed) if answer.attempted else list(question.key_points)
    return QuestionFeedback(
        question=question.shown,
        answer_excerpt=excerpt(" ".join(a for a in question.answers if a.strip())),
        score=question_score(answer, facts.brief),
        reason=reason_of(answer),
        covered=[point for point in question.key_points if point not in missed],
        missed=missed,
        model_answer=model_answer(question.question, question.key_points, answer.kind),
        question_id=question.question_id,
        skills=list(question.skills),
        delivery=question.delivery,
    )


def question_score(answer: Answer, brief: InterviewBrief) -> int:
    """0-100 for one answer: content, communication and confidence (and the story's shape when behavioral)."""
    if not answer.attempted or answer.hollow:
        return 0
    parts = {
        "content": content.technical_item(answer, brief),
        "communication": delivery.communication_item(answer),
        "confidence": delivery.confidence_item(answer),
        "story": penalties.star_item(answer),
    }
    weights = STORY_WEIGHTS if answer.behavioral else TECHNICAL_WEIGHTS
    return percent(sum(parts[name] * weight for name, weight in weights.items()))


def reason_of(answer: Answer) -> str:
    """One sentence on why the answer scored as it did."""
    if not answer.attempted:
        return "Not answered."
    if answer.gibberish:
        return "Unintelligible, so nothing in it could be credited."
    if answer.repeat_of is not None:
        return f"Repeats your answer to question {answer.repeat_of + 1}, so it earned nothing here."
    if answer.gave_up:
        return "You said you did not know instead of reasoning toward an answer."
    said: list[str] = []
    lacking: list[str] = []
    total = len(answer.question.key_points)
    if total:
        covered = total - len(answer.missed)
        if covered * 2 >= total:
            said.append(f"covered {covered} of {total} key points")
        else:
            lacking.append(
                f"covered only {covered} of {total} key points"
                if covered
                else f"covered none of the {total} key points"
            )
    if answer.explained >= explanation.EXPLAINED:
        said.append("explained how and why")
    else:
        lacking.append("did not explain how or why" if answer.words > 5 else "said too little to show much")
    if answer.behavioral:
        missing = _missing_star_parts(answer)
        if missing:
            lacking.append(f"told a story with no clear {' or '.join(missing)}")
        else:
            said.append("told a complete story")
    if answer.specificity >= content.CONCRETE or answer.metric:
        said.append("gave concrete specifics")
    elif not answer.behavioral or not lacking:
        lacking.append("gave no example, number or named tool")
    return _sentence(said, lacking)


def _missing_star_parts(answer: Answer) -> list[str]:
    parts = cues.star_components(answer.text)
    return [STAR_NAMES[name] for name in ("situation", "action", "result") if not parts.get(name)]


def _sentence(said: list[str], lacking: list[str]) -> str:
    """ "You covered ... and explained ..., but ..." as one sentence."""
    good, bad = _join(said), _join(lacking)
    if good and bad:
        return f"You {good}, but {bad}."
    return f"You {good or bad}." if good or bad else "A reasonable answer."


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """The answer as written, cut at a word boundary with an ellipsis when long."""
    text = text.strip()
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    return text[: cut if cut > 0 else limit].rstrip() + " …"
