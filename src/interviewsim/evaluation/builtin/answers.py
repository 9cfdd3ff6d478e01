"""Measuring an interview: each core answer's relevance, explanation, delivery cues and conduct, as plain facts."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from interviewsim.evaluation.builtin import cues, explanation, relevance
from interviewsim.evaluation.builtin.bounds import Bounded
from interviewsim.evaluation.schema import AnsweredQuestion, EvaluationInput
from interviewsim.interviewer.base import InterviewBrief
from interviewsim.language import conduct
from interviewsim.language.text import word_count

INTERVIEW_TYPES = ("Technical", "Behavioral", "HR", "Mixed")
# Share of an answer's wording found in an answer to an earlier question from which it counts as the same answer.
REPEATED = 0.8
UNEXPLAINED_WORDS = 5  # a list of terms or a reply of a few words is as long as it needs to be, and no longer
_BEHAVIORAL_QUESTION = re.compile(
    r"\b(?:tell me about a time|describe a (?:time|situation)|give (?:me )?an example of|a time when"
    r"|how did you (?:handle|deal)|conflict|disagree|mistake|failure|proud of|challenge you faced)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Answer:
    """Measurements of one core question's answers, with injection attempts removed."""

    question: AnsweredQuestion
    kind: str  # Technical | Behavioral | HR
    text: str
    words: int
    gibberish: bool
    gave_up: bool
    coverage: float | None  # None when the question has no key points
    missed: tuple[str, ...]
    specificity: float
    relevance: float
    focus: float  # share of the words spent on the question (tangents and repeats cost)
    star: float
    star_parts: int
    structure: float
    clarity: float
    fillers: int
    hedges: int
    assertive: int
    metric: bool
    terms: tuple[str, ...]
    lengths: tuple[int, ...]  # words in each non-empty answer, follow-ups included
    explained: float = 0.0  # 0-1 explanation depth (how, why, trade-offs, an example)
    repeat_of: int | None = None  # index of an earlier question given (nearly) the same answer
    instructed: bool = False  # part of the answer was an instruction to the grader, cut before measuring

    @property
    def attempted(self) -> bool:
        """Whether the candidate said anything to this question."""
        return bool(self.text.strip())

    @property
    def substantive(self) -> bool:
        """Whether the answer is a real attempt (not empty, unintelligible, "I don't know" or a repeat)."""
        return self.attempted and not self.gibberish and not self.gave_up and self.repeat_of is None

    @property
    def developed(self) -> int:
        """Words that count toward a healthy length: none beyond a few unless the answer explains something."""
        return self.words if self.explained > 0 else min(self.words, UNEXPLAINED_WORDS)

    @property
    def hollow(self) -> bool:
        """Whether the answer earns nothing: unintelligible, or the answer already given to another question."""
        return self.gibberish or self.repeat_of is not None

    @property
    def behavioral(self) -> bool:
        """Whether the question is Behavioral or HR."""
        return self.kind in ("Behavioral", "HR")


@dataclass(frozen=True)
class Conduct:
    """Candidate messages that break the interview's rules."""

    rude: tuple[str, ...]
    injections: tuple[str, ...]


@dataclass(frozen=True)
class Facts:
    """Interview-wide counts the scores and the feedback text are built from."""

    brief: InterviewBrief
    interview_type: str
    ended_by: str
    answers: tuple[Answer, ...]
    conduct: Conduct
    notes: tuple[str, ...] = field(default=())  # what the grader left out, such as text past its bound

    @property
    def asked(self) -> int:
        """Core questions asked."""
        return len(self.answers)

    @property
    def attempted(self) -> tuple[Answer, ...]:
        """Answers with any content."""
        return tuple(a for a in self.answers if a.attempted)

    @property
    def real(self) -> tuple[Answer, ...]:
        """Substantive answers."""
        return tuple(a for a in self.answers if a.substantive)

    @property
    def spoken(self) -> tuple[Answer, ...]:
        """Intelligible answers, "I don't know" included."""
        return tuple(a for a in self.attempted if not a.gibberish)

    @property
    def repeated(self) -> tuple[Answer, ...]:
        """Answers that repeat the answer to an earlier question."""
        return tuple(a for a in self.answers if a.repeat_of is not None)

    def count(self, predicate: Callable[[Answer], bool]) -> int:
        """How many substantive answers satisfy the predicate."""
        return sum(1 for a in self.real if predicate(a))

    @property
    def key_points(self) -> tuple[int, int]:
        """(covered, total) key points over attempted questions that have them."""
        with_points = [a for a in self.attempted if a.coverage is not None]
        total = sum(len(a.question.key_points) for a in with_points)
        return total - sum(len(a.missed) for a in with_points), total

    @property
    def missed(self) -> tuple[str, ...]:
        """Missed key points, in question order (unanswered questions excluded)."""
        return tuple(point for a in self.attempted for point in a.missed)

    @property
    def words(self) -> int:
        """Words across substantive answers."""
        return sum(a.words for a in self.real)

    @property
    def filler_rate(self) -> float:
        """Fillers per 100 words across substantive answers."""
        return 100.0 * sum(a.fillers for a in self.real) / self.words if self.words else 0.0

    @property
    def average_words(self) -> int:
        """Mean words per substantive answer."""
        return round(self.words / len(self.real)) if self.real else 0


def gather(interview: EvaluationInput, bounded: Bounded) -> Facts:
    """Measure every answer (marking repeats of earlier ones) and the candidate's conduct."""
    interview_type = _interview_type(interview.brief.interview_type)
    answers: list[Answer] = []
    for question in bounded.questions:
        answer = analyse(question, _question_kind(question, interview_type))
        repeat_of = _repeat_of(answer, answers)
        answers.append(answer if repeat_of is None else _as_repeat(answer, repeat_of))
    return Facts(
        brief=interview.brief,
        interview_type=interview_type,
        ended_by=interview.ended_by,
        answers=tuple(answers),
        conduct=conduct_of(bounded.messages),
        notes=bounded.notes,
    )


def substantive_questions(bounded: Bounded) -> Iterator[AnsweredQuestion]:
    """The questions `gather` would count as substantively answered, in order, measuring only what that needs.

    Lazy, so that a caller needing a few (the sufficiency gate) stops measuring once it has them.
    """
    earlier: list[tuple[str, int]] = []
    for question in bounded.questions:
        text = answered_text(question)
        words = word_count(text)
        repeat = _repeats(text, words, earlier)
        earlier.append((text, words))
        if text.strip() and repeat is None and not conduct.is_gibberish(text) and not cues.gives_up(text):
            yield question


def _repeat_of(answer: Answer, earlier: Iterable[Answer]) -> int | None:
    """The index of the first earlier question whose answer this one (nearly) repeats."""
    return _repeats(answer.text, answer.words, [(other.text, other.words) for other in earlier])


def _repeats(text: str, words: int, earlier: Iterable[tuple[str, int]]) -> int | None:
    """The index of the first earlier (text, words) that `text` (nearly) repeats."""
    if words < 5:
        return None  # "ok" twice is not a copied answer
    for index, (other, other_words) in enumerate(earlier):
        if other_words >= 5 and relevance.similarity(text, other) >= REPEATED:
            return index
    return None


def _as_repeat(answer: Answer, index: int) -> Answer:
    """The answer marked as a repeat: it says nothing new, so it shows no key point of its own question."""
    return dataclasses.replace(
        answer,
        repeat_of=index,
        coverage=0.0 if answer.coverage is not None else None,
        missed=answer.question.key_points,
        relevance=0.0,
        specificity=0.0,
        metric=False,
        terms=(),
        explained=0.0,
    )


def _interview_type(value: str) -> str:
    """The brief's interview type, normalised; unknown types count as Mixed."""
    for known in INTERVIEW_TYPES:
        if value.strip().lower() == known.lower():
            return known
    return "Mixed"


def _question_kind(question: AnsweredQuestion, interview_type: str) -> str:
    """Technical, Behavioral or HR: the bank's label, else the interview's type, else a guess."""
    if question.question_type:
        label = _interview_type(question.question_type)
        if label != "Mixed":
            return label
    if interview_type != "Mixed":
        return interview_type
    return "Behavioral" if _BEHAVIORAL_QUESTION.search(question.question) else "Technical"


def analyse(question: AnsweredQuestion, kind: str) -> Answer:
    """Measure one question's answers.

    Instructions to the grader are cut before anything is measured; key points, numbers and names count only in
    the sentences that address the question, and key points earn full credit only when explained.
    """
    cleaned = _cleaned(question)
    text = " ".join(c for c in cleaned if c.strip())
    behavioral = kind != "Technical"
    topic = relevance.topic_stems(question.question, question.key_points)
    on_question = relevance.addressing(text, topic, behavioral)
    return Answer(
        question=question,
        kind=kind,
        text=text,
        words=word_count(text),
        gibberish=conduct.is_gibberish(text),
        gave_up=cues.gives_up(text),
        coverage=relevance.key_point_coverage(question.key_points, on_question) if question.key_points else None,
        missed=tuple(relevance.missed_key_points(question.key_points, on_question)),
        specificity=cues.specificity(on_question),
        relevance=relevance.relevance(question.question, on_question),
        focus=relevance.focus(text, topic),
        star=cues.star_score(text),
        star_parts=sum(cues.star_components(text).values()),
        structure=cues.structure_score(text, behavioral=behavioral),
        clarity=cues.clarity(text),
        fillers=cues.filler_count(text),
        hedges=cues.hedge_count(text),
        assertive=cues.assertive_count(text),
        metric=cues.has_metric(on_question),
        terms=tuple(cues.named_terms(on_question)),
        lengths=tuple(word_count(c) for c in cleaned if c.strip()),
        explained=explanation.explanation(text, behavioral),
        instructed=any(conduct.is_injection(a) for a in question.answers),
    )


def _cleaned(question: AnsweredQuestion) -> list[str]:
    """Each answer with its instructions to the grader cut out."""
    return [conduct.strip_injection(a) for a in question.answers]


def answered_text(question: AnsweredQuestion) -> str:
    """What the candidate said to the question, instructions to the grader cut, as one text."""
    return " ".join(c for c in _cleaned(question) if c.strip())


def conduct_of(messages: Iterable[str]) -> Conduct:
    """Rude messages and attempts to instruct the grader."""
    listed = list(messages)
    return Conduct(
        rude=tuple(m for m in listed if conduct.is_rude(m)),
        injections=tuple(m for m in listed if conduct.is_injection(m)),
    )
