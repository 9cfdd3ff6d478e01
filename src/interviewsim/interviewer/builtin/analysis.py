"""Dictionary-free heuristics that classify a candidate's message relative to the current question.

Words, stems and conduct (rudeness, gibberish, prompt injection) come from `interviewsim.language`, shared with
the evaluator, so both read an answer the same way.
"""

from __future__ import annotations

import enum
import functools
import re

from interviewsim.interviewer.base import InterviewBrief
from interviewsim.interviewer.builtin.bank import BEHAVIORAL, HR, Question, domain_id
from interviewsim.language.conduct import is_gibberish, is_rude
from interviewsim.language.conduct import is_injection as is_injection  # re-exported for the interviewer
from interviewsim.language.stems import content_stems, vocabulary, wordset
from interviewsim.language.text import fold


class AnswerKind(enum.StrEnum):
    """What a candidate's message is, as far as the interviewer's next move is concerned."""

    EMPTY = "empty"
    GIBBERISH = "gibberish"
    RUDE = "rude"
    CONFUSED = "confused"
    OFF_TOPIC = "off_topic"
    SHORT_OR_VAGUE = "short_or_vague"
    SUBSTANTIVE = "substantive"


SHORT_ANSWER_WORDS = 25
_MIN_CONCISE_WORDS = 15
_MIN_OFF_TOPIC_WORDS = 4
_MAX_CONFUSED_REMAINDER = 4

_TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
_ELONGATED_FILLER = re.compile(r"h*m+|u+[mh]+|e+r+m*|a+h+|o+h+|o+k+(?:a+y+)?|y+e+a*[hs]+|n+o+|l+o+l+|b+l+a+h+")
_FILLERS = wordset(
    "ok okay k kk yes yeah yep yup no nope nah sure fine hmm hm um umm uh uhh er erm ah oh mm right "
    "cool alright well so maybe hi hello hey thanks thank you lol blah pass skip next dunno"
)

# Words any reasoned answer may use; they keep real answers in other words from looking off topic.
_REASONING_VOCAB = """approach solution problem step first second next check compare measure
test improve result example case data time value use make build ensure understand analyse analyze
plan goal process decision decide option trade risk impact cost benefit priority prioritise
prioritize question answer explain idea experience learn information number metric user customer
client business product company work job role skill task fix issue change quality performance
tool system method strategy research evidence reason requirement feedback review simple complex
fast slow scale success fail failure improve efficient"""

_PEOPLE_VOCAB = """team teammate colleague coworker manager boss lead leader leadership report
stakeholder client customer partner vendor project deadline conflict disagree disagreement feedback
situation task action result outcome responsible responsibility ownership mistake learn lesson
communicate communication meeting call email schedule pressure stress motivate motivation career
growth goal strength weakness salary compensation culture value values challenge difficult
support help mentor mentoring coach promote promotion hire hiring interview company organisation
organization office remote colleague department role position job opportunity experience skill
improve success achievement proud initiative decision handle manage management priority
prioritise prioritize plan planning deliver delivery launch quarter month week year day"""

_DOMAIN_VOCAB: dict[str, str] = {
    "software": """code coding program programming software function method class object variable
    loop array list string map hash tree graph stack queue algorithm complexity memory cpu
    performance database sql query index table schema api rest http request response server client
    cache latency throughput test testing unit integration deploy deployment build pipeline bug
    debug error exception log logging monitor service microservice system design architecture
    scale scalable thread process concurrency lock network git commit branch merge review library
    framework language python java javascript typescript react frontend backend cloud docker
    kubernetes container security authentication encryption refactor interface module dependency
    release production incident outage version compile runtime storage file pointer recursion""",
    "data": """data dataset analysis analytics analyst model modelling modeling machine learning
    train training test validation feature features label prediction predict regression
    classification cluster clustering statistic statistics statistical probability distribution
    mean median variance deviation hypothesis significance sample sampling experiment metric sql
    query table join python pandas numpy notebook visualization visualisation chart dashboard
    pipeline etl warehouse bias overfit overfitting accuracy precision recall correlation causal
    outlier missing clean cleaning insight trend forecast algorithm tree forest boosting neural
    spark airflow column row record""",
    "product": """product feature user users customer market roadmap backlog priority prioritize
    prioritise metric metrics kpi okr goal strategy vision launch release mvp prototype experiment
    test research interview feedback persona journey funnel conversion retention churn engagement
    growth revenue pricing stakeholder engineering design requirement story sprint agile scope
    tradeoff impact value segment competitor competition adoption onboarding analytics data""",
    "design": """design designer user users ux ui interface layout visual typography color colour
    contrast spacing grid component prototype wireframe mockup figma sketch usability test testing
    research interview persona journey flow navigation accessibility wcag screen mobile desktop
    responsive interaction button form icon hierarchy brand style system pattern feedback iterate
    iteration stakeholder developer handoff heuristic task empathy card sorting""",
    "marketing": """marketing market campaign brand branding audience segment customer content
    channel social media email seo search ads advertising paid organic budget spend conversion
    funnel lead leads traffic click ctr cpc cpa roi roas cac ltv metric analytics attribution
    persona positioning message messaging launch growth retention engagement awareness test
    copy landing page creative influencer partnership pr""",
    "sales": """sales sell selling deal deals pipeline prospect prospects lead leads customer client
    buyer quota revenue close closing negotiate negotiation discount price pricing objection demo
    discovery call meeting crm forecast territory account accounts renewal upsell contract proposal
    value roi stakeholder decision champion budget follow followup relationship outreach email
    cold qualify qualification commission target""",
}

_CONFUSED = re.compile(
    r"\b(?:i\s+)?(?:really\s+)?(?:do\s*n[o']?t|dont|didn'?t|did not)\s+(?:really\s+)?"
    r"(?:know|understand|follow|catch|see what|get (?:it|that|this|the question|what|you))\b"
    r"|\bidk\b|\bno idea\b|\bno clue\b|\bclueless\b|\bnot (?:really |quite |totally |entirely )?sure\b"
    r"|\b(?:can|could|would|will) you\s+(?:please\s+)?(?:clarify|explain|repeat|rephrase|elaborate|"
    r"say (?:that|it) again|give (?:me )?an example|be more specific|ask (?:it )?differently)\b"
    r"|\bwhat (?:do|did) you mean\b|\bwhat does (?:that|this|it) mean\b|\bmeaning of\b"
    r"|\b(?:i'?m|i am|im)\s+(?:a bit |a little |bit |totally |completely |so |kind of |kinda )?"
    r"(?:confused|lost|stuck|unsure)\b"
    r"|\bconfus\w*\b|\b(?:repeat|rephrase|reword) (?:the|that|your|it)\b|\bsay (?:that|it) again\b"
    r"|\bwhat (?:was|is) the question\b|\bwhat are you asking\b|\bare you asking\b|\bdo you mean\b"
    r"|\bwhich (?:part|one) do you mean\b|\bnot familiar with\b|\bnever heard of\b"
    r"|\b(?:should|can|may|do) i (?:assume|answer|talk about|focus on|describe)\b"
    r"|\bcome again\b|\bpardon\b|\bhuh\b"
)

_CONCRETE = re.compile(
    r"\d|[(){}\[\]=<>_]|\w\.\w"
    r"|\b(?:for example|for instance|e\.g|such as|specifically|in particular|in my (?:last|previous|"
    r"current)|at my (?:last|previous|current)|my (?:last|previous|current) (?:job|role|team|company|"
    r"manager|project))\b"
    r"|\b(?:i|we)\s+(?:(?!need\b|feed\b|speed\b)\w+ed|was|were|had|built|led|made|took|ran|wrote|found|did|got|gave|went|"
    r"chose|set|sent|began|brought|spoke|told|saw|knew|met|put|kept|held|won|lost|sold|spent|paid|"
    r"drew|shipped|learnt|rewrote|taught|caught|fought|thought|felt|left|hit)\b"
    r"|\b(?:last|this past|that) (?:year|month|quarter|week|summer|spring|autumn|fall|winter|sprint)\b"
)
_CAPITALISED_MID_SENTENCE = re.compile(r"(?<=[a-z,;:] )[A-Z][A-Za-z]+")
_ACRONYM = re.compile(r"\b(?!OK\b)[A-Z][A-Z0-9]{1,}\b")


def _overlap(message: frozenset[str], reference: frozenset[str]) -> int:
    """How many of the message's stems are also reference stems (whole stems, never shared prefixes)."""
    return len(message & reference)


@functools.cache
def _vocab(name: str) -> frozenset[str]:
    """Stems of a named vocabulary ("reasoning", "people" or a domain id), stemmed on first use."""
    words = {"reasoning": _REASONING_VOCAB, "people": _PEOPLE_VOCAB}.get(name) or _DOMAIN_VOCAB.get(name, "")
    return vocabulary(words)


def _question_stems(question: Question) -> frozenset[str]:
    """Stems of everything the question says about itself."""
    parts = (question.text, question.hint, *question.key_points, *question.skills)
    return content_stems(" ".join(parts))


def _reference_stems(question: Question, brief: InterviewBrief) -> frozenset[str]:
    """The vocabulary an on-topic answer to `question` is expected to touch."""
    stems = _question_stems(question) | _vocab("reasoning")
    for domain in (domain_id(brief.domain), question.domain):
        stems |= _vocab(domain)
    if question.type in (BEHAVIORAL, HR):
        stems |= _vocab("people")
    return stems


def is_confused(message: str) -> bool:
    """Whether the message mainly asks for clarification or says the candidate does not know."""
    text = fold(message).strip()
    if re.fullmatch(r"[?\s]+|(?:what|sorry|eh|hm+)\s*\?+", text):
        return True
    if not _CONFUSED.search(text):
        return False
    if text.endswith("?") and len(_TOKEN.findall(text)) < SHORT_ANSWER_WORDS:
        return True
    remainder = _CONFUSED.sub(" ", text)
    return len(content_stems(remainder)) <= _MAX_CONFUSED_REMAINDER


def _is_filler(message: str) -> bool:
    """A few filler words only, such as "ok", "um yeah" or "hmmm"."""
    tokens = [fold(t) for t in _TOKEN.findall(message)]
    return 0 < len(tokens) <= 3 and all(t in _FILLERS or _ELONGATED_FILLER.fullmatch(t) for t in tokens)


def _is_concrete(message: str) -> bool:
    """Whether the message has specifics: numbers, examples, a past story, names or technical terms."""
    if _CONCRETE.search(fold(message)):
        return True
    return bool(_CAPITALISED_MID_SENTENCE.search(message) or _ACRONYM.search(message))


def _mostly_latin(message: str) -> bool:
    """Whether most words are in Latin script, the only one the vocabularies cover."""
    words = [fold(w).replace("'", "") for w in _WORD.findall(message)]
    return sum(1 for w in words if w.isascii() and w.isalpha()) * 2 >= len(words)


def _is_off_topic(message: str, question: Question | None, brief: InterviewBrief) -> bool:
    """A substantive message sharing no vocabulary with the question, its key points or the field."""
    if question is None or not _mostly_latin(message):
        return False
    stems = content_stems(message)
    if len(stems) < _MIN_OFF_TOPIC_WORDS:
        return False
    return _overlap(stems, _reference_stems(question, brief)) == 0


def _is_short_or_vague(message: str, question: Question | None) -> bool:
    """Under ~25 words (unless concise, concrete and on point), or long but generic."""
    words = len(_TOKEN.findall(message))
    concrete = _is_concrete(message)
    on_point = _overlap(content_stems(message), _question_stems(question)) if question else 0
    if words < SHORT_ANSWER_WORDS:
        return not (words >= _MIN_CONCISE_WORDS and concrete and on_point >= 3)
    if len(content_stems(message)) < 6:
        return True
    return not concrete and on_point <= 2


def _is_blank(message: str) -> bool:
    """No letters, digits or symbols: empty, whitespace or punctuation such as "..."."""
    return not re.search(r"[^\W_]|[^\s\w.,;:!?'\"()\-…]", message)


def classify(message: str, question: Question | None, brief: InterviewBrief) -> AnswerKind:
    """Classify a candidate message relative to the current question (None when there is none)."""
    if _is_blank(message):
        return AnswerKind.CONFUSED if message.strip().startswith("?") else AnswerKind.EMPTY
    if is_rude(message):
        return AnswerKind.RUDE
    if is_confused(message):
        return AnswerKind.CONFUSED
    if _is_filler(message):
        return AnswerKind.EMPTY
    if is_gibberish(message):
        return AnswerKind.GIBBERISH
    if len(_TOKEN.findall(message)) <= 1:
        return AnswerKind.EMPTY
    if _is_off_topic(message, question, brief):
        return AnswerKind.OFF_TOPIC
    if _is_short_or_vague(message, question):
        return AnswerKind.SHORT_OR_VAGUE
    return AnswerKind.SUBSTANTIVE
