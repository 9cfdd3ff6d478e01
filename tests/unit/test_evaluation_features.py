"""Text features the built-in evaluator scores with."""

from __future__ import annotations

import pytest

from interviewsim.evaluation.builtin import cues as fx
from interviewsim.evaluation.builtin import relevance as rel
from interviewsim.language import stems
from interviewsim.language import text as lang


def test_word_count_and_words() -> None:
    assert lang.word_count("") == 0
    assert lang.word_count("I don't know, C++ and Node.js!") == 7
    assert lang.words("It’s FINE") == ["it's", "fine"]


def test_sentence_spans_are_trimmed_and_keep_decimals() -> None:
    text = "  First one. Errors fell to 0.1% today!\nThird line  "
    assert lang.sentences(text) == ["First one.", "Errors fell to 0.1% today!", "Third line"]
    for start, end in lang.sentence_spans(text):
        assert text[start:end].strip() == text[start:end]


@pytest.mark.parametrize(
    ("variants", "same"),
    [
        (("cache", "caches", "caching", "cached"), True),
        (("index", "indexes", "indexed", "indexing"), True),
        (("strategy", "strategies"), True),
        (("replicate", "replicated", "replication", "replicas"), False),
        (("horizontal", "horizontally"), True),
        (("run", "running"), True),
        (("ship", "shipped"), True),
        (("expire", "expiry"), True),
    ],
)
def test_stem_conflates_inflections(variants: tuple[str, ...], same: bool) -> None:
    assert (len({stems.stem(v) for v in variants}) == 1) is same


def test_content_stems_drop_stopwords() -> None:
    assert stems.content_stems("The caches are in the database") == frozenset({"cach", "databas"})


def test_number_count_ignores_names_with_digits() -> None:
    assert fx.number_count("We cut p99 from 800ms to 120ms, 3x faster, saved $20k and 15%, on S3.") == 5
    assert fx.number_count("Traffic doubled.") == 1
    assert not fx.has_metric("We made it a lot faster.")


def test_named_terms_skip_sentence_starts() -> None:
    text = "Then we used Redis and PostgreSQL. Later I deployed on AWS at Stripe with python."
    assert fx.named_terms(text) == ["Redis", "PostgreSQL", "AWS", "Stripe", "python"]
    assert fx.named_terms("Honestly it was fine. Everything worked.") == []


def test_specificity_rewards_concrete_answers() -> None:
    vague = "I would make it faster and better in general."
    concrete = "For example, in my last role I moved sessions to Redis and cut p95 latency from 420ms to 60ms."
    assert fx.specificity(vague) == 0.0
    assert fx.specificity(concrete) >= 0.6
    assert 0.0 <= fx.specificity(concrete * 20) <= 1.0


def test_star_components_and_score() -> None:
    story = (
        "When I was at my last company, checkout was slow. I was responsible for performance. "
        "I decided to add caching. As a result, latency dropped by 40%."
    )
    assert fx.star_components(story) == {"situation": True, "task": True, "action": True, "result": True}
    assert fx.star_score(story) == pytest.approx(1.0)
    assert fx.star_score("We fixed a bug.") < 0.3


def test_structure_score_counts_signposting_and_star() -> None:
    flat = "Use a cache"
    organised = "First, measure. Then add a cache because reads dominate. However, invalidation is hard."
    assert fx.structure_score(flat) == 0.0
    assert fx.structure_score(organised) > 0.8
    story = "I was responsible for the release. I decided to delay it. As a result, we avoided an outage."
    assert fx.structure_score(story, behavioral=True) >= fx.structure_score(story)


def test_filler_words_counted_but_not_ordinary_like() -> None:
    assert fx.filler_count("Um, like, I basically, you know, kind of did it.") == 5
    assert fx.filler_count("I would like to use it like a queue.") == 0
    assert fx.filler_rate("") == 0.0
    assert fx.filler_rate("um um fine answer") == pytest.approx(50.0)


def test_kind_of_naming_a_kind_is_not_a_hedge() -> None:
    assert fx.hedge_count("I love this kind of question.") == 0
    assert fx.filler_count("What sort of data do you mean?") == 0
    assert fx.hedge_count("We kind of fixed it.") == 1


def test_ownership_of_applied_and_measured_work() -> None:
    assert fx.assertive_count("I applied that last year and I measured the result.") == 2
    assert fx.assertive_count("I'd focus on the cache.") == 1
    assert fx.assertive_count("My mentor applied it.") == 0


def test_hedging_versus_assertive_language() -> None:
    hedgy = "I think maybe it's a tree, I guess, but I'm not sure."
    firm = "I led the migration and I built the pipeline; I'd use Kafka here, definitely."
    assert fx.hedge_count(hedgy) == 3
    assert fx.assertive_count(hedgy) == 0
    assert fx.assertive_count(firm) == 4
    assert fx.hedge_count(firm) == 0


@pytest.mark.parametrize(
    ("text", "dont_know", "gives_up"),
    [
        ("I don't know.", True, True),
        ("No idea, sorry", True, True),
        ("pass", True, True),
        ("I don’t really know", True, True),
        ("I don't know the exact figure, but " + "we measured it carefully every week " * 5, True, False),
        ("A hash map gives constant-time lookups.", False, False),
    ],
)
def test_dont_know_and_giving_up(text: str, dont_know: bool, gives_up: bool) -> None:
    assert fx.says_dont_know(text) is dont_know
    assert fx.gives_up(text) is gives_up


@pytest.mark.parametrize(
    ("key_point", "answer", "covered"),
    [
        ("cache invalidation strategies", "We invalidate the cache with a TTL strategy.", True),
        ("TTL expiry", "Keys get a TTL so they expire.", True),
        ("Redis or Memcached", "I'd put Memcached in front.", True),
        ("horizontal scaling", "We scale horizontally behind a load balancer.", True),
        ("slower writes", "Writes get slower.", True),
        ("column order in composite indexes", "Composite indexes help.", False),
        ("load balancer", "Add more servers.", False),
        ("the", "the the the", False),
    ],
)
def test_key_point_covered(key_point: str, answer: str, covered: bool) -> None:
    assert rel.key_point_covered(key_point, answer) is covered


def test_key_point_coverage_and_missed() -> None:
    points = ("TTL expiry", "load balancer", "read replicas")
    answer = "Set a TTL so entries expire, and add read replicas."
    assert rel.key_point_coverage(points, answer) == pytest.approx(2 / 3)
    assert rel.missed_key_points(points, answer) == ["load balancer"]
    assert rel.key_point_coverage((), answer) == 1.0


def test_relevance_uses_question_subject_words() -> None:
    question = "Explain how database indexes speed up queries."
    assert rel.relevance(question, "Indexes let the database find rows quickly, speeding queries.") > 0.5
    assert rel.relevance(question, "I enjoy hiking on weekends.") == 0.0
    assert rel.relevance("Tell me about it?", "Anything") == 0.5


@pytest.mark.parametrize(
    ("count", "low", "high"),
    [(0, 0.0, 0.0), (5, 0.1, 0.2), (30, 0.7, 0.8), (120, 1.0, 1.0), (350, 1.0, 1.0), (700, 0.5, 0.5), (2000, 0.2, 0.2)],
)
def test_length_quality_band(count: int, low: float, high: float) -> None:
    assert low <= fx.length_quality(count) <= high


def test_a_concise_answer_is_long_enough() -> None:
    assert fx.length_quality(45) == 1.0
    assert fx.length_quality(30) > fx.length_quality(20)


TOPIC = rel.topic_stems(
    "How would you design a caching layer for a read-heavy API?", ("TTL expiry", "cache-aside pattern")
)
ON_POINT = (
    "I'd use the cache-aside pattern with Redis and a TTL so entries expire. "
    "In my last role that cut p95 latency from 300ms to 40ms."
)
TANGENT = (
    "That reminds me of a conference talk I saw years ago, the speaker had the most amazing slides. "
    "My old mentor always said the messiest projects teach you the most, and I think about that a lot. "
)


def test_topic_stems_are_the_subject_and_the_key_points() -> None:
    assert {"cach", "layer", "ttl", "expir", "pattern"} <= TOPIC
    assert rel.topic_stems("Explain how you would handle caching.") == frozenset({"cach"})


def test_on_point_sentences() -> None:
    assert rel.on_point("I'd put a TTL on each key.", TOPIC)
    assert rel.on_point("We measured it with before-and-after dashboards.", TOPIC)  # the candidate's own work
    assert rel.on_point("It cut errors by 30%.", TOPIC)
    assert not rel.on_point("The speaker had the most amazing slides.", TOPIC)


def test_focus_measures_words_spent_on_the_question() -> None:
    assert rel.focus(ON_POINT, TOPIC) == 1.0
    assert rel.focus("Good question, let me think about it. " + ON_POINT, TOPIC) == 1.0  # a short lead-in is free
    assert rel.focus(TANGENT + ON_POINT, TOPIC) < 0.7
    assert rel.focus(TANGENT + ON_POINT, TOPIC) < rel.focus(ON_POINT + " " + TANGENT[:40], TOPIC)
    repeated = ON_POINT + " " + " ".join(["I'd use the cache-aside pattern with Redis."] * 10)
    assert rel.focus(repeated, TOPIC) < 0.5  # saying the same sentence again adds nothing
    assert rel.focus("", TOPIC) == 1.0


def test_length_quality_penalises_both_ends() -> None:
    assert fx.length_quality(10) < fx.length_quality(150)
    assert fx.length_quality(1500) < fx.length_quality(150)


def test_clarity_prefers_readable_sentences() -> None:
    assert fx.clarity("") == 0.0
    assert fx.clarity("I used a queue. It smoothed spikes in traffic nicely.") == 1.0
    run_on = " ".join(["and then we did another thing"] * 20) + "."
    assert fx.clarity(run_on) < 0.5
