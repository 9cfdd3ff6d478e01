"""Pure measurements of answer text: numbers, names, examples, story steps, fillers, hedges and key points.

Words, stems and stopwords come from `interviewsim.language`, shared with the built-in interviewer.
"""

from __future__ import annotations

import re
from itertools import pairwise

from interviewsim.language.stems import STOPWORDS, wordset
from interviewsim.language.text import fold, sentences, word_count

TECH_TERMS = wordset(
    """
    api apis graphql grpc http https tcp udp dns tls ssl cdn sql nosql postgres postgresql mysql
    sqlite mongodb redis memcached kafka rabbitmq sqs kinesis elasticsearch cassandra dynamodb bigquery
    snowflake spark hadoop airflow dbt etl python java javascript typescript golang rust kotlin
    ruby php scala c++ c# react angular vue node django flask fastapi docker kubernetes k8s
    terraform ansible jenkins ci cd aws gcp azure lambda s3 ec2 linux git microservices microservice
    monolith index indexes indexing cache caching sharding replication partitioning latency throughput
    concurrency thread threads async mutex deadlock hashmap hash queue stack heap tree graph recursion
    algorithm complexity big-o oauth jwt encryption pytorch tensorflow sklearn pandas numpy regression
    classification embeddings transformer llm precision recall f1 auc overfitting a/b kpi kpis roi okr
    okrs sla slo slis slos p99 p95 figma jira agile scrum kanban tableau looker powerbi salesforce
    hubspot seo sem crm ebitda gaap dcf npv irr cohort funnel churn retention
    """
)

_NUMBER = re.compile(r"(?<![\w.])[$€£]?\d+(?:[.,]\d+)*\s?(?:%|percent\b|x\b|k\b)?")
_METRIC_WORDS = re.compile(r"\b(?:doubled|tripled|halved|quadrupled)\b")
_TOKEN = re.compile(r"[A-Za-z][\w+#]*")
_NAMED = re.compile(r"[A-Z]{2,}\w*|[a-z]+[A-Z]\w*|[A-Z][a-z]+[A-Z]\w*")
_TITLE = re.compile(r"[A-Z][a-z][\w+#]*")
_EXAMPLE_CUES = re.compile(
    r"\b(?:for example|for instance|e\.g\.|such as|in my (?:last|previous|current) (?:role|job|team|company|project)"
    r"|at my (?:last|previous|current) (?:role|job|team|company)|in one project|on one project"
    r"|we had a|i once|last year)\b"
)
_STAR_CUES: dict[str, re.Pattern[str]] = {
    "situation": re.compile(
        r"\b(?:when (?:i|we) (?:was|were|joined|worked|started)|at my (?:last|previous|current)"
        r"|in my (?:last|previous|current)|we had|there was|the situation|at the time|our team"
        r"|last year|a few (?:months|years) ago|while (?:i was )?working)\b"
    ),
    "task": re.compile(
        r"\b(?:i was responsible|i was (?:asked|tasked)|my (?:role|task|job|goal) was|the goal was"
        r"|i needed to|i had to|we needed to|we had to|the challenge was|the problem was)\b"
    ),
    "action": re.compile(
        r"\b(?:i decided|so i|i (?:then )?(?:led|built|wrote|set up|organi[sz]ed|proposed|created|designed"
        r"|introduced|implemented|talked|met|scheduled|started|worked with|reached out|spoke|made"
        r"|took|ran|chose|brought|negotiated|rewrote|added|mentored|paired|asked|explained))\b"
    ),
    "result": re.compile(
        r"\b(?:as a result|which led to|that led to|this led to|resulted in|the result|in the end"
        r"|ultimately|the outcome|we (?:shipped|delivered|launched|hit|met|cut|reduced|saved)"
        r"|(?:reduced|increased|improved|cut|saved|grew|raised|lowered) (?:\w+ ){0,4}(?:by|from|to)"
        r"|i learned|we learned)\b"
    ),
}
_CONNECTIVES = re.compile(
    r"\b(?:first|firstly|second|secondly|then|next|finally|because|therefore|so that|for example"
    r"|for instance|however|on the other hand|trade-?offs?|the downside|in summary|overall|which means"
    r"|as a result|instead|whereas)\b"
)
# "kind of" after a determiner names a kind ("this kind of question"); elsewhere it hedges ("kind of fixed it").
_KIND_OF = r"(?<!\bthis )(?<!\bthat )(?<!\bwhat )(?<!\bthe )(?<!\ba )(?<!\bany )(?<!\bsame )(?<!\bone )(?:kind|sort) of"
_FILLERS = re.compile(r"\b(?:u+m+|u+h+|uhm+|erm+|er|hmm+|you know|basically|" + _KIND_OF + r"|i mean|literally)\b")
_FILLER_LIKE = re.compile(r"(?:^|[,.;!?]\s*)like\b|\blike\s*,|\b(?:and|was|were) like\b")
_HEDGES = re.compile(
    r"\b(?:maybe|perhaps|possibly|probably|i guess|i suppose|not (?:really |totally |entirely |too )?sure"
    r"|" + _KIND_OF + r"|might be|could be|i don't really|hopefully|not certain|no idea|i'm not confident)\b"
)
_ASSERTIVE = re.compile(
    r"\b(?:i (?:led|built|designed|implemented|decided|delivered|owned|drove|created|launched|shipped"
    r"|wrote|architected|reduced|improved|increased|migrated|automated|introduced|proposed|mentored"
    r"|organi[sz]ed|negotiated|resolved|fixed|optimi[sz]ed|set up|made sure|ensured|chose|recommend"
    r"|added|found|ran|owned|handled|applied|verified|measured|checked|focused|concentrated|cut|saved|rolled out"
    r"|(?:would|will) (?:use|start|choose|make|add|measure|build|design|focus))"
    r"|i'd (?:use|start|choose|recommend|make|add|measure|build|design|focus)|i'm confident"
    r"|definitely|certainly|clearly)\b"
)
_DONT_KNOW = re.compile(
    r"\b(?:i (?:really )?(?:don't|dont|do not) (?:really )?know|idk|no idea|no clue|i (?:can't|cannot|don't) "
    r"remember|i'm not familiar|i am not familiar|never heard of|i have no experience)\b"
)
# First-person past actions ("we measured", "I used"): the candidate's own work, not a tangent.
DID = re.compile(r"\b(?:i|we) (?:\w+ed|built|led|made|ran|wrote|set up|cut|kept|chose|took|found)\b")
_GIVE_UP_WHOLE = re.compile(r"^\W*(?:pass|skip|next|no|nope|nothing|n/?a|dunno)\W*$")


def number_count(text: str) -> int:
    """Numbers, percentages, money and multipliers in the text, plus words like "doubled"."""
    return len(_NUMBER.findall(text)) + len(_METRIC_WORDS.findall(fold(text)))


def has_metric(text: str) -> bool:
    """Whether the text quantifies anything."""
    return number_count(text) > 0


def named_terms(text: str) -> list[str]:
    """Distinct technologies, acronyms and proper nouns, in order of first use."""
    found: dict[str, str] = {}
    for sentence in sentences(text.replace("’", "'").replace("‘", "'")):
        for index, token in enumerate(_TOKEN.findall(sentence)):
            lowered = token.lower()
            # A capitalised first word only marks the sentence start, not a name.
            named = _NAMED.fullmatch(token) or (index > 0 and _TITLE.fullmatch(token))
            if lowered in TECH_TERMS or (named and lowered not in STOPWORDS):
                found.setdefault(lowered, token)
    return list(found.values())


def example_cue_count(text: str) -> int:
    """Phrases that introduce a concrete example or past experience."""
    return len(_EXAMPLE_CUES.findall(fold(text)))


def specificity(text: str) -> float:
    """0-1: how concrete the text is (numbers, named things, examples)."""
    numbers = min(number_count(text), 3) * 0.15
    named = min(len(named_terms(text)), 5) * 0.1
    examples = min(example_cue_count(text), 2) * 0.15
    return min(1.0, numbers + named + examples)


def star_components(text: str) -> dict[str, bool]:
    """Which of situation, task, action and result the text signals."""
    lowered = fold(text)
    return {part: bool(pattern.search(lowered)) for part, pattern in _STAR_CUES.items()}


def star_score(text: str) -> float:
    """0-1: STAR completeness, with a bonus for a measured result."""
    parts = star_components(text)
    base = sum(parts.values()) / len(parts) * 0.85
    return min(1.0, base + (0.15 if has_metric(text) else 0.0))


def connective_count(text: str) -> int:
    """Signposting and reasoning connectives ("first", "because", "however")."""
    return len(_CONNECTIVES.findall(fold(text)))


def structure_score(text: str, behavioral: bool = False) -> float:
    """0-1: organisation of an answer; STAR counts for behavioral answers."""
    multi_sentence = 0.3 if len(sentences(text)) >= 2 else 0.0
    organised = min(1.0, multi_sentence + min(connective_count(text), 4) * 0.175)
    return max(organised, star_score(text)) if behavioral else organised


def filler_count(text: str) -> int:
    """Filler words and phrases ("um", "you know", filler "like")."""
    lowered = fold(text)
    return len(_FILLERS.findall(lowered)) + len(_FILLER_LIKE.findall(lowered))


def filler_rate(text: str) -> float:
    """Fillers per 100 words."""
    count = word_count(text)
    return 100.0 * filler_count(text) / count if count else 0.0


def hedge_phrases(text: str) -> list[str]:
    """The hedging phrases used ("maybe", "I guess", "not sure"), lower-cased, in order."""
    return _HEDGES.findall(fold(text))


def hedge_count(text: str) -> int:
    """Number of hedging phrases."""
    return len(hedge_phrases(text))


def assertive_count(text: str) -> int:
    """Ownership and confident phrases ("I led", "I built", "definitely")."""
    return len(_ASSERTIVE.findall(fold(text)))


def says_dont_know(text: str) -> bool:
    """Whether the text admits not knowing ("I don't know", "no idea")."""
    lowered = fold(text)
    return bool(_DONT_KNOW.search(lowered) or _GIVE_UP_WHOLE.match(lowered))


def gives_up(text: str) -> bool:
    """Whether the answer is essentially a non-answer: a short "I don't know" or "pass"."""
    return says_dont_know(text) and word_count(text) < 30


def length_quality(count: int) -> float:
    """0-1: how healthy an answer length is; one-liners and rambling both lose."""
    # Full credit from 45 words: a concise answer with the point and one example is long enough.
    points = ((0, 0.0), (1, 0.1), (8, 0.2), (25, 0.7), (45, 1.0), (350, 1.0), (700, 0.5), (1500, 0.2))
    if count >= points[-1][0]:
        return points[-1][1]
    for (x0, y0), (x1, y1) in pairwise(points):
        if x0 <= count < x1:
            return y0 + (y1 - y0) * (count - x0) / (x1 - x0)
    return 0.0


def clarity(text: str) -> float:
    """0-1: readable sentence lengths; very long run-on sentences lose."""
    lengths = [word_count(s) for s in sentences(text)]
    lengths = [n for n in lengths if n]
    if not lengths:
        return 0.0
    average = sum(lengths) / len(lengths)
    if average < 5:
        return 0.5
    if average <= 30:
        return 1.0
    return max(0.3, 1.0 - (average - 30) / 50)
