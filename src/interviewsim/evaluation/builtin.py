"""The offline evaluator: a deterministic rubric over the transcript's text, no model and no network."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from statistics import fmean

from interviewsim import conduct
from interviewsim.evaluation import features as fx
from interviewsim.evaluation.schema import (
    AnsweredQuestion,
    CategoryComment,
    Evaluation,
    EvaluationInput,
    Evidence,
    Scores,
)
from interviewsim.interviewer.base import InterviewBrief

CATEGORIES = ("technical", "communication", "confidence", "behavior")
INTERVIEW_TYPES = ("Technical", "Behavioral", "HR", "Mixed")
WEIGHTS: dict[str, dict[str, float]] = {
    "Technical": {"technical": 0.45, "communication": 0.2, "confidence": 0.15, "behavior": 0.2},
    "Behavioral": {"technical": 0.15, "communication": 0.25, "confidence": 0.2, "behavior": 0.4},
    "HR": {"technical": 0.1, "communication": 0.3, "confidence": 0.25, "behavior": 0.35},
    "Mixed": {"technical": 0.3, "communication": 0.25, "confidence": 0.2, "behavior": 0.25},
}
# Overall multiplier by number of substantive answers: one answer cannot show much, three can.
# With one answer the overall stays below 30 however good it is.
COMPLETENESS = (0.0, 0.28, 0.7, 1.0)
SHORT_WORDS = 25
CONCRETE = 0.3  # specificity from which an answer counts as concrete
CONCRETE_ENOUGH = 0.45  # specificity for full technical credit, e.g. a measured example and a named tool
LONG_WORDS = 350
FOCUSED = 0.85  # share of an answer's words on the question below which it counts as wandering
QUOTE_CHARS = 200
NEXT_DIFFICULTY = {"Beginner": "Intermediate", "Intermediate": "Advanced", "Advanced": "Advanced"}
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

    @property
    def attempted(self) -> bool:
        """Whether the candidate said anything to this question."""
        return bool(self.text.strip())

    @property
    def substantive(self) -> bool:
        """Whether the answer is a real attempt (not empty, unintelligible or "I don't know")."""
        return self.attempted and not self.gibberish and not self.gave_up

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


class BuiltinEvaluator:
    """Grades an interview with a fixed, explainable rubric; same input, same output."""

    name = "builtin"

    async def evaluate(self, interview: EvaluationInput) -> Evaluation:
        """Return a validated evaluation of the interview."""
        return evaluate(interview)


def evaluate(interview: EvaluationInput) -> Evaluation:
    """Score the interview and write the feedback (synchronous core of `BuiltinEvaluator`)."""
    facts = gather(interview)
    scores = score(facts)
    strengths = strengths_of(facts)
    weaknesses = weaknesses_of(facts)
    evaluation = Evaluation(
        summary=summary_of(facts, scores, strengths, weaknesses),
        strengths=strengths,
        weaknesses=weaknesses,
        recommendations=recommendations_of(facts),
        overall_impression=impression_of(facts, scores),
        scores=scores,
        category_comments=category_comments_of(facts, scores),
        evidence=evidence_of(facts),
        evaluator="builtin",
    )
    return Evaluation.model_validate(evaluation.model_dump())


# --- measuring -------------------------------------------------------------------------------


def gather(interview: EvaluationInput) -> Facts:
    """Measure every answer and the candidate's conduct."""
    interview_type = _interview_type(interview.brief.interview_type)
    answers = tuple(analyse(q, _question_kind(q, interview_type)) for q in interview.questions)
    return Facts(
        brief=interview.brief,
        interview_type=interview_type,
        ended_by=interview.ended_by,
        answers=answers,
        conduct=conduct_of(_candidate_messages(interview)),
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
    """Measure one question's answers; injection attempts are cut before anything is measured."""
    cleaned = [conduct.strip_injection(a) for a in question.answers]
    text = " ".join(c for c in cleaned if c.strip())
    return Answer(
        question=question,
        kind=kind,
        text=text,
        words=fx.word_count(text),
        gibberish=conduct.is_gibberish(text),
        gave_up=fx.gives_up(text),
        coverage=fx.key_point_coverage(question.key_points, text) if question.key_points else None,
        missed=tuple(fx.missed_key_points(question.key_points, text)),
        specificity=fx.specificity(text),
        relevance=fx.relevance(question.question, text),
        focus=fx.focus(text, fx.topic_stems(question.question, question.key_points)),
        star=fx.star_score(text),
        star_parts=sum(fx.star_components(text).values()),
        structure=fx.structure_score(text, behavioral=kind != "Technical"),
        clarity=fx.clarity(text),
        fillers=fx.filler_count(text),
        hedges=fx.hedge_count(text),
        assertive=fx.assertive_count(text),
        metric=fx.has_metric(text),
        terms=tuple(fx.named_terms(text)),
        lengths=tuple(fx.word_count(c) for c in cleaned if c.strip()),
    )


def _candidate_messages(interview: EvaluationInput) -> list[str]:
    """Every distinct candidate message: user turns of the transcript, then core answers."""
    messages = [text for role, text in interview.transcript if role == "user"]
    messages += [a for q in interview.questions for a in q.answers]
    return list(dict.fromkeys(m for m in messages if m.strip()))


def conduct_of(messages: Iterable[str]) -> Conduct:
    """Rude messages and attempts to instruct the grader."""
    listed = list(messages)
    return Conduct(
        rude=tuple(m for m in listed if conduct.is_rude(m)),
        injections=tuple(m for m in listed if conduct.is_injection(m)),
    )


# --- scoring ---------------------------------------------------------------------------------


def score(facts: Facts) -> Scores:
    """The five scores; overall weights categories by interview type and discounts short interviews."""
    values = {
        "technical": _percent(technical(facts)),
        "communication": _percent(communication(facts)),
        "confidence": _percent(confidence(facts)),
        "behavior": _percent(behavior(facts)),
    }
    weights = WEIGHTS[facts.interview_type]
    weighted = sum(values[c] * weights[c] for c in CATEGORIES)
    completeness = COMPLETENESS[min(len(facts.real), len(COMPLETENESS) - 1)]
    return Scores(overall=_percent(weighted / 100 * completeness), **values)


def _percent(value: float) -> int:
    """A 0-1 value as an int percentage, clamped."""
    return max(0, min(100, round(value * 100)))


def _mean(values: Sequence[float]) -> float:
    """Mean, or 0 for nothing."""
    return fmean(values) if values else 0.0


def technical(facts: Facts) -> float:
    """Key-point coverage and specificity on technical questions; domain relevance otherwise."""
    technical_answers = [a for a in facts.attempted if a.kind == "Technical"]
    pool = technical_answers or list(facts.attempted)
    return _mean([technical_item(a, facts.brief) for a in pool])


def technical_item(answer: Answer, brief: InterviewBrief) -> float:
    """0-1 technical credit for one answer."""
    if not answer.substantive:
        return 0.05 if answer.gave_up else 0.0
    specific = min(1.0, answer.specificity / CONCRETE_ENOUGH)
    if answer.coverage is not None:
        # Key points list all a complete answer could mention, so each further point adds less; and an answer
        # that covers them is on the subject even when it uses none of the question's own words.
        covered = 1 - (1 - answer.coverage) ** 2
        relevance = min(1.0, max(answer.relevance, answer.coverage) / 0.5)
        raw = 0.6 * covered + 0.25 * specific + 0.15 * relevance
    else:
        relevance = min(1.0, answer.relevance / 0.5)
        raw = 0.45 * relevance + 0.4 * specific + 0.15 * _domain_hit(answer, brief)
    depth = min(1.0, 0.4 + answer.words / 50)
    return raw * depth


def _domain_hit(answer: Answer, brief: InterviewBrief) -> float:
    """1 when the answer uses the domain's or role's vocabulary or names concrete tools."""
    domain = fx.content_stems(f"{brief.domain} {brief.role}")
    return 1.0 if answer.terms or domain & fx.content_stems(answer.text) else 0.0


def communication(facts: Facts) -> float:
    """Healthy length, structure, few fillers, readable sentences, and staying on the question."""
    return _mean([communication_item(a) for a in facts.attempted])


def communication_item(answer: Answer) -> float:
    """0-1 communication credit for one answer."""
    if answer.gibberish:
        return 0.0
    length = min(fx.length_quality(answer.words), fx.length_quality(max(answer.lengths, default=0)))
    fillers = min(1.0, 100.0 * answer.fillers / max(answer.words, 1) / 8)
    delivery = 0.25 * answer.structure + 0.2 * (1 - fillers) + 0.15 * answer.clarity
    # Good delivery counts for less in a one-liner or a monologue, so length also scales the rest.
    value = 0.4 * length + delivery * (0.5 + 0.5 * length)
    # Words spent on tangents or on repeating oneself are words the listener has to wade through.
    return value * answer.focus**2


def confidence(facts: Facts) -> float:
    """Assertive over hedging language, few "I don't know"s, and most questions answered."""
    answered = len(facts.real) / facts.asked if facts.asked else 0.0
    return _mean([confidence_item(a) for a in facts.attempted]) * (0.75 + 0.25 * answered)


def confidence_item(answer: Answer) -> float:
    """0-1 confidence credit for one answer."""
    if answer.gibberish:
        return 0.0
    value = 0.45 + 0.2 * fx.length_quality(answer.words)
    value += min(0.3, 0.1 * answer.assertive) - min(0.45, 0.12 * answer.hedges)
    if answer.metric:
        value += 0.1  # commits to a measured claim
    if fx.says_dont_know(answer.text):
        value -= 0.1
    if answer.gave_up:
        value -= 0.35
    if answer.words < 15:
        value -= 0.15
    return max(0.0, min(1.0, value))


def behavior(facts: Facts) -> float:
    """STAR on behavioral answers plus engagement, minus heavy costs for rudeness and small for injection."""
    if not facts.attempted:
        return 0.0
    engagement = _mean([engagement_item(a) for a in facts.attempted])
    stories = [star_item(a) for a in facts.attempted if a.behavioral]
    part = 0.7 * _mean(stories) + 0.3 * engagement if stories else engagement
    value = 0.2 + 0.8 * part
    rude = len(facts.conduct.rude)
    if rude:
        value = min(value - 0.3 * rude, 0.35)
    return max(0.0, value - min(0.18, 0.06 * len(facts.conduct.injections)))


def engagement_item(answer: Answer) -> float:
    """0-1: a real, reasonably developed attempt that stays with the question asked."""
    if answer.gibberish:
        return 0.0
    if answer.gave_up:
        return 0.15
    return (0.4 + 0.6 * fx.length_quality(answer.words)) * (0.5 + 0.5 * answer.focus)


def star_item(answer: Answer) -> float:
    """0-1 STAR credit; HR answers may also earn it by being developed and specific."""
    if not answer.substantive:
        return 0.1 if answer.gave_up else 0.0
    if answer.kind == "HR":
        return max(answer.star, 0.8 * engagement_item(answer) * (0.5 + 0.5 * answer.structure))
    return answer.star


# --- feedback text ---------------------------------------------------------------------------


def _plural(count: int, word: str, plural: str | None = None) -> str:
    """Count and noun, pluralised when needed: 1 answer, 3 answers."""
    return f"{count} {word if count == 1 else plural or word + 's'}"


def _listing(items: Sequence[str]) -> str:
    """Quoted items joined: "'a', 'b' and 'c'"."""
    quoted = [f"'{item}'" for item in items]
    if len(quoted) <= 1:
        return "".join(quoted)
    return f"{', '.join(quoted[:-1])} and {quoted[-1]}"


def _only(real: int, asked: int) -> str:
    """Phrase such as: no core question, only 1 of 5 core questions."""
    if real == 0:
        return "No core question"
    return f"Only {real} of {_plural(asked, 'core question')}" if asked > real else f"Only {real} core question"


def _none_or_some(count: int, total: int) -> str:
    """Phrase such as: none of your 4 answers, only 1 of your 4 answers."""
    if count == 0:
        return f"none of your {_plural(total, 'answer')}"
    return f"only {count} of your {_plural(total, 'answer')}"


def _stories_without_result(facts: Facts) -> int:
    """Behavioral answers missing a clear STAR shape."""
    return facts.count(lambda a: a.kind == "Behavioral" and a.star_parts < 3)


def _off_topic(facts: Facts) -> int:
    """Substantive technical answers sharing no subject words or key points with their question."""
    # Behavioral and HR questions ("Where do you see yourself?") share few words with good answers.
    return facts.count(lambda a: a.kind == "Technical" and a.relevance == 0 and a.coverage in (None, 0.0))


def strengths_of(facts: Facts) -> list[str]:
    """Two to five strengths grounded in what the candidate did."""
    real = len(facts.real)
    covered, total = facts.key_points
    metrics = facts.count(lambda a: a.metric)
    stories = facts.count(lambda a: a.behavioral and a.star_parts >= 3)
    owners = facts.count(lambda a: a.assertive > 0)
    terms = list(dict.fromkeys(t for a in facts.real for t in a.terms))
    concrete = facts.count(lambda a: a.specificity >= CONCRETE)
    focused = real > 0 and SHORT_WORDS <= facts.average_words <= LONG_WORDS and _long_answers(facts) == 0
    focused = focused and _wandering(facts) == 0
    found = _pick(
        [
            (total > 0 and covered >= 0.6 * total, f"Covered {covered} of {total} expected key points"),
            (0 < real <= 2 * metrics, f"Quantified impact: {metrics} of {real} answers included a metric"),
            (stories > 0, f"Told {_plural(stories, 'story', 'stories')} with a clear situation, action and result"),
            (len(terms) >= 3 and concrete * 2 >= real, f"Grounded answers in specifics ({', '.join(terms[:4])})"),
            (0 < real <= 2 * owners, f"Spoke with ownership ('I built', 'I decided') in {_plural(owners, 'answer')}"),
            (facts.words >= 100 and facts.filler_rate < 1.5, "Clean delivery with almost no filler words"),
            (focused, f"Kept answers focused at about {facts.average_words} words each"),
            (3 <= real == facts.asked, f"Answered all {facts.asked} core questions"),
        ]
    )
    return found + _strength_fallbacks(facts, found)[: max(0, 2 - len(found))]


def _pick(candidates: Sequence[tuple[bool, str]], limit: int = 5) -> list[str]:
    """The texts whose condition holds, at most `limit`, in order."""
    return [text for condition, text in candidates if condition][:limit]


def _strength_fallbacks(facts: Facts, found: list[str]) -> list[str]:
    """Honest filler strengths when little could be credited."""
    options: list[str] = []
    if facts.attempted and not facts.conduct.rude:
        options.append("Stayed polite throughout the interview")
    if 0 < len(facts.real) < facts.asked:
        options.append(f"Gave a real answer to {len(facts.real)} of {facts.asked} core questions")
    options.append("Nothing could be credited yet: give each answer one concrete example to build on")
    options.append("Starting is the first step: complete every core question next time to get full feedback")
    return [o for o in options if o not in found]


def _long_answers(facts: Facts) -> int:
    """Single answers longer than the rambling threshold."""
    return sum(1 for a in facts.answers for words in a.lengths if words > LONG_WORDS)


def _wandering(facts: Facts) -> int:
    """Substantive answers with a large share of words off the question (tangents, repeated sentences)."""
    return facts.count(lambda a: a.focus < FOCUSED)


def _hedges(facts: Facts) -> int:
    """Hedging phrases across intelligible answers."""
    return sum(a.hedges for a in facts.spoken)


def _metrics(facts: Facts) -> tuple[int, int]:
    """(answers with a metric, intelligible answers)."""
    return sum(1 for a in facts.spoken if a.metric), len(facts.spoken)


def weaknesses_of(facts: Facts) -> list[str]:
    """Two to five weaknesses, most serious first."""
    real, asked = len(facts.real), facts.asked
    (metrics, spoken), hedges = _metrics(facts), _hedges(facts)
    short = facts.count(lambda a: a.words < SHORT_WORDS)
    gave_up = sum(1 for a in facts.attempted if a.gave_up)
    gibberish = sum(1 for a in facts.attempted if a.gibberish)
    long, stories, off = _long_answers(facts), _stories_without_result(facts), _off_topic(facts)
    wandering = _wandering(facts)
    rude, injected = len(facts.conduct.rude), len(facts.conduct.injections)
    found = _pick(
        [
            (real <= 1, f"{_only(real, asked)} got a real answer, so there was little to assess"),
            (rude > 0, f"Unprofessional language in {_plural(rude, 'message')}"),
            (injected > 0, f"Tried to instruct the grader in {_plural(injected, 'message')}; ignored, and noted"),
            (gave_up > 0, f"Said 'I don't know' or skipped {gave_up} of {asked} questions without reasoning aloud"),
            (gibberish > 0, f"{_plural(gibberish, 'answer')} could not be understood"),
            (bool(facts.missed), f"Missed key points such as {_listing(facts.missed[:3])}"),
            (spoken > 2 * metrics, f"Few metrics: {_none_or_some(metrics, spoken)} included a number"),
            (hedges >= max(3, spoken), f"Hedged often ({hedges} times: 'maybe', 'I guess', 'not sure')"),
            (facts.filler_rate >= 3, f"Frequent filler words ({facts.filler_rate:.1f} per 100 words)"),
            (short > 0, f"{short} of {real} answers were under {SHORT_WORDS} words, too brief to show depth"),
            (long > 0, f"{_plural(long, 'answer')} ran past {LONG_WORDS} words, which buries the main point"),
            (wandering > 0, f"{wandering} of {real} answers spent many words on tangents or repeated themselves"),
            (stories > 0, f"{_plural(stories, 'behavioral answer')} lacked a clear situation-action-result shape"),
            (off > 0, f"{_plural(off, 'answer')} drifted away from the question asked"),
        ]
    )
    fallbacks = [
        "No major weakness stood out; the next gain is more depth on trade-offs and alternatives",
        f"Not yet tested at {NEXT_DIFFICULTY.get(facts.brief.difficulty, 'a harder')} difficulty",
    ]
    return found + fallbacks[: max(0, 2 - len(found))]


def recommendations_of(facts: Facts) -> list[str]:
    """Two to five concrete next steps tied to what happened."""
    real = len(facts.real)
    metrics, spoken = _metrics(facts)
    found = _pick(
        [
            (bool(facts.conduct.rude), "Keep a neutral tone when a question frustrates you; ask for clarification"),
            (bool(facts.conduct.injections), "Spend every answer on the question: notes to the grader are ignored"),
            (real <= 1, "Complete the full interview: answer every core question, even briefly, before ending"),
            (
                any(a.gave_up for a in facts.attempted),
                "When unsure, reason aloud: say what you know, state an assumption, outline how you'd check",
            ),
            (bool(facts.missed), f"Review {_listing(facts.missed[:2])}: a complete answer covers this"),
            (
                spoken > 2 * metrics,
                f"Quantify results: {_none_or_some(metrics, spoken)} included a metric (time saved, %, users, cost)",
            ),
            (
                _hedges(facts) >= max(3, spoken),
                "Replace hedges like 'maybe' and 'I guess' with direct statements: 'I would…', 'I led…'",
            ),
            (facts.filler_rate >= 3, "Pause instead of saying 'um' or 'like'; record one answer and replay it"),
            (
                facts.count(lambda a: a.words < SHORT_WORDS) > 0,
                "Aim for 45-200 words per answer: the direct answer, one concrete example, then the outcome",
            ),
            (_long_answers(facts) > 0, "Lead with a one-sentence answer, then at most two supporting points"),
            (_wandering(facts) > 0, "Skip tangents and repetition: answer first, then give one supporting example"),
            (_stories_without_result(facts) > 0, "Tell stories as STAR: situation, task, your action, the result"),
            (_off_topic(facts) > 0, "Restate the question in your first sentence to keep the answer anchored"),
        ]
    )
    fallbacks = [
        f"Try the {NEXT_DIFFICULTY.get(facts.brief.difficulty, 'next')} level to keep stretching",
        "For each design choice, name one alternative you rejected and why",
        f"Prepare two more {facts.brief.role} stories with measurable outcomes",
    ]
    return found + fallbacks[: max(0, 2 - len(found))]


def summary_of(facts: Facts, scores: Scores, strengths: list[str], weaknesses: list[str]) -> str:
    """Two to four sentences: what was interviewed, how far it went, and the main finding."""
    brief = facts.brief
    kind = facts.interview_type.lower() if facts.interview_type != "HR" else "HR"
    opening = f"This {kind} interview for a {brief.role} role in {brief.domain} {_progress(facts)}."
    if not facts.real:
        return f"{opening} There was not enough to assess, so the overall score is {scores.overall}/100."
    ranked = sorted(CATEGORIES, key=lambda c: (-getattr(scores, c), CATEGORIES.index(c)))
    best, worst = ranked[0], ranked[-1]
    finding = (
        f"It scored {scores.overall}/100 overall, strongest in {best} ({getattr(scores, best)}) "
        f"and weakest in {worst} ({getattr(scores, worst)})."
    )
    if scores.overall >= 70:
        return f"{opening} {finding} Main finding: {_lower(strengths[0])}; to polish: {_lower(weaknesses[0])}."
    return f"{opening} {finding} Main finding: {_lower(weaknesses[0])}."


def _lower(text: str) -> str:
    """Text with its first letter lower-cased, to continue a sentence."""
    return text[:1].lower() + text[1:]


def _progress(facts: Facts) -> str:
    """How far the interview got, in words."""
    real, asked = len(facts.real), facts.asked
    if not facts.attempted:
        return "ended before any core question was answered"
    ending = {"time_up": " before time ran out", "early": " before it ended early"}.get(facts.ended_by, "")
    return f"got real answers to {real} of {_plural(asked, 'core question')}{ending}"


def impression_of(facts: Facts, scores: Scores) -> str:
    """One or two sentences in line with the overall score."""
    overall, role = scores.overall, facts.brief.role
    if overall >= 80:
        text = f"Strong performance: ready for real {role} interviews at this level with minor polish."
    elif overall >= 65:
        text = "Solid performance that would pass many screens; fixing the weaknesses would make it convincing."
    elif overall >= 50:
        text = "Mixed performance: some good moments, but not yet consistent enough for a competitive interview."
    elif overall >= 30:
        text = "Below the bar for now: answers lacked the depth and specifics interviewers look for."
    elif len(facts.real) <= 1:
        text = "Too little was answered to judge readiness; complete a full interview for a real assessment."
    else:
        text = "Well below the bar: work on the basics in the recommendations before the next attempt."
    worst = min(CATEGORIES, key=lambda c: (getattr(scores, c), CATEGORIES.index(c)))
    if overall >= 65 and getattr(scores, worst) < 60:
        held_back = f"{worst} ({getattr(scores, worst)})"
        text = f"Good performance held back by {held_back}: fix that before a real {role} interview."
    if facts.conduct.rude:
        text += " The unprofessional language alone would likely end a real interview."
    return text


def category_comments_of(facts: Facts, scores: Scores) -> list[CategoryComment]:
    """One comment per scored category."""
    if not facts.attempted:
        note = "no answers to assess"
        return [CategoryComment(category=c, comment=f"{getattr(scores, c)}/100: {note}.") for c in CATEGORIES]
    comments = {
        "technical": _technical_comment(facts),
        "communication": _communication_comment(facts),
        "confidence": _confidence_comment(facts),
        "behavior": _behavior_comment(facts),
    }
    return [CategoryComment(category=c, comment=f"{getattr(scores, c)}/100: {comments[c]}.") for c in CATEGORIES]


def _technical_comment(facts: Facts) -> str:
    """Why the technical score is what it is."""
    covered, total = facts.key_points
    specific = facts.count(lambda a: a.specificity >= CONCRETE)
    detail = f"{specific} of {_plural(len(facts.real), 'substantive answer')} concrete (numbers, named tools, examples)"
    if total:
        return f"covered {covered} of {total} key points; {detail}"
    return f"judged on relevance and domain detail (no reference key points); {detail}"


def _communication_comment(facts: Facts) -> str:
    """Why the communication score is what it is."""
    short = facts.count(lambda a: a.words < SHORT_WORDS)
    on_point = round(100 * _mean([a.focus for a in facts.real])) if facts.real else 0
    return (
        f"answers averaged {facts.average_words} words with {facts.filler_rate:.1f} fillers per 100 words; "
        f"{short} too short, {_long_answers(facts)} too long; {on_point}% of the words on the question"
    )


def _confidence_comment(facts: Facts) -> str:
    """Why the confidence score is what it is."""
    assertive, hedges = sum(a.assertive for a in facts.spoken), _hedges(facts)
    unknown = sum(1 for a in facts.spoken if fx.says_dont_know(a.text))
    owned = _plural(assertive, "ownership statement")
    return f"{owned} against {_plural(hedges, 'hedge')}, and {_plural(unknown, 'I-don’t-know answer')}"


def _behavior_comment(facts: Facts) -> str:
    """Why the behavior score is what it is."""
    stories = [a for a in facts.attempted if a.behavioral]
    shaped = sum(1 for a in stories if a.star_parts >= 3)
    structure = (
        f"{shaped} of {_plural(len(stories), 'behavioral/HR answer')} followed STAR"
        if stories
        else "no behavioral questions, so judged on engagement and professionalism"
    )
    rude, injected = len(facts.conduct.rude), len(facts.conduct.injections)
    if not rude and not injected:
        return f"{structure}; professional tone throughout"
    return f"{structure}; {_plural(rude, 'rude message')}, {_plural(injected, 'attempt')} to instruct the grader"


# --- evidence --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """A quotable sentence with what it shows and how telling it is."""

    quote: str
    comment: str
    weight: int
    strength: bool
    source: int = 0  # index of the question it answers


def evidence_of(facts: Facts) -> list[Evidence]:
    """Two to six verbatim quotes (when the candidate said enough): up to three strengths, three weaknesses."""
    pool = [
        dataclasses.replace(c, source=index)
        for index, a in enumerate(facts.answers)
        for text in a.question.answers
        for c in _candidates(text, a)
    ]
    picked: list[Candidate] = []
    for strength in (True, False):
        ranked = sorted((c for c in pool if c.strength == strength), key=lambda c: -c.weight)
        picked += _distinct(ranked, {c.quote for c in picked}, 3)
    if len(picked) < 2:
        picked += _distinct(_fallback_candidates(facts), {c.quote for c in picked}, 2 - len(picked))
    return [Evidence(quote=c.quote, comment=c.comment) for c in picked]


def _distinct(ranked: Sequence[Candidate], taken: set[str], limit: int) -> list[Candidate]:
    """Up to `limit` candidates with untaken quotes, spread over questions before doubling up on one."""
    seen = set(taken)
    chosen: list[Candidate] = []
    for spread in (True, False):
        for candidate in ranked:
            repeat = spread and any(c.source == candidate.source for c in chosen)
            if len(chosen) < limit and candidate.quote not in seen and not repeat:
                seen.add(candidate.quote)
                chosen.append(candidate)
    return chosen


def _candidates(text: str, answer: Answer) -> list[Candidate]:
    """Each sentence of an original answer that illustrates something, with its reading."""
    found: list[Candidate] = []
    for start, end in fx.sentence_spans(text):
        quote = _quote(text, start, end)
        reading = _read(quote, answer)
        if quote and reading is not None:
            found.append(Candidate(quote, *reading))
    return found


def _quote(text: str, start: int, end: int) -> str:
    """The verbatim span, cut at a word boundary to fit the quote limit."""
    if end - start > QUOTE_CHARS:
        cut = text.rfind(" ", start, start + QUOTE_CHARS)
        end = cut if cut > start else start + QUOTE_CHARS
    return text[start:end].strip()


def _read(sentence: str, answer: Answer) -> tuple[str, int, bool] | None:
    """What a sentence shows: (comment, weight, is_strength), or None if nothing notable."""
    if conduct.is_injection(sentence):
        return (
            "Addresses the grader instead of the question; ignored and noted as unprofessional.",
            100,
            False,
        )
    if conduct.is_rude(sentence):
        return "Unprofessional language toward the interviewer.", 95, False
    if answer.gibberish:
        return "Unintelligible, so it could not be credited.", 80, False
    return _weak_reading(sentence) or _strong_reading(sentence, answer) or _mild_weak_reading(sentence, answer)


def _weak_reading(sentence: str) -> tuple[str, int, bool] | None:
    """A weakness that outweighs anything good in the sentence, if any."""
    if fx.says_dont_know(sentence) and fx.word_count(sentence) < 20:
        return "Gives up instead of reasoning toward an answer.", 70, False
    hedges, fillers = fx.hedge_count(sentence), fx.filler_count(sentence)
    if hedges and fillers:
        return "Hedging and filler make the answer sound unsure.", 50, False
    if hedges >= 2:
        return "Hedging makes the answer sound unsure.", 50, False
    if fillers >= 2:
        return "Filler words dilute the point.", 45, False
    return None


def _mild_weak_reading(sentence: str, answer: Answer) -> tuple[str, int, bool] | None:
    """A lesser weakness, for sentences with nothing good to show."""
    if answer.substantive and answer.words < SHORT_WORDS and answer.specificity < 0.1:
        return "Vague: no example, number or named tool to back it up.", 40, False
    hedges = fx.hedge_phrases(sentence)
    if hedges:
        return f"Hedges ('{hedges[0]}') instead of committing to an answer.", 35, False
    return None


def _strong_reading(sentence: str, answer: Answer) -> tuple[str, int, bool] | None:
    """A strength the sentence shows, if any."""
    metric, owned = fx.has_metric(sentence), fx.assertive_count(sentence) > 0
    result = fx.star_components(sentence)["result"]
    if metric and owned:
        return "Owns the work and quantifies the result.", 60, True
    if metric and result:
        return "Quantifies the outcome.", 58, True
    covered = [p for p in answer.question.key_points if fx.key_point_covered(p, sentence)]
    if covered:
        return f"Covers the key point '{covered[0]}'.", 55, True
    if result and fx.word_count(sentence) >= 8:
        return "States a clear outcome.", 45, True
    if len(fx.named_terms(sentence)) >= 2:
        return "Names concrete tools and concepts instead of generalities.", 40, True
    if metric:
        return "Backs the point with a number.", 35, True
    if owned:
        return "Speaks with ownership of the work.", 30, True
    return None


def _fallback_candidates(facts: Facts) -> list[Candidate]:
    """Any sentence of three or more words, when nothing more telling was found."""
    found: list[Candidate] = []
    for index, answer in enumerate(facts.answers):
        for text in answer.question.answers:
            for start, end in fx.sentence_spans(text):
                quote = _quote(text, start, end)
                if fx.word_count(quote) >= 3:
                    found.append(Candidate(quote, "Representative of the answers given.", 0, False, index))
    return found
