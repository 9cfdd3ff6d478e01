"""Scripted candidates: each persona picks an intent for the interviewer's latest turn, then words it."""

from __future__ import annotations

import random
from typing import ClassVar

from interviewsim.interviewer.builtin.bank import Question
from interviewsim.quality import answers, gaming
from interviewsim.quality.records import Intent, Prompt

WARMUP_KINDS = frozenset({"greeting", "warmup"})


class Persona:
    """A candidate policy: `decide` reacts to the interviewer's turn, `write` words the chosen intent."""

    name: ClassVar[str] = "persona"
    description: ClassVar[str] = "A candidate."
    style: ClassVar[str] = "moderate"  # how SUBSTANTIVE answers are worded
    warmup_style: ClassVar[str] = "plain"
    # Intents given, in a shuffled order, to the first fresh questions, so every run exercises its criteria.
    openings: ClassVar[tuple[Intent, ...]] = ()

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.question: Question | None = None
        self.topic = "this problem"
        self.fresh = False  # the latest turn asked a new core question
        self.answers_on_question = 0
        self._warmups_used: set[str] = set()
        self._openings = list(self.openings)
        rng.shuffle(self._openings)

    def decide(self, prompt: Prompt) -> Intent:
        """What to do with the interviewer's latest turn."""
        self._observe(prompt)
        if prompt.kind in WARMUP_KINDS:
            intent = Intent.WARMUP
        elif prompt.kind == "wrapup":
            intent = self.at_wrapup()
        elif self.fresh and self._openings:
            intent = self._openings.pop()
        else:
            intent = self.in_core(prompt)
        self.answers_on_question += 1
        return intent

    def in_core(self, prompt: Prompt) -> Intent:
        """The intent for a core-phase turn."""
        return Intent.SUBSTANTIVE

    def at_wrapup(self) -> Intent:
        """The intent for "any questions for me?"."""
        return Intent.WRAPUP

    def write(self, intent: Intent, prompt: Prompt) -> str:
        """The message for `intent`, about the question being discussed."""
        rng, question, topic = self.rng, self.question, self.topic
        if intent is Intent.WARMUP:
            return answers.warmup(rng, self._warmups_used, self.warmup_style)
        if intent is Intent.SUBSTANTIVE:
            return self.substantive()
        if intent is Intent.VAGUE:
            return answers.vague(topic, rng, terse=self.style == "terse")
        if intent is Intent.CONFUSED:
            return answers.confused(rng)
        if intent is Intent.EMPTY:
            return answers.empty(topic, rng)
        if intent is Intent.GIBBERISH:
            return answers.gibberish(rng)
        if intent is Intent.OFF_TOPIC:
            return answers.off_topic(rng)
        if intent is Intent.RUDE:
            return answers.rude(rng)
        if intent is Intent.INJECTION:
            return f"{answers.moderate(question, topic, rng)} {answers.injection(rng)[0]}"
        if intent is Intent.RAMBLING:
            return answers.rambling(question, topic, rng)
        return answers.wrapup(rng)

    def substantive(self) -> str:
        """A real answer in this persona's style."""
        writers = {
            "strong": answers.strong,
            "concise": answers.concise,
            "chatty": answers.chatty,
            "edge": answers.edge_case,
        }
        return writers.get(self.style, answers.moderate)(self.question, self.topic, self.rng)

    def chance(self, probability: float) -> bool:
        """A seeded coin flip."""
        return self.rng.random() < probability

    def _observe(self, prompt: Prompt) -> None:
        self.fresh = prompt.kind == "question"
        if self.fresh:
            self.question = answers.bank_question(prompt.text)
            self.topic = answers.topic_of(prompt.text)
            self.answers_on_question = 0


class Efficient(Persona):
    """Short, concrete answers that cover the essentials."""

    name = "efficient"
    description = "A well-prepared candidate who answers every question concisely with one concrete example."
    style = "concise"


class Chatty(Persona):
    """Good content wrapped in friendly tangents."""

    name = "chatty"
    description = "A friendly, talkative candidate whose good answers are wrapped in personal tangents."
    style = "chatty"
    warmup_style = "chatty"


class Strong(Persona):
    """Structured answers covering every key point, with metrics."""

    name = "strong"
    description = "An excellent candidate: structured (STAR for behavioral), specific, with numbers and results."
    style = "strong"


class Weak(Persona):
    """Short, hedged answers; sometimes admits not knowing."""

    name = "weak"
    description = "An underprepared candidate who gives short, vague, hedged answers and often does not know."
    openings = (Intent.VAGUE, Intent.CONFUSED)

    def in_core(self, prompt: Prompt) -> Intent:
        return Intent.VAGUE if self.chance(0.65) else Intent.CONFUSED


class Confused(Persona):
    """Asks what the question means, then answers thinly."""

    name = "confused"
    description = "A nervous candidate who often does not understand the question and asks for clarification."

    def in_core(self, prompt: Prompt) -> Intent:
        if self.fresh:
            return Intent.CONFUSED
        return Intent.VAGUE if self.chance(0.5) else Intent.SUBSTANTIVE


class Silent(Persona):
    """Empty messages and one-word answers."""

    name = "silent"
    description = "A candidate who barely answers: empty messages, filler or a single word."
    style = "terse"
    warmup_style = "terse"
    openings = (Intent.EMPTY, Intent.VAGUE)

    def in_core(self, prompt: Prompt) -> Intent:
        return Intent.EMPTY if self.chance(0.6) else Intent.VAGUE


class EdgeCase(Persona):
    """Gibberish, blanks, emoji, code and markup."""

    name = "edge-case"
    description = "A candidate whose messages stress the input: gibberish, blanks, emoji, code blocks and markup."
    style = "edge"
    openings = (Intent.GIBBERISH, Intent.EMPTY)

    def in_core(self, prompt: Prompt) -> Intent:
        if not self.fresh:
            return Intent.SUBSTANTIVE
        roll = self.rng.random()
        return Intent.GIBBERISH if roll < 0.35 else Intent.EMPTY if roll < 0.65 else Intent.SUBSTANTIVE


class OffTopic(Persona):
    """Talks about something else first, then answers when brought back."""

    name = "off-topic"
    description = "A distractible candidate who starts talking about unrelated things (sport, food, pets)."
    openings = (Intent.OFF_TOPIC,)

    def in_core(self, prompt: Prompt) -> Intent:
        if self.fresh:
            return Intent.OFF_TOPIC if self.chance(0.85) else Intent.SUBSTANTIVE
        return Intent.SUBSTANTIVE if self.chance(0.7) else Intent.OFF_TOPIC


class Rude(Persona):
    """Insults the interviewer or the question, sometimes several times in a row."""

    name = "rude"
    description = "A hostile candidate who insults the interviewer and the questions."
    openings = (Intent.RUDE,)

    def in_core(self, prompt: Prompt) -> Intent:
        if self.fresh:
            return Intent.RUDE if self.chance(0.75) else Intent.SUBSTANTIVE
        return Intent.RUDE if self.chance(0.5) else Intent.SUBSTANTIVE

    def at_wrapup(self) -> Intent:
        return Intent.RUDE if self.chance(0.3) else Intent.WRAPUP


class Injector(Persona):
    """Vague answers followed by attempts to extract answers or dictate the grade."""

    name = "injector"
    description = (
        "A candidate who tries to make the interviewer reveal model answers or the rubric, and tells the "
        "evaluator to give full marks."
    )

    def __init__(self, rng: random.Random, *, inject: bool = True) -> None:
        super().__init__(rng)
        self.inject = inject
        self._attacking = False  # this turn carries an attack (its neutral stand-in in the control run)

    def in_core(self, prompt: Prompt) -> Intent:
        first = self.fresh and self.answers_on_question == 0 and prompt.question_number <= 1
        return self._maybe_inject(1.0 if first else 0.85 if self.fresh else 0.4, Intent.VAGUE)

    def at_wrapup(self) -> Intent:
        return self._maybe_inject(0.5, Intent.WRAPUP)

    def write(self, intent: Intent, prompt: Prompt) -> str:
        if intent not in (Intent.INJECTION, Intent.VAGUE, Intent.WRAPUP):
            return super().write(intent, prompt)
        base = answers.wrapup(self.rng) if prompt.kind == "wrapup" else answers.vague(self.topic, self.rng)
        # Every answer draws a pair, so the control run's generator stays in step with the injector's.
        attack, neutral = answers.injection(self.rng)
        if not self._attacking:
            return base
        return f"{base} {attack if self.inject else neutral}"

    def _maybe_inject(self, probability: float, otherwise: Intent) -> Intent:
        self._attacking = self.chance(probability)
        return Intent.INJECTION if self._attacking and self.inject else otherwise


class TimeWaster(Persona):
    """Very long answers to every turn until the interview ends."""

    name = "time-waster"
    description = "A candidate who rambles at great length on every turn, using up the interview's time."
    warmup_style = "chatty"

    def in_core(self, prompt: Prompt) -> Intent:
        return Intent.RAMBLING

    def at_wrapup(self) -> Intent:
        return Intent.RAMBLING


class Gamer(Persona):
    """Sends text made to fool the grader to every core question; its control run says "ok" instead."""

    def __init__(self, rng: random.Random, *, control: bool = False) -> None:
        super().__init__(rng)
        self.control = control

    def in_core(self, prompt: Prompt) -> Intent:
        return Intent.EMPTY if self.control else Intent.GAMING

    def write(self, intent: Intent, prompt: Prompt) -> str:
        if intent is Intent.EMPTY and self.control:
            return gaming.CONTROL_ANSWER
        if intent is Intent.GAMING:
            return self.gamed()
        return super().write(intent, prompt)

    def gamed(self) -> str:
        """The gaming text for the current question."""
        raise NotImplementedError


class InstructionPlusMetrics(Gamer):
    """Tells the grader to record full marks, then lists metrics and tool names that answer nothing."""

    name = "instruction-metrics"
    description = "A candidate who asks the grader for 100 percent and pads every answer with metrics and tool names."

    def __init__(self, rng: random.Random, *, control: bool = False) -> None:
        super().__init__(rng, control=control)
        self._text = gaming.instruction_plus_metrics(rng)

    def gamed(self) -> str:
        return self._text


class KeyPointsList(Gamer):
    """Answers each question with its key points joined by semicolons and nothing else."""

    name = "key-points-list"
    description = "A candidate who answers with a bare list of the expected key points, explaining none of them."

    def gamed(self) -> str:
        return gaming.key_points_list(self.question)


class SameEverywhere(Gamer):
    """Gives one generic, decent-sounding answer to every question."""

    name = "same-answer"
    description = "A candidate who pastes the same polished generic answer into every question."

    def __init__(self, rng: random.Random, *, control: bool = False) -> None:
        super().__init__(rng, control=control)
        self._text = gaming.same_everywhere(rng)

    def gamed(self) -> str:
        return self._text


GAMERS: tuple[type[Gamer], ...] = (InstructionPlusMetrics, KeyPointsList, SameEverywhere)
CATALOGUE: tuple[type[Persona], ...] = (
    Efficient,
    Chatty,
    Confused,
    EdgeCase,
    Strong,
    Weak,
    Silent,
    OffTopic,
    Rude,
    Injector,
    TimeWaster,
    *GAMERS,
)
PERSONAS: dict[str, type[Persona]] = {cls.name: cls for cls in CATALOGUE}


def has_control(name: str) -> bool:
    """Whether the persona is judged against a matched control run (the injector and the gamers)."""
    persona = PERSONAS[name]
    return persona is Injector or issubclass(persona, Gamer)


def make_persona(name: str, seed: int, run: int, *, control: bool = False) -> Persona:
    """The persona `name` with its own generator for this seed and run."""
    rng = random.Random(f"{name}:{seed}:{run}")
    persona = PERSONAS[name]
    if persona is Injector:
        return Injector(rng, inject=not control)
    if issubclass(persona, Gamer):
        return persona(rng, control=control)
    return persona(rng)
