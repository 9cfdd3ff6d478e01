"""Classifying candidate messages: empty, gibberish, rude, confused, off topic, short, substantive."""

from __future__ import annotations

import pytest

from interviewsim.interviewer.base import InterviewBrief
from interviewsim.interviewer.builtin.analysis import AnswerKind, classify, is_confused
from interviewsim.interviewer.builtin.bank import Question, default_bank
from interviewsim.language.conduct import is_gibberish, is_rude

DATA = InterviewBrief(domain="Data Science", role="Data Analyst", interview_type="Technical")
SOFTWARE = InterviewBrief(domain="Software Engineering", role="Backend Engineer")
GENERAL = InterviewBrief(domain="Hospitality", role="Hotel Manager", interview_type="Behavioral")
MARKETING = InterviewBrief(domain="Marketing", role="Growth Marketer", interview_type="Technical")


def question(question_id: str) -> Question:
    found = default_bank().get(question_id)
    assert found is not None, question_id
    return found


TOP_CUSTOMERS = question("data-tech-beg-03")  # SQL: top five customers by purchase amount
HASH_MAP = question("software-tech-int-02")
CONFLICT = question("generic-beh-int-01")
STRESS = question("generic-hr-int-03")
NEW_MARKET = question("marketing-tech-adv-06")  # key point: "channel differences by country"

LONG_SQL_ANSWER = (
    "First I'd join the orders table to customers on customer_id so I can show names, then SUM the "
    "amount per customer with GROUP BY, ORDER BY that total descending and LIMIT 5. If two customers "
    "tie for fifth place I'd use RANK() in a window function so ties aren't dropped arbitrarily."
)


@pytest.mark.parametrize(
    "message", ["", "   ", "\n\t", "...", "-", "ok", "Okay.", "yes", "um yeah", "hmmm", "Postgres"]
)
def test_empty(message: str) -> None:
    assert classify(message, TOP_CUSTOMERS, DATA) is AnswerKind.EMPTY


@pytest.mark.parametrize(
    "message",
    [
        "asdkjh qwpoe zzzx",
        "asdfghjkl",
        "jfkdls jfkdlsa fjdksl lkjh",
        "sdfsdf sdf sdfsdf qwe",
        "lkjhgfds poiuytre mnbvcx",
        "qwrtzp xkcd vbnm",
        "😀😀😀",
        "👍",
        "🤔🤔 ❤️",
        "test test test test test",
        "aaaaaaa bbbbbbb",
        "zxcv " * 800,
    ],
)
def test_gibberish(message: str) -> None:
    assert classify(message, TOP_CUSTOMERS, DATA) is AnswerKind.GIBBERISH


@pytest.mark.parametrize(
    "message",
    [
        "Je regrouperais les commandes par client, puis je trierais les montants par ordre décroissant.",
        "Ich würde die Bestellungen pro Kunde summieren und absteigend sortieren.",
        "Agruparía los pedidos por cliente, sumaría los importes y ordenaría de mayor a menor.",
        "Привет, я бы сгруппировал заказы по клиенту и отсортировал по сумме",
        "我会按客户分组，然后按总金额降序排序",
        "Last year Zoë Müller, Nguyễn Văn An and Przemysław Szczepański reviewed the rhythm of our sprints.",
        "We used HTTPS, gRPC, nginx and kubectl to roll out the service.",
    ],
)
def test_real_text_is_not_gibberish(message: str) -> None:
    assert not is_gibberish(message)
    assert classify(message, TOP_CUSTOMERS, DATA) is not AnswerKind.GIBBERISH


@pytest.mark.parametrize(
    "message",
    ["Probably strength.", "Rhythm, I guess.", "Strengths, mostly.", "I'd use strength.", "Mostly in twelfths."],
)
def test_consonant_clusters_are_short_answers_not_gibberish(message: str) -> None:
    # These used to get "Sorry, I couldn't quite make sense of that" instead of a follow-up.
    assert classify(message, STRESS, GENERAL) in (AnswerKind.SHORT_OR_VAGUE, AnswerKind.CONFUSED)


@pytest.mark.parametrize(
    "message",
    [
        "this is a stupid question",
        "you're useless",
        "You are such an idiot.",
        "fuck off",
        "What a dumb interview, shut up",
        "Honestly this interview is a waste of my time, screw this",
        "This is bullshit, I'm not answering",
        "u r so dumb",
        "Who cares",
        "f**k this",
    ],
)
def test_rude(message: str) -> None:
    assert is_rude(message)
    assert classify(message, TOP_CUSTOMERS, DATA) is AnswerKind.RUDE


@pytest.mark.parametrize(
    "message",
    [
        "I don't know",
        "I dont know sorry",
        "can you clarify",
        "what do you mean?",
        "Could you repeat the question please?",
        "not sure what you're asking",
        "I'm a bit confused, could you explain that differently",
        "idk",
        "No idea, honestly.",
        "?",
        "huh?",
        "what?",
        "Do you mean the total amount or the number of orders?",
        "Sorry, I didn't get the question",
    ],
)
def test_confused(message: str) -> None:
    assert is_confused(message)
    assert classify(message, TOP_CUSTOMERS, DATA) is AnswerKind.CONFUSED


def test_an_attempt_that_starts_unsure_is_not_confused() -> None:
    message = (
        "I don't know the exact syntax, but I'd group by the customer column, add up the amounts, "
        "sort from highest to lowest and keep only the first five rows."
    )
    assert not is_confused(message)
    assert classify(message, TOP_CUSTOMERS, DATA) is not AnswerKind.CONFUSED


@pytest.mark.parametrize(
    ("message", "q"),
    [
        ("I love football, my team won the league last weekend and we celebrated all night long.", TOP_CUSTOMERS),
        ("My weekend was great, I went hiking in the mountains with my family and we had a barbecue.", TOP_CUSTOMERS),
        ("Have you seen the new superhero movie? The special effects were amazing and the soundtrack rocks.", HASH_MAP),
        ("Pizza is honestly my favourite food, especially with pineapple and extra cheese on top.", HASH_MAP),
    ],
)
def test_off_topic(message: str, q: Question) -> None:
    assert classify(message, q, DATA) is AnswerKind.OFF_TOPIC


@pytest.mark.parametrize(
    ("message", "q"),
    [
        # Real answers in other words must not be flagged.
        (
            "I would add up what each buyer spent, sort the totals from biggest to smallest and take five.",
            TOP_CUSTOMERS,
        ),
        ("Take the key, turn it into a number, pick a slot from that number and keep a small list per slot.", HASH_MAP),
        ("Last spring my coworker and I argued about priorities; we talked it through over lunch.", CONFLICT),
        ("I go for a run, write a to-do list and tackle the most important thing first.", STRESS),
        ("Привет, я бы сгруппировал заказы по клиенту и отсортировал по сумме по убыванию", TOP_CUSTOMERS),
    ],
)
def test_answers_in_other_words_are_not_off_topic(message: str, q: Question) -> None:
    assert classify(message, q, DATA) is not AnswerKind.OFF_TOPIC


@pytest.mark.parametrize(
    ("message", "q", "brief"),
    [
        # "completely" shares its first five letters with "complex", "counter" with "country": whole stems differ.
        (
            "I completely forgot to water my plants this weekend, and the kitchen counter is covered in soil.",
            NEW_MARKET,
            MARKETING,
        ),
        ("The counter at my favourite bakery sells completely amazing croissants on Sundays.", HASH_MAP, SOFTWARE),
    ],
)
def test_small_talk_sharing_only_a_prefix_is_off_topic(message: str, q: Question, brief: InterviewBrief) -> None:
    assert classify(message, q, brief) is AnswerKind.OFF_TOPIC


@pytest.mark.parametrize(
    "message",
    [
        # Inflected and derived forms still meet the question's words: "countries", "managers", "localised".
        "I'd research how buyers in those countries pay, localise the pricing and work with local managers.",
        "I'd study how buyers there pay and shop, localise the prices and the message, and partner with a distributor.",
    ],
)
def test_inflected_answers_are_not_off_topic(message: str) -> None:
    assert classify(message, NEW_MARKET, MARKETING) is not AnswerKind.OFF_TOPIC


def test_off_topic_needs_a_question() -> None:
    message = "I love football, my team won the league last weekend and we celebrated all night long."
    assert classify(message, None, DATA) is not AnswerKind.OFF_TOPIC


@pytest.mark.parametrize(
    ("message", "q", "brief"),
    [
        ("I would use SUM and GROUP BY.", TOP_CUSTOMERS, DATA),
        ("Use a hash function and buckets.", HASH_MAP, SOFTWARE),
        ("I talked to them and we sorted it out.", CONFLICT, GENERAL),
        (
            "I think it's really important to stay calm and positive and always try to do my best because at the "
            "end of the day what matters is that everything gets done properly and everyone is happy with it.",
            STRESS,
            GENERAL,
        ),
    ],
)
def test_short_or_vague(message: str, q: Question, brief: InterviewBrief) -> None:
    assert classify(message, q, brief) is AnswerKind.SHORT_OR_VAGUE


@pytest.mark.parametrize(
    ("message", "q", "brief"),
    [
        (LONG_SQL_ANSWER, TOP_CUSTOMERS, DATA),
        (
            "SELECT c.name, SUM(o.amount) AS total FROM orders o JOIN customers c ON c.id = o.customer_id "
            "GROUP BY c.name ORDER BY total DESC LIMIT 5",
            TOP_CUSTOMERS,
            DATA,
        ),
        (
            "You take the key and run it through a function that turns it into a number, then use that number "
            "modulo the size of the underlying storage to pick a slot. If two keys land in the same slot you "
            "keep a small list there and walk it.",
            HASH_MAP,
            SOFTWARE,
        ),
        (
            "Last year my colleague Zoë Müller and I disagreed about the release plan. I set up a meeting, we "
            "listed the risks, agreed on a staged rollout, and the launch went out two days late but with zero "
            "incidents; we still work together well.",
            CONFLICT,
            GENERAL,
        ),
    ],
)
def test_substantive(message: str, q: Question, brief: InterviewBrief) -> None:
    assert classify(message, q, brief) is AnswerKind.SUBSTANTIVE


def test_very_long_answer_is_substantive() -> None:
    sentences = [
        "First I would clarify what counts as a purchase, whether refunds are excluded, and the time window.",
        "Then I'd join orders to customers on customer_id, because the report needs names, not ids.",
        "I'd aggregate with SUM(amount) grouped by customer and sort the totals in descending order.",
        "For ties at the fifth position I would use DENSE_RANK in a window function and filter on rank <= 5.",
        "On a large table I'd make sure there is an index on customer_id and check the plan with EXPLAIN.",
        "Finally I'd validate the output against a manual spot check for two or three known customers.",
    ]
    message = " ".join(sentences[i % len(sentences)] + f" Note {i}." for i in range(40))
    assert len(message) >= 4000
    assert classify(message, TOP_CUSTOMERS, DATA) is AnswerKind.SUBSTANTIVE


def test_non_ascii_names_in_a_real_answer() -> None:
    message = (
        "At my previous job, José Ñúñez, Søren Kierkegård and I rebuilt the report: we summed each "
        "customer's orders with GROUP BY, sorted descending and kept the top 5 for the finance team."
    )
    assert classify(message, TOP_CUSTOMERS, DATA) is AnswerKind.SUBSTANTIVE


def test_classification_is_deterministic() -> None:
    messages = ["idk", "asdkjh qwpoe", LONG_SQL_ANSWER, "you're useless", "I would use SUM."]
    first = [classify(m, TOP_CUSTOMERS, DATA) for m in messages]
    assert [classify(m, TOP_CUSTOMERS, DATA) for m in messages] == first
