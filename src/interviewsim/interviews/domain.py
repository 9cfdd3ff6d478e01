"""Interview domain types: where an interview stands, what a turn asks for, what a reply did."""

from __future__ import annotations

import enum


class Phase(enum.StrEnum):
    """Where an interview stands; the server owns the transitions."""

    WARMUP = "warmup"
    CORE = "core"
    WRAPUP = "wrapup"
    ENDED = "ended"


class Directive(enum.StrEnum):
    """What the server asks the interviewer to do on this turn."""

    GREET = "greet"  # open the interview and ask the first light warm-up question
    WARMUP = "warmup"  # acknowledge, ask the next light warm-up question
    TRANSITION = "transition"  # leave the warm-up and ask the first core question
    CORE = "core"  # react to the answer: follow up, redirect, or ask the next core question
    WRAPUP = "wrapup"  # core questions done: invite the candidate's own questions
    CLOSE = "close"  # say goodbye; the interview ends with this reply


class TurnKind(enum.StrEnum):
    """What an interviewer reply did; the server counts core questions by it."""

    GREETING = "greeting"
    WARMUP = "warmup"
    QUESTION = "question"  # a new core question (counts toward the plan)
    FOLLOW_UP = "follow_up"  # probes the previous answer (does not count)
    REDIRECT = "redirect"  # brings an off-topic answer back to the question
    CLARIFY = "clarify"  # explains / rephrases the question for a confused candidate
    REPHRASE_REQUEST = "rephrase_request"  # asks the candidate to rephrase unintelligible input
    PROFESSIONALISM = "professionalism"  # calm reminder after a rude message
    WRAPUP = "wrapup"
    CLOSING = "closing"  # final goodbye; ends the interview
