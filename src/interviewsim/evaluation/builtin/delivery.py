"""Communication and confidence: length, structure, fillers, readable sentences, focus, ownership over hedging.

A spoken answer also counts how it sounded (`spoken`); an answer whose transcript the recogniser was unsure of
is not marked down for its wording.
"""

from __future__ import annotations

from interviewsim.evaluation.builtin import cues, explanation, spoken
from interviewsim.evaluation.builtin.answers import Answer, Facts
from interviewsim.evaluation.builtin.stats import mean


def communication(facts: Facts) -> float:
    """Healthy length, structure, few fillers, readable sentences, and staying on the question."""
    return mean([communication_item(a) for a in facts.attempted])


def communication_item(answer: Answer) -> float:
    """0-1 communication credit for one answer."""
    if answer.hollow:
        return 0.0
    length = min(cues.length_quality(answer.developed), cues.length_quality(max(answer.lengths, default=0)))
    sound = answer.question.delivery
    unsure = spoken.unsure(sound)
    # An unsure transcript's fillers and broken sentences may be the recogniser's, not the candidate's.
    fillers = 0.0 if unsure else min(1.0, 100.0 * answer.fillers / max(answer.words, 1) / 8)
    clarity = 1.0 if unsure else answer.clarity
    delivery = 0.25 * answer.structure + 0.2 * (1 - fillers) + 0.15 * clarity
    # Good delivery counts for less in a one-liner or a monologue, so length also scales the rest.
    value = 0.4 * length + delivery * (0.5 + 0.5 * length)
    if sound is not None and spoken.spoken(sound):
        value = spoken.blend(value, spoken.sounded_clear(sound))
    # Words spent on tangents or on repeating oneself are words the listener has to wade through; a list of
    # terms communicates less than the same terms explained.
    return value * answer.focus**2 * explanation.weight(answer.explained)


def confidence(facts: Facts) -> float:
    """Assertive over hedging language, few "I don't know"s, and most questions answered."""
    answered = len(facts.real) / facts.asked if facts.asked else 0.0
    return mean([confidence_item(a) for a in facts.attempted]) * (0.75 + 0.25 * answered)


def confidence_item(answer: Answer) -> float:
    """0-1 confidence credit for one answer."""
    if answer.hollow:
        return 0.0
    value = 0.45 + 0.2 * cues.length_quality(answer.developed)
    hedging = min(0.45, 0.12 * answer.hedges)
    if spoken.unsure(answer.question.delivery):
        hedging /= 2  # an unsure transcript's hedges may be misheard words
    value += min(0.3, 0.1 * answer.assertive) - hedging
    if answer.metric:
        value += 0.1  # commits to a measured claim
    if cues.says_dont_know(answer.text):
        value -= 0.1
    if answer.gave_up:
        value -= 0.35
    if answer.words < 15:
        value -= 0.15
    value = max(0.0, min(1.0, value))
    sound = answer.question.delivery
    if sound is not None and spoken.spoken(sound):
        value = spoken.blend(value, spoken.sounded_sure(sound))
    # Sounding sure of a list of terms or a one-word reply shows little confidence in an answer.
    return max(0.0, min(1.0, value)) * explanation.weight(answer.explained)
