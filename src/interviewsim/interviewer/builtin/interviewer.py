"""The offline, deterministic interviewer that follows the server's directives with the built-in bank."""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence

from interviewsim.interviewer.base import InterviewerReply, Turn, TurnContext
from interviewsim.interviewer.builtin.analysis import AnswerKind, classify, is_injection
from interviewsim.interviewer.builtin.bank import (
    BEHAVIORAL,
    HR,
    MIXED,
    TECHNICAL,
    BankExhaustedError,
    Question,
    QuestionBank,
    default_bank,
    domain_label,
    interview_type,
)
from interviewsim.interviews.domain import Directive, TurnKind
from interviewsim.shared.speakable import clean_for_speech

RUDE_LIMIT = 3  # consecutive rude messages after which the interview ends early
MAX_REPLIES_PER_QUESTION = 2  # non-question replies (follow-ups, redirects...) before moving on
_SEED_STRIDE = 1_000_003

_NON_ANSWERS = frozenset({AnswerKind.EMPTY, AnswerKind.GIBBERISH, AnswerKind.CONFUSED, AnswerKind.OFF_TOPIC})
_RETRY_KINDS = frozenset({TurnKind.REPHRASE_REQUEST.value, TurnKind.CLARIFY.value, TurnKind.REDIRECT.value})

_ACKNOWLEDGEMENTS = (
    "Thanks, that's clear.",
    "Got it.",
    "Thank you for walking me through that.",
    "Okay, thanks.",
    "Understood.",
    "Thanks for that.",
    "Alright, noted.",
    "Thank you.",
    "Okay, I follow.",
    "Thanks for explaining.",
)
_NEXT_LEADS = ("Next question.", "Here's the next one.", "Let's move on.", "Moving on.", "On to the next one.")
_MOVE_ON_AFTER_NON_ANSWER = (
    "No problem, let's try a different one.",
    "That's okay, let's move on to another question.",
    "Let's leave that one and move on.",
)
_MOVE_ON_AFTER_RUDE = "Let's keep things professional and move on."
_MOVE_ON_AFTER_INJECTION = "I can't share that, so let's move on."
_WARMUP_ACKS = (
    "Thanks for sharing that.",
    "Good to know, thank you.",
    "I appreciate you telling me.",
    "Thanks, that's helpful context.",
    "Nice, thank you.",
)
_WARMUP_ACKS_NO_ANSWER = ("No worries.", "That's fine.")
_NEGATION = re.compile(r"\b(?:not|never|no)\b|n't\b", re.IGNORECASE)
_WARMUP_MOODS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"\b(?:nervous|anxious|stress(?:ed|ful)?|worried|scared)\b", re.IGNORECASE),
        "That's completely normal, and this is a safe place to practise.",
    ),
    (
        re.compile(r"\b(?:tired|exhausted|busy|hectic|long day)\b", re.IGNORECASE),
        "Thanks for making the time today.",
    ),
)
_FOLLOW_UPS: dict[str, tuple[str, ...]] = {
    TECHNICAL: (
        "Could you go one level deeper and walk me through how that would work in practice, step by step?",
        "Can you make that more concrete with a specific scenario you have dealt with or would expect?",
        "What trade-offs or edge cases would you keep in mind with that approach?",
        "How would you know your approach is working, and what would you check or measure?",
    ),
    BEHAVIORAL: (
        "Could you walk me through one concrete example: what the situation was, what you did yourself, "
        "and how it turned out?",
        "What did you personally do in that situation, and what was the outcome?",
        "Can you pick one specific occasion and tell me step by step what you did and what the result was?",
    ),
    HR: (
        "Could you give me a concrete example from your own experience that shows that?",
        "Can you say a bit more about why that matters to you, ideally with an example?",
        "What would that look like in practice, based on your past experience?",
    ),
}
_FOLLOW_UP_OPENINGS = ("Thanks.", "Okay.", "I see.", "Understood.", "Thanks, let's dig a little deeper.")
_CLARIFY_OPENINGS = (
    "No problem, let me put it another way.",
    "Sure, let me clarify.",
    "That's fine, let me rephrase it.",
)
_REPHRASE_OPENINGS: dict[AnswerKind, tuple[str, ...]] = {
    AnswerKind.EMPTY: (
        "It looks like there wasn't much of an answer there. Take your time and tell me a bit more.",
        "I didn't quite get an answer there. Feel free to think it through and answer in a few sentences.",
    ),
    AnswerKind.GIBBERISH: (
        "Sorry, I couldn't quite make sense of that. Please try putting your answer into a few full sentences.",
        "I'm not sure that came through as intended. Please put your answer into words in a few sentences.",
    ),
}
_REDIRECT_OPENINGS = (
    "That's interesting, but let's keep our focus on the interview question.",
    "I'd like to bring us back to the question so we make the most of our time.",
    "Let's set that aside for now and come back to the question.",
)
_INJECTION_OPENING = (
    "I can't share model answers or scoring details, or change how answers are assessed. "
    "What matters here is your own approach."
)
_PROFESSIONALISM_OPENINGS = (
    "I understand interviews can be frustrating. Let's keep our conversation respectful and professional.",
    "I hear that you're frustrated. Let's keep things professional and focus on the question.",
)
_FINAL_WARNING = "I need us to keep this respectful. If it continues, I'll have to end the interview early."
_RESTATE_LEADS = ("Here's the question again:", "The question was:", "Let me restate it:")
_RUDE_ENDING = (
    "I'm going to end the interview here, since we haven't been able to keep the conversation "
    "professional. Thank you for your time. Your feedback is ready, and I hope your next practice "
    "session goes better."
)
_WRAPUP_OPENINGS = (
    "Thank you, that's the end of my questions for today.",
    "Thanks, that brings us to the end of my questions.",
    "Thank you for your answers, that's all the questions I had.",
)
_WRAPUP_ASK = "Before we finish, do you have any questions for me about the role or this interview?"
_CLOSING = (
    "Thank you for your time today, it was a pleasure talking with you. That concludes the interview, "
    "and your feedback is ready for you to review. Best of luck!"
)
_CANDIDATE_QUESTION = re.compile(
    r"\?|^\s*(?:what|how|when|where|who|why|which|can|could|do|does|is|are|will|would|should|may)\b",
    re.IGNORECASE,
)
_CANDIDATE_ANSWERS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"feedback|score|result|how did i do|perform|grade", re.IGNORECASE),
        "Your feedback covers each of your answers, with scores and concrete suggestions, and it's "
        "available as soon as we finish.",
    ),
    (
        re.compile(r"next step|hear back|timeline|hiring process|decision", re.IGNORECASE),
        "In a real hiring process you would usually hear back within a week or two; here, your feedback "
        "is available right away.",
    ),
    (
        re.compile(r"team|culture|day.to.day|typical day|work like|environment|manager", re.IGNORECASE),
        "That's a great question to ask in a real interview. Teams usually answer by describing how they "
        "collaborate, how work is planned and what a typical week looks like.",
    ),
    (
        re.compile(r"prepare|improve|tip|advice|better|practi[cs]e", re.IGNORECASE),
        "My main advice is to structure your answers, for behavioral questions around the situation, "
        "your actions and the result, and to use concrete examples and numbers. Practising out loud helps "
        "a lot.",
    ),
)
_DEFAULT_CANDIDATE_ANSWER = (
    "That's a good question. In a real interview, the interviewer would answer it from their own "
    "experience of the team and the company, and asking thoughtful questions like that leaves a strong "
    "impression."
)
_TYPE_WORDS = {TECHNICAL: "a technical", BEHAVIORAL: "a behavioral", HR: "an HR"}


def _reply(text: str, kind: TurnKind, question_id: str | None = None, *, end: bool = False) -> InterviewerReply:
    """Build a reply whose voice is the speakable version of its text."""
    return InterviewerReply(text=text, voice=clean_for_speech(text), kind=kind, question_id=question_id, end=end)


def _rng(context: TurnContext) -> random.Random:
    """A generator seeded by the session seed and the turn number, so each turn is reproducible."""
    return random.Random(context.seed * _SEED_STRIDE + len(context.transcript))


def _choose(rng: random.Random, options: Sequence[str], avoid: str = "") -> str:
    """Pick an option, skipping ones already present in `avoid` (the previous reply) when possible."""
    fresh = [option for option in options if option not in avoid] or list(options)
    return rng.choice(fresh)


def _last_user_message(transcript: Sequence[Turn]) -> str:
    """The candidate's latest message, or an empty string if the last turn is not theirs."""
    return transcript[-1].text if transcript and transcript[-1].role == "user" else ""


def _last_assistant_text(transcript: Sequence[Turn]) -> str:
    """The text of the interviewer's previous turn."""
    return next((turn.text for turn in reversed(transcript) if turn.role == "assistant"), "")


def asked_question_ids(transcript: Sequence[Turn]) -> list[str]:
    """Ids of the core questions asked so far, in order, without duplicates."""
    return list(dict.fromkeys(turn.question_id for turn in transcript if turn.question_id))


def _current_question_turn(transcript: Sequence[Turn]) -> Turn | None:
    """The latest interviewer turn that asked or probed a core question."""
    return next((turn for turn in reversed(transcript) if turn.role == "assistant" and turn.question_id), None)


def _replies_on(transcript: Sequence[Turn], question_id: str) -> list[Turn]:
    """Interviewer turns about `question_id` that did not ask it (follow-ups, redirects...)."""
    return [
        turn
        for turn in transcript
        if turn.role == "assistant" and turn.question_id == question_id and turn.kind != TurnKind.QUESTION
    ]


def _warmup_ack(context: TurnContext, rng: random.Random) -> str:
    """A short acknowledgement of a warm-up answer that fits its mood when that is obvious."""
    message = _last_user_message(context.transcript)
    before = _last_assistant_text(context.transcript)
    kind = classify(message, None, context.brief)
    if kind in (AnswerKind.EMPTY, AnswerKind.GIBBERISH):
        return _choose(rng, _WARMUP_ACKS_NO_ANSWER, before)
    if not _NEGATION.search(message):
        for pattern, ack in _WARMUP_MOODS:
            if pattern.search(message):
                return ack
    return _choose(rng, _WARMUP_ACKS, before)


class BuiltinInterviewer:
    """A rule-based interviewer: no network, deterministic for a given seed and transcript."""

    name: str = "builtin"
    can_stream: bool = False

    def __init__(self, bank: QuestionBank | None = None) -> None:
        """Use `bank`, or the packaged question bank by default."""
        self._bank = bank if bank is not None else default_bank()

    @property
    def bank(self) -> QuestionBank:
        """The question bank this interviewer draws from."""
        return self._bank

    async def respond(self, context: TurnContext) -> InterviewerReply:
        """Return the next interviewer turn for the server's directive."""
        return self._handler(context.directive)(context, _rng(context))

    def _handler(self, directive: Directive) -> Callable[[TurnContext, random.Random], InterviewerReply]:
        """The method that implements `directive`."""
        handlers: dict[Directive, Callable[[TurnContext, random.Random], InterviewerReply]] = {
            Directive.GREET: self._greet,
            Directive.WARMUP: self._warmup,
            Directive.TRANSITION: self._transition,
            Directive.CORE: self._core,
            Directive.WRAPUP: self._wrapup,
            Directive.CLOSE: self._close,
        }
        return handlers[directive]

    def _greet(self, context: TurnContext, rng: random.Random) -> InterviewerReply:
        """Welcome the candidate, explain the format and ask a first light question."""
        brief = context.brief
        role, label = brief.role.strip(), domain_label(brief)
        welcome = (
            f"Hello, and welcome! I'll be your interviewer today for the **{role}** role in {label}."
            if role
            else f"Hello, and welcome! I'll be your interviewer today for this {label} interview."
        )
        planned = context.questions_planned or max(1, round(brief.duration / 3))
        noun = "question" if planned == 1 else "questions"
        kinds = {TECHNICAL: "technical ", BEHAVIORAL: "behavioral ", HR: "HR ", MIXED: ""}
        mix = " covering technical, behavioral and HR topics" if interview_type(brief) == MIXED else ""
        plan = (
            f"We'll start with a couple of warm-up questions, then move on to about {planned} core "
            f"{kinds[interview_type(brief)]}{noun}{mix} over the next {brief.duration} minutes. "
            "Take your time with each answer."
        )
        opener = rng.choice(self._bank.opening_questions(brief))
        return _reply(f"{welcome} {plan}\n\nTo start with something light: {opener}", TurnKind.GREETING)

    def _warmup(self, context: TurnContext, rng: random.Random) -> InterviewerReply:
        """Acknowledge the warm-up answer and ask a different light question."""
        if context.consecutive_rude >= RUDE_LIMIT:
            return _reply(_RUDE_ENDING, TurnKind.CLOSING, end=True)
        return _reply(f"{_warmup_ack(context, rng)} {self._next_warmup(context, rng)}", TurnKind.WARMUP)

    def _next_warmup(self, context: TurnContext, rng: random.Random) -> str:
        """A warm-up question not yet asked in this session (any, once all have been used)."""
        asked = " ".join(turn.text for turn in context.transcript if turn.role == "assistant")
        options = self._bank.warmup_questions(context.brief)
        fresh = [option for option in options if option not in asked]
        return rng.choice(fresh or options)

    def _transition(self, context: TurnContext, rng: random.Random) -> InterviewerReply:
        """Leave the warm-up and ask the first core question."""
        if context.consecutive_rude >= RUDE_LIMIT:
            return _reply(_RUDE_ENDING, TurnKind.CLOSING, end=True)
        return self._ask_next(
            context, rng, "Thanks — let's move into the main part of the interview. Here's the first question:"
        )

    def _ask_next(self, context: TurnContext, rng: random.Random, opening: str) -> InterviewerReply:
        """Ask a new core question after `opening`; wrap up if the bank has nothing left."""
        try:
            question = self._bank.pick(context.brief, asked_question_ids(context.transcript), rng)
        except BankExhaustedError:
            return self._wrapup(context, rng)
        text = " ".join(part for part in (opening, question.text) if part)
        return _reply(text, TurnKind.QUESTION, question.id)

    def _core(self, context: TurnContext, rng: random.Random) -> InterviewerReply:
        """React to the latest answer: probe, redirect, clarify, or ask the next core question."""
        transcript = context.transcript
        if context.consecutive_rude >= RUDE_LIMIT:
            return _reply(_RUDE_ENDING, TurnKind.CLOSING, end=True)
        current = _current_question_turn(transcript)
        if current is None or current.question_id is None:
            return self._ask_next(context, rng, "Let's begin with the first question.")
        question = self._bank.get(current.question_id)
        message = _last_user_message(transcript)
        kind = classify(message, question, context.brief)
        injection = is_injection(message) and kind is not AnswerKind.RUDE
        replies = _replies_on(transcript, current.question_id)
        if question is None or len(replies) >= MAX_REPLIES_PER_QUESTION:
            return self._move_on(context, rng, kind, injection, question)
        if kind is AnswerKind.RUDE:
            return self._professionalism(context, rng, question)
        repeated_non_answer = any(turn.kind in _RETRY_KINDS for turn in replies)
        if injection or kind in _NON_ANSWERS:
            if repeated_non_answer:
                return self._move_on(context, rng, kind, injection, question)
            return self._retry(rng, kind, injection, question)
        followed_up = any(turn.kind == TurnKind.FOLLOW_UP for turn in replies)
        if kind is AnswerKind.SHORT_OR_VAGUE and not followed_up:
            return self._follow_up(context, rng, question)
        return self._move_on(context, rng, kind, injection, question)

    def _retry(self, rng: random.Random, kind: AnswerKind, injection: bool, question: Question) -> InterviewerReply:
        """Give the candidate another go at the same question, in the way that fits their message."""
        if injection:
            return _reply(
                f"{_INJECTION_OPENING} Let's come back to the question: {question.text}",
                TurnKind.REDIRECT,
                question.id,
            )
        if kind is AnswerKind.CONFUSED:
            opening = rng.choice(_CLARIFY_OPENINGS)
            text = f"{opening} {question.hint} So, the question is: {question.text}"
            return _reply(text, TurnKind.CLARIFY, question.id)
        if kind is AnswerKind.OFF_TOPIC:
            text = f"{rng.choice(_REDIRECT_OPENINGS)} {rng.choice(_RESTATE_LEADS)} {question.text}"
            return _reply(text, TurnKind.REDIRECT, question.id)
        opening = rng.choice(_REPHRASE_OPENINGS[kind])
        text = f"{opening} {rng.choice(_RESTATE_LEADS)} {question.text}"
        return _reply(text, TurnKind.REPHRASE_REQUEST, question.id)

    def _professionalism(self, context: TurnContext, rng: random.Random, question: Question) -> InterviewerReply:
        """Respond calmly to a rude message and restate the question; warn before the last chance."""
        if context.consecutive_rude >= RUDE_LIMIT - 1:
            opening = _FINAL_WARNING
        else:
            opening = _choose(rng, _PROFESSIONALISM_OPENINGS, _last_assistant_text(context.transcript))
        text = f"{opening} {rng.choice(_RESTATE_LEADS)} {question.text}"
        return _reply(text, TurnKind.PROFESSIONALISM, question.id)

    def _follow_up(self, context: TurnContext, rng: random.Random, question: Question) -> InterviewerReply:
        """Ask one probing follow-up for specifics without hinting at the expected answer."""
        asked = [turn.text for turn in context.transcript if turn.kind == TurnKind.FOLLOW_UP]
        probe = _choose(rng, _FOLLOW_UPS.get(question.type, _FOLLOW_UPS[TECHNICAL]), " ".join(asked))
        # Once a long interview has used every probe, the opening keeps the reply unlike any earlier follow-up.
        unsaid = [opening for opening in _FOLLOW_UP_OPENINGS if f"{opening} {probe}" not in asked]
        opening = _choose(rng, unsaid or _FOLLOW_UP_OPENINGS, _last_assistant_text(context.transcript))
        return _reply(f"{opening} {probe}", TurnKind.FOLLOW_UP, question.id)

    def _move_on(
        self,
        context: TurnContext,
        rng: random.Random,
        kind: AnswerKind,
        injection: bool,
        previous: Question | None,
    ) -> InterviewerReply:
        """Close the current question with a neutral, non-grading line and ask the next one."""
        if context.questions_asked >= context.questions_planned:
            return self._wrapup(context, rng)
        try:
            question = self._bank.pick(context.brief, asked_question_ids(context.transcript), rng)
        except BankExhaustedError:
            return self._wrapup(context, rng)
        before = _last_assistant_text(context.transcript)
        lead = ""
        if kind is AnswerKind.RUDE:
            opening = _MOVE_ON_AFTER_RUDE
        elif injection:
            opening = _MOVE_ON_AFTER_INJECTION
        elif kind in _NON_ANSWERS:
            opening = _choose(rng, _MOVE_ON_AFTER_NON_ANSWER, before)
        else:
            opening, lead = _choose(rng, _ACKNOWLEDGEMENTS, before), _choose(rng, _NEXT_LEADS, before)
        if previous is not None and question.type != previous.type:
            # Announcing the change of type keeps a Mixed interview from feeling abrupt.
            lead = f"Now for {_TYPE_WORDS[question.type]} question."
        text = " ".join(part for part in (opening, lead, question.text) if part)
        return _reply(text, TurnKind.QUESTION, question.id)

    def _wrapup(self, context: TurnContext, rng: random.Random) -> InterviewerReply:
        """Thank the candidate and invite their own questions."""
        return _reply(f"{rng.choice(_WRAPUP_OPENINGS)} {_WRAPUP_ASK}", TurnKind.WRAPUP)

    def _close(self, context: TurnContext, rng: random.Random) -> InterviewerReply:
        """Answer a final candidate question briefly, if there is one, then say goodbye."""
        message = _last_user_message(context.transcript).strip()
        answer = ""
        if _CANDIDATE_QUESTION.search(message):
            answer = next(
                (text for pattern, text in _CANDIDATE_ANSWERS if pattern.search(message)),
                _DEFAULT_CANDIDATE_ANSWER,
            )
        return _reply(" ".join(part for part in (answer, _CLOSING) if part), TurnKind.CLOSING, end=True)
