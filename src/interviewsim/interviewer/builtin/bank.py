"""The built-in question bank: loading, validation and question selection."""

from __future__ import annotations

import functools
import json
import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

from interviewsim.interviewer.base import InterviewBrief

TECHNICAL = "Technical"
BEHAVIORAL = "Behavioral"
HR = "HR"
MIXED = "Mixed"
QUESTION_TYPES: tuple[str, ...] = (TECHNICAL, BEHAVIORAL, HR)
DIFFICULTIES: tuple[str, ...] = ("Beginner", "Intermediate", "Advanced")
GENERIC = "generic"
DOMAINS: tuple[str, ...] = ("software", "data", "product", "design", "marketing", "sales", GENERIC)

# How a Mixed interview alternates question types: technical, behavioral, technical, HR, ...
MIXED_CYCLE: tuple[str, ...] = (TECHNICAL, BEHAVIORAL, TECHNICAL, HR)

DOMAIN_LABELS: dict[str, str] = {
    "software": "software engineering",
    "data": "data science",
    "product": "product management",
    "design": "UI/UX design",
    "marketing": "marketing",
    "sales": "sales",
}

_DOMAIN_ALIASES: dict[str, str] = {
    "software engineering": "software",
    "software development": "software",
    "data science": "data",
    "product management": "product",
    "ui/ux design": "design",
    "ui/ux": "design",
    "ux/ui design": "design",
    "ux design": "design",
    "ui design": "design",
}

# Neighbouring fields whose technical questions still make sense once a domain runs dry.
_RELATED_DOMAINS: dict[str, tuple[str, ...]] = {
    "software": ("data",),
    "data": ("software",),
    "product": ("design", "marketing"),
    "design": ("product",),
    "marketing": ("sales", "product"),
    "sales": ("marketing",),
    GENERIC: (),
}

_COMPANION_TYPES: dict[str, tuple[str, ...]] = {
    TECHNICAL: (BEHAVIORAL, HR),
    BEHAVIORAL: (HR, TECHNICAL),
    HR: (BEHAVIORAL, TECHNICAL),
}

_TYPE_ALIASES: dict[str, str] = {
    "technical": TECHNICAL,
    "behavioral": BEHAVIORAL,
    "behavioural": BEHAVIORAL,
    "hr": HR,
    "mixed": MIXED,
}

_DATA_PACKAGE = "interviewsim.interviewer.builtin"
_WARMUP_FILE = "warmup.json"
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


class BankError(ValueError):
    """The question bank data is malformed."""


class BankExhaustedError(LookupError):
    """Every suitable question has already been asked in this session."""


@dataclass(frozen=True)
class Question:
    """One interview question with what a good answer covers."""

    id: str
    domain: str
    text: str
    type: str
    difficulty: str
    key_points: tuple[str, ...]
    skills: tuple[str, ...]
    hint: str


def domain_id(domain: str) -> str:
    """Map a domain id or display name (any case) to a bank domain id; unknown names map to generic."""
    key = " ".join(domain.strip().lower().split())
    if key in DOMAINS:
        return key
    return _DOMAIN_ALIASES.get(key, GENERIC)


def domain_label(brief: InterviewBrief) -> str:
    """A readable name of the brief's field for use mid-sentence."""
    label = DOMAIN_LABELS.get(domain_id(brief.domain))
    if label is not None:
        return label
    return brief.domain.strip() or "your field"


def interview_type(brief: InterviewBrief) -> str:
    """The brief's interview type normalised to Technical, Behavioral, HR or Mixed."""
    return _TYPE_ALIASES.get(brief.interview_type.strip().lower(), MIXED)


def difficulty(brief: InterviewBrief) -> str:
    """The brief's difficulty normalised to Beginner, Intermediate or Advanced."""
    wanted = brief.difficulty.strip().lower()
    return next((level for level in DIFFICULTIES if level.lower() == wanted), "Intermediate")


def question_type_for(brief: InterviewBrief, index: int) -> str:
    """The question type to ask as the `index`-th core question (0-based) of this brief."""
    kind = interview_type(brief)
    return MIXED_CYCLE[index % len(MIXED_CYCLE)] if kind == MIXED else kind


def _skill_pattern(skill: str) -> re.Pattern[str]:
    """A pattern matching `skill` as a whole term in lowercase text."""
    return re.compile(r"(?<![a-z0-9])" + re.escape(skill) + r"(?![a-z0-9])")


def skill_matches(question: Question, text: str) -> int:
    """How many of the question's skill tags occur in lowercase `text`."""
    return sum(1 for skill in question.skills if _skill_pattern(skill).search(text))


def _tailoring_text(brief: InterviewBrief) -> str:
    """The job description and resume, lowercased, used to tailor question choice."""
    return " ".join(part for part in (brief.job_description, brief.resume) if part).lower()


class QuestionBank:
    """An immutable collection of questions and warm-ups with session-aware selection."""

    def __init__(self, questions: Iterable[Question], warmups: Sequence[str], openers: Sequence[str] = ()) -> None:
        """Index `questions` (unique ids required) and keep the warm-up and opener templates."""
        self._questions: tuple[Question, ...] = tuple(questions)
        self._by_id: dict[str, Question] = {}
        self._index: dict[tuple[str, str, str], list[Question]] = {}
        for question in self._questions:
            if question.id in self._by_id:
                raise BankError(f"duplicate question id {question.id!r}")
            self._by_id[question.id] = question
            self._index.setdefault((question.domain, question.type, question.difficulty), []).append(question)
        self._warmups: tuple[str, ...] = tuple(warmups)
        self._openers: tuple[str, ...] = tuple(openers) or self._warmups[:1]

    @classmethod
    def load(cls) -> QuestionBank:
        """Read and validate the packaged JSON question bank."""
        data_dir = resources.files(_DATA_PACKAGE).joinpath("data")
        questions: list[Question] = []
        warmups: list[str] = []
        openers: list[str] = []
        for entry in sorted(data_dir.iterdir(), key=lambda item: item.name):
            if not entry.name.endswith(".json"):
                continue
            payload = json.loads(entry.read_text(encoding="utf-8"))
            if entry.name == _WARMUP_FILE:
                warmups.extend(_parse_templates(payload, "warmups"))
                openers.extend(_parse_templates(payload, "openers"))
            else:
                questions.extend(_parse_domain_file(payload, entry.name))
        if not warmups:
            raise BankError(f"no warm-up questions found ({_WARMUP_FILE} missing)")
        return cls(questions, warmups, openers)

    @property
    def questions(self) -> tuple[Question, ...]:
        """Every question in load order."""
        return self._questions

    @property
    def warmups(self) -> tuple[str, ...]:
        """Warm-up templates, possibly with {role} and {domain} placeholders."""
        return self._warmups

    @property
    def openers(self) -> tuple[str, ...]:
        """The lightest warm-up questions, used right after the greeting."""
        return self._openers

    def get(self, question_id: str) -> Question | None:
        """The question with this id, or None."""
        return self._by_id.get(question_id)

    def select(self, domain: str, qtype: str | None = None, level: str | None = None) -> list[Question]:
        """Questions of a domain id, optionally filtered by type and difficulty, in load order."""
        types = (qtype,) if qtype else QUESTION_TYPES
        levels = (level,) if level else DIFFICULTIES
        return [q for t in types for lv in levels for q in self._index.get((domain, t, lv), [])]

    def warmup_questions(self, brief: InterviewBrief) -> list[str]:
        """The warm-up questions with the brief's role and domain filled in (role ones need a role)."""
        return _render(self._warmups, brief)

    def opening_questions(self, brief: InterviewBrief) -> list[str]:
        """The opener questions with the brief's role and domain filled in."""
        return _render(self._openers, brief)

    def candidates(self, brief: InterviewBrief) -> list[Question]:
        """The brief's domain questions of its type(s), best fit first (difficulty, then skills, then id)."""
        kind = interview_type(brief)
        types = QUESTION_TYPES if kind == MIXED else (kind,)
        level = DIFFICULTIES.index(difficulty(brief))
        text = _tailoring_text(brief)
        pool = [q for t in types for q in self.select(domain_id(brief.domain), t)]
        return sorted(
            pool,
            key=lambda q: (abs(DIFFICULTIES.index(q.difficulty) - level), -skill_matches(q, text), q.id),
        )

    def pick(self, brief: InterviewBrief, asked_ids: Iterable[str], rng: random.Random) -> Question:
        """Choose the next unasked core question for this brief; raise BankExhaustedError when none is left."""
        asked = set(asked_ids)
        qtype = question_type_for(brief, len(asked))
        text = _tailoring_text(brief)
        for tier in self._tiers(domain_id(brief.domain), qtype, difficulty(brief)):
            fresh = [q for q in tier if q.id not in asked]
            if fresh:
                return _choose(fresh, text, rng)
        raise BankExhaustedError(
            f"every suitable question for domain {brief.domain!r} ({brief.interview_type}, "
            f"{brief.difficulty}) has already been asked ({len(asked)} asked in this session)"
        )

    def _tiers(self, domain: str, qtype: str, level: str) -> Iterable[list[Question]]:
        """Candidate groups in order of preference, most suitable first."""
        home = (domain,) if domain == GENERIC else (domain, GENERIC)
        for source in (*home, *_RELATED_DOMAINS[domain]):
            for group in _levels_by_distance(level):
                yield [q for lv in group for q in self._index.get((source, qtype, lv), [])]
        for companion in _COMPANION_TYPES[qtype]:
            for source in home:
                yield self.select(source, companion)
        # Work-situation questions transfer between fields; other fields' technical ones do not.
        yield [q for q in self._questions if q.type in (BEHAVIORAL, HR)]


def _levels_by_distance(level: str) -> list[list[str]]:
    """Difficulty groups ordered by distance from `level`: itself, its neighbours, then the rest."""
    centre = DIFFICULTIES.index(level)
    groups: list[list[str]] = []
    for distance in range(len(DIFFICULTIES)):
        group = [lv for i, lv in enumerate(DIFFICULTIES) if abs(i - centre) == distance]
        if group:
            groups.append(group)
    return groups


def _choose(fresh: list[Question], text: str, rng: random.Random) -> Question:
    """Pick among `fresh`, preferring questions whose skills appear in the tailoring text."""
    if text:
        scores = [skill_matches(q, text) for q in fresh]
        best = max(scores)
        if best > 0:
            fresh = [q for q, score in zip(fresh, scores, strict=True) if score == best]
    return rng.choice(sorted(fresh, key=lambda q: q.id))


@functools.lru_cache(maxsize=1)
def default_bank() -> QuestionBank:
    """The packaged question bank, loaded once on first use."""
    return QuestionBank.load()


def _render(templates: Sequence[str], brief: InterviewBrief) -> list[str]:
    """Fill {role} and {domain} from the brief, dropping role templates when there is no role."""
    values = {"role": brief.role.strip(), "domain": domain_label(brief)}
    usable = [t for t in templates if values["role"] or "{role}" not in t]
    return [_PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), t) for t in usable]


def _parse_templates(payload: Any, key: str) -> list[str]:
    """Validate one list of single-question templates in the warm-up file."""
    items = payload.get(key) if isinstance(payload, dict) else None
    if not isinstance(items, list) or not items or not all(isinstance(item, str) for item in items):
        raise BankError(f"{_WARMUP_FILE} must hold a non-empty list of strings under {key!r}")
    for item in items:
        _check_single_question(item, key)
    return list(items)


def _parse_domain_file(payload: Any, filename: str) -> list[Question]:
    """Validate one domain file and build its questions."""
    if not isinstance(payload, dict) or not isinstance(payload.get("questions"), list):
        raise BankError(f"{filename}: expected {{'domain': str, 'questions': [...]}}")
    domain = payload.get("domain")
    if domain not in DOMAINS:
        raise BankError(f"{filename}: unknown domain {domain!r}")
    return [_parse_question(raw, str(domain), filename) for raw in payload["questions"]]


def _parse_question(raw: Any, domain: str, filename: str) -> Question:
    """Validate one raw question mapping and build a Question."""
    if not isinstance(raw, dict):
        raise BankError(f"{filename}: question entries must be objects")
    where = f"{filename}:{raw.get('id', '?')}"
    strings = {name: raw.get(name) for name in ("id", "text", "type", "difficulty", "hint")}
    if not all(isinstance(value, str) and value.strip() for value in strings.values()):
        raise BankError(f"{where}: id, text, type, difficulty and hint must be non-empty strings")
    key_points, skills = _string_list(raw.get("key_points")), _string_list(raw.get("skills"))
    if key_points is None or not 3 <= len(key_points) <= 6:
        raise BankError(f"{where}: key_points must be 3-6 strings")
    if skills is None or not skills or any(skill != skill.lower() for skill in skills):
        raise BankError(f"{where}: skills must be a non-empty list of lowercase strings")
    question = Question(
        id=str(strings["id"]),
        domain=domain,
        text=str(strings["text"]),
        type=str(strings["type"]),
        difficulty=str(strings["difficulty"]),
        key_points=tuple(key_points),
        skills=tuple(skills),
        hint=str(strings["hint"]),
    )
    _check_question(question, where)
    return question


def _string_list(value: Any) -> list[str] | None:
    """`value` if it is a list of non-empty strings, else None."""
    if isinstance(value, list) and all(isinstance(item, str) and item.strip() for item in value):
        return list(value)
    return None


def _check_question(question: Question, where: str) -> None:
    """Enforce the invariants the interviewer relies on."""
    if question.type not in QUESTION_TYPES:
        raise BankError(f"{where}: type must be one of {QUESTION_TYPES}")
    if question.difficulty not in DIFFICULTIES:
        raise BankError(f"{where}: difficulty must be one of {DIFFICULTIES}")
    _check_single_question(question.text, where)
    # Hints are spoken before the restated question, which must stay the only question mark.
    if "?" in question.hint:
        raise BankError(f"{where}: hint must be a statement without '?'")


def _check_single_question(text: str, where: str) -> None:
    """Require exactly one question mark, at the end."""
    if text.count("?") != 1 or not text.endswith("?"):
        raise BankError(f"{where}: {text!r} must contain exactly one '?', at the end")
