"""The feedback text: strengths, weaknesses, recommendations, summary, impression and category comments."""

from __future__ import annotations

from collections.abc import Sequence

from interviewsim.evaluation.builtin import cues
from interviewsim.evaluation.builtin.answers import Facts
from interviewsim.evaluation.builtin.content import CONCRETE
from interviewsim.evaluation.builtin.stats import mean
from interviewsim.evaluation.schema import CategoryComment, Scores

CATEGORIES = ("technical", "communication", "confidence", "behavior")
SHORT_WORDS = 25
LONG_WORDS = 350
FOCUSED = 0.85  # share of an answer's words on the question below which it counts as wandering
NEXT_DIFFICULTY = {"Beginner": "Intermediate", "Intermediate": "Advanced", "Advanced": "Advanced"}


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


def _unexplained(facts: Facts) -> int:
    """Substantive answers that name points without explaining any of them."""
    return facts.count(lambda a: a.explained == 0 and a.words >= 5)


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
    repeats, unexplained = len(facts.repeated), _unexplained(facts)
    found = _pick(
        [
            (real <= 1, f"{_only(real, asked)} got a real answer, so there was little to assess"),
            (rude > 0, f"Unprofessional language in {_plural(rude, 'message')}"),
            (injected > 0, f"Tried to instruct the grader in {_plural(injected, 'message')}; ignored, and noted"),
            (gave_up > 0, f"Said 'I don't know' or skipped {gave_up} of {asked} questions without reasoning aloud"),
            (gibberish > 0, f"{_plural(gibberish, 'answer')} could not be understood"),
            (repeats > 0, f"{_plural(repeats, 'answer')} repeated an earlier answer instead of answering the question"),
            (unexplained > 0, f"{_plural(unexplained, 'answer')} named terms without explaining how or why"),
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
            (bool(facts.repeated), "Answer each question on its own terms: a reused answer earns nothing"),
            (_unexplained(facts) > 0, "Explain each point: how it works, why you'd choose it, and what it costs"),
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
    on_point = round(100 * mean([a.focus for a in facts.real])) if facts.real else 0
    return (
        f"answers averaged {facts.average_words} words with {facts.filler_rate:.1f} fillers per 100 words; "
        f"{short} too short, {_long_answers(facts)} too long; {on_point}% of the words on the question"
    )


def _confidence_comment(facts: Facts) -> str:
    """Why the confidence score is what it is."""
    assertive, hedges = sum(a.assertive for a in facts.spoken), _hedges(facts)
    unknown = sum(1 for a in facts.spoken if cues.says_dont_know(a.text))
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
