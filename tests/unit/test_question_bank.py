"""The packaged question bank: coverage, data quality and session-aware question selection."""

from __future__ import annotations

import json
import random
from collections import Counter
from pathlib import Path

import pytest

from interviewsim.interviewer.base import InterviewBrief
from interviewsim.interviewer.builtin.bank import (
    DIFFICULTIES,
    DOMAINS,
    GENERIC,
    MIXED_CYCLE,
    BankError,
    BankExhaustedError,
    Question,
    QuestionBank,
    default_bank,
    domain_id,
    domain_label,
    question_type_for,
)

FIELDS = ("software", "data", "product", "design", "marketing", "sales")
TYPES = ("Technical", "Behavioral", "HR", "Mixed")


@pytest.fixture(scope="module")
def bank() -> QuestionBank:
    return default_bank()


def count(bank: QuestionBank, domain: str, qtype: str, level: str | None = None) -> int:
    return len(bank.select(domain, qtype, level))


def brief(
    domain: str = "software",
    qtype: str = "Technical",
    level: str = "Intermediate",
    *,
    job_description: str | None = None,
    resume: str | None = None,
) -> InterviewBrief:
    return InterviewBrief(
        domain=domain,
        role="Engineer",
        interview_type=qtype,
        difficulty=level,
        job_description=job_description,
        resume=resume,
    )


def test_default_bank_is_cached(bank: QuestionBank) -> None:
    assert default_bank() is bank


@pytest.mark.parametrize("domain", FIELDS)
def test_every_field_covers_every_type_and_difficulty(bank: QuestionBank, domain: str) -> None:
    for level in DIFFICULTIES:
        assert count(bank, domain, "Technical", level) >= 5, (domain, level)
    assert count(bank, domain, "Behavioral") >= 8
    assert count(bank, domain, "HR") >= 6
    behavioral_levels = {q.difficulty for q in bank.select(domain, "Behavioral")}
    assert behavioral_levels == set(DIFFICULTIES)


def test_generic_coverage(bank: QuestionBank) -> None:
    assert count(bank, GENERIC, "Behavioral") >= 8
    assert count(bank, GENERIC, "HR") >= 6
    assert count(bank, GENERIC, "Technical") >= 8
    assert {q.difficulty for q in bank.select(GENERIC, "Technical")} == set(DIFFICULTIES)


def test_every_domain_has_a_data_file() -> None:
    data = Path(__file__).parents[2] / "src" / "interviewsim" / "interviewer" / "builtin" / "data"
    assert {p.stem for p in data.glob("*.json")} == {*DOMAINS, "warmup"}
    for path in data.glob("*.json"):
        json.loads(path.read_text(encoding="utf-8"))


def test_question_text_is_one_single_question(bank: QuestionBank) -> None:
    for q in bank.questions:
        assert q.text.endswith("?"), q.id
        assert q.text.count("?") == 1, q.id
        assert "?" not in q.hint, q.id
        assert q.hint.endswith("."), q.id


def test_ids_are_unique_and_follow_the_scheme(bank: QuestionBank) -> None:
    ids = [q.id for q in bank.questions]
    assert len(ids) == len(set(ids))
    prefixes = {"Technical": "tech", "Behavioral": "beh", "HR": "hr"}
    levels = {"Beginner": "beg", "Intermediate": "int", "Advanced": "adv"}
    for q in bank.questions:
        assert q.id.startswith(f"{q.domain}-{prefixes[q.type]}-{levels[q.difficulty]}-"), q.id


def test_key_points_skills_and_hints_are_filled(bank: QuestionBank) -> None:
    for q in bank.questions:
        assert 3 <= len(q.key_points) <= 6, q.id
        assert all(point.strip() for point in q.key_points), q.id
        assert q.skills and all(skill == skill.lower() for skill in q.skills), q.id
        assert len(q.hint.split()) >= 5, q.id


def test_behavioral_key_points_mention_star_elements(bank: QuestionBank) -> None:
    for q in bank.questions:
        if q.type != "Behavioral":
            continue
        joined = " ".join(q.key_points).lower()
        assert "situation" in joined and "action" in joined and "result" in joined, q.id


def test_hints_do_not_repeat_key_points(bank: QuestionBank) -> None:
    for q in bank.questions:
        for point in q.key_points:
            if len(point.split()) >= 3:
                assert point.lower() not in q.hint.lower(), (q.id, point)


def test_get_returns_question_or_none(bank: QuestionBank) -> None:
    question = bank.get("software-tech-int-03")
    assert isinstance(question, Question)
    assert question.domain == "software"
    assert bank.get("no-such-id") is None


def test_warmups_and_openers(bank: QuestionBank) -> None:
    assert len(bank.warmups) + len(bank.openers) >= 6
    rendered = bank.warmup_questions(InterviewBrief(domain="UI/UX Design", role="Product Designer"))
    assert any("UI/UX design" in text for text in rendered)
    assert any("Product Designer" in text for text in rendered)
    assert all(text.count("?") == 1 and text.endswith("?") for text in rendered)
    assert all("{" not in text for text in rendered)
    assert bank.opening_questions(brief())


def test_role_warmups_are_skipped_without_a_role(bank: QuestionBank) -> None:
    rendered = bank.warmup_questions(InterviewBrief(domain="software", role="  "))
    assert rendered
    assert not any("this  role" in text or "this role" in text for text in rendered)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("software", "software"),
        ("Software Engineering", "software"),
        ("  software   engineering ", "software"),
        ("DATA SCIENCE", "data"),
        ("data", "data"),
        ("Product Management", "product"),
        ("UI/UX Design", "design"),
        ("ui/ux design", "design"),
        ("design", "design"),
        ("Marketing", "marketing"),
        ("SALES", "sales"),
        ("Finance", GENERIC),
        ("Nursing", GENERIC),
        ("", GENERIC),
        ("generic", GENERIC),
    ],
)
def test_domain_name_mapping(name: str, expected: str) -> None:
    assert domain_id(name) == expected


def test_domain_label_reads_naturally() -> None:
    assert domain_label(InterviewBrief(domain="data", role="x")) == "data science"
    assert domain_label(InterviewBrief(domain="Civil Engineering", role="x")) == "Civil Engineering"


@pytest.mark.parametrize("domain", [*FIELDS, "Finance"])
@pytest.mark.parametrize("qtype", TYPES)
@pytest.mark.parametrize("level", DIFFICULTIES)
def test_forty_picks_never_repeat(bank: QuestionBank, domain: str, qtype: str, level: str) -> None:
    session = brief(domain, qtype, level)
    rng = random.Random(7)
    asked: list[str] = []
    for _ in range(40):
        asked.append(bank.pick(session, asked, rng).id)
    assert len(set(asked)) == 40


@pytest.mark.parametrize("qtype", ["Technical", "Behavioral", "HR"])
def test_picks_prefer_the_chosen_domain_type_and_difficulty(bank: QuestionBank, qtype: str) -> None:
    session = brief("marketing", qtype, "Advanced")
    rng = random.Random(3)
    asked: list[str] = []
    available = count(bank, "marketing", qtype, "Advanced")
    for _ in range(available):
        asked.append(bank.pick(session, asked, rng).id)
    picked = [bank.get(i) for i in asked]
    assert all(q is not None and (q.domain, q.type, q.difficulty) == ("marketing", qtype, "Advanced") for q in picked)


def test_picks_fall_back_to_neighbouring_difficulty_then_generic(bank: QuestionBank) -> None:
    session = brief("design", "Technical", "Beginner")
    rng = random.Random(11)
    asked: list[str] = []
    for _ in range(count(bank, "design", "Technical", "Beginner")):
        asked.append(bank.pick(session, asked, rng).id)
    following = bank.pick(session, asked, rng)
    assert (following.domain, following.difficulty) == ("design", "Intermediate")
    for question in bank.select("design", "Technical"):
        asked.append(question.id)
    after_domain = bank.pick(session, asked, rng)
    assert (after_domain.domain, after_domain.type, after_domain.difficulty) == (GENERIC, "Technical", "Beginner")


def test_unknown_domain_uses_generic_questions(bank: QuestionBank) -> None:
    picked = bank.pick(brief("Underwater Basket Weaving", "Behavioral"), [], random.Random(1))
    assert picked.domain == GENERIC
    assert picked.type == "Behavioral"


def test_mixed_interleaves_types(bank: QuestionBank) -> None:
    session = brief("data", "Mixed")
    rng = random.Random(5)
    asked: list[str] = []
    types: list[str] = []
    for _ in range(8):
        question = bank.pick(session, asked, rng)
        asked.append(question.id)
        types.append(question.type)
    assert types == list(MIXED_CYCLE) * 2
    assert [question_type_for(session, i) for i in range(4)] == ["Technical", "Behavioral", "Technical", "HR"]


def test_pick_is_deterministic_for_a_seed(bank: QuestionBank) -> None:
    def run(seed: int) -> list[str]:
        rng, asked = random.Random(seed), list[str]()
        for _ in range(12):
            asked.append(bank.pick(brief("product", "Mixed"), asked, rng).id)
        return asked

    assert run(99) == run(99)
    assert any(run(seed) != run(99) for seed in range(5))


def test_pick_never_uses_the_global_random(bank: QuestionBank) -> None:
    random.seed(0)
    first = bank.pick(brief(), [], random.Random(4)).id
    random.seed(12345)
    assert bank.pick(brief(), [], random.Random(4)).id == first


def test_job_description_tailors_the_choice(bank: QuestionBank) -> None:
    jd = "We are hiring a frontend engineer to build our React and JavaScript single-page app."
    session = brief("software", "Technical", "Intermediate", job_description=jd)
    for seed in range(10):
        picked = bank.pick(session, [], random.Random(seed))
        assert "react" in picked.skills


def test_resume_tailors_the_choice(bank: QuestionBank) -> None:
    resume = "Analyst with five years of SQL experience: window functions, joins, reporting."
    session = brief("data", "Technical", "Beginner", resume=resume)
    picks = {bank.pick(session, [], random.Random(seed)).id for seed in range(10)}
    assert all("sql" in (bank.get(i) or pytest.fail(i)).skills for i in picks)


def test_skill_tags_match_whole_terms_only(bank: QuestionBank) -> None:
    # "reactive" must not count as "react".
    session = brief("software", "Technical", "Intermediate", job_description="A reactive, proactive person.")
    picks = {bank.pick(session, [], random.Random(seed)).id for seed in range(30)}
    assert len(picks) > 1


def test_candidates_are_ordered_by_fit(bank: QuestionBank) -> None:
    jd = "Experience with a/b testing and experimentation required."
    ordered = bank.candidates(brief("data", "Technical", "Advanced", job_description=jd))
    assert ordered[0].difficulty == "Advanced" and "a/b testing" in ordered[0].skills
    assert [q.difficulty for q in ordered] == sorted(
        (q.difficulty for q in ordered), key=lambda lv: {"Advanced": 0, "Intermediate": 1, "Beginner": 2}[lv]
    )
    mixed = bank.candidates(brief("data", "Mixed"))
    assert {q.type for q in mixed} == {"Technical", "Behavioral", "HR"}


def test_exhausting_a_tiny_bank_raises_a_clear_error() -> None:
    question = Question(
        id="x-1",
        domain=GENERIC,
        text="Why?",
        type="HR",
        difficulty="Beginner",
        key_points=("a", "b", "c"),
        skills=("y",),
        hint="Say why.",
    )
    tiny = QuestionBank([question], ["How are you?"])
    session = brief("generic", "HR", "Beginner")
    assert tiny.pick(session, [], random.Random(0)) is question
    with pytest.raises(BankExhaustedError, match="already been asked"):
        tiny.pick(session, ["x-1"], random.Random(0))


def test_duplicate_ids_are_rejected() -> None:
    question = Question("dup", GENERIC, "Why?", "HR", "Beginner", ("a", "b", "c"), ("y",), "Say why.")
    with pytest.raises(BankError, match="duplicate"):
        QuestionBank([question, question], ["How are you?"])


def test_questions_per_domain_are_balanced(bank: QuestionBank) -> None:
    per_domain = Counter(q.domain for q in bank.questions)
    assert set(per_domain) == set(DOMAINS)
    assert min(per_domain.values()) >= 30
