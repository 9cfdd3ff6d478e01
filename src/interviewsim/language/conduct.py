"""What a candidate's message does besides answering: insults, keyboard mashing, or instructions to the AI.

One set of detectors for the whole app: the built-in interviewer uses them to choose its reply, the built-in
evaluator to cut attacks out of answers and to mark conduct down. Pure functions of the text, no state.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Iterable

from interviewsim.language.stems import wordset as _wordset
from interviewsim.language.text import fold

__all__ = ["fold", "injection_spans", "is_gibberish", "is_injection", "is_rude", "strip_injection"]


# --- rudeness ----------------------------------------------------------------------------------

_TOKEN = re.compile(r"[^\W_]+(?:'[^\W_]+)*")
_RUDE_ALWAYS = (
    # Profanity, whatever it is aimed at.
    r"\b(?:fuck\w*|f\*+k\w*|f\*{3}|motherf\w*|shit\w*|sh\*t|bullshit|asshole\w*|arsehole\w*|bitch\w*|"
    r"bastard\w*|cunt\w*|dickhead\w*|wanker\w*|twat\w*|dumbass\w*|jackass\w*|douche\w*|crap|crappy|"
    r"retard(?:ed|s)?|stfu|wtf|gtfo)\b",
    # Insults aimed at the interviewer.
    r"\b(?:you|u)(?:'re| are| r|re)?\s+(?:so |such an? |a |an |really |totally |completely |just )*"
    r"(?:useless|stupid|dumb|idiot\w*|moron\w*|pathetic|incompetent|worthless|trash|garbage|clown\w*|"
    r"loser|imbecile|annoying|a joke|terrible|awful|braindead|brain dead)\b",
    # Contempt for the interview itself.
    r"\b(?:stupid|dumb|idiotic|moronic|pointless|ridiculous|useless|lame|crap|crappy|garbage|trash|"
    r"worthless|bs)\s+(?:questions?|interviews?|interviewers?|bots?|ai|apps?|systems?)\b",
    r"\b(?:this|these) (?:interview|questions?|app|bot)\s*(?:is|'s|are)\s+(?:so |really |totally |just )?"
    r"(?:stupid|dumb|idiotic|garbage|trash|crap|ridiculous|pointless|a joke)\b",
    r"\b(?:this interview|these questions|you)\s*(?:is|'s|are|'re)\s+(?:a |such a |just a )?(?:complete |total )?"
    r"waste of (?:my )?time\b",
    r"\b(?:shut up|screw (?:you|this|off)|go to hell|piss off|bugger off|sod off|kiss my|i hate you|"
    r"waste of my time|who (?:the hell |tf |the fuck )cares)\b|^\W*who cares\b",
)
# Judgements like "this is stupid" are hostile as a reply, but can be part of a story in a long answer.
_RUDE_SHORT = (
    r"\b(?:this|that|these|your questions?)\s*(?:is|'s|are|s)\s+(?:so |really |totally |just )?"
    r"(?:stupid|dumb|idiotic|bullshit|garbage|trash|crap|ridiculous|pointless|a joke|"
    r"(?:a |such a |just a )?(?:complete |total )?waste of time)\b"
    r"|\bwhat a (?:complete |total )?waste of (?:my )?time\b",
)
# Searched one by one: joined into one alternation they defeat the engine's first-character skip
# (39 µs joined against 31 apart on a 50-word answer, and every answer is searched).
_RUDE = tuple(re.compile(p) for p in _RUDE_ALWAYS)
_RUDE_IN_SHORT = re.compile("|".join(f"(?:{p})" for p in _RUDE_SHORT))
RUDE_SHORT_WORDS = 30
# Self-deprecating phrasing such as "sorry, maybe a dumb question" is not aimed at the interviewer.
_SELF_DEPRECATING = re.compile(
    r"\b(?:sorry|maybe|might be|may be|probably|possibly|if this is)\b[^.!?]{0,20}"
    r"\b(?:stupid|dumb|silly)\s+question\b"
)


def is_rude(text: str) -> bool:
    """Whether the text swears, or insults the interviewer or the interview."""
    folded = fold(text)
    if "question" in folded and _SELF_DEPRECATING.search(folded):
        return False
    if any(pattern.search(folded) for pattern in _RUDE):
        return True
    return bool(_RUDE_IN_SHORT.search(folded)) and len(_TOKEN.findall(folded)) < RUDE_SHORT_WORDS


# --- gibberish ---------------------------------------------------------------------------------

_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)*")
_VOWELS = frozenset("aeiouy")
_GIBBERISH_SHARE = 0.5
_MAX_WORD = 25
_TRIPLE_LETTER = re.compile(r"([a-z])\1\1")
# Letter pairs English (and the other Latin-script languages candidates write in) almost never has.
_RARE_BIGRAM = re.compile(
    r"q[^uaeio]|jq|jx|jz|qj|qx|qz|vq|vx|vj|xj|xz|zx|zj|jv|wx|xw|fq|gq|kq|pq|wq|zq|cj|hj|jk|kj|"
    r"v[bcdfghjkmpqwxz]|x[bdfgjkmnqrvwxz]"
)
_KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
# Runs of keys that mashing produces: five on the top row ("erty" is in "property"), four on the others.
_KEYBOARD_RUNS = frozenset(
    row[i : i + size] if forward else row[::-1][i : i + size]
    for row, size in zip(_KEYBOARD_ROWS, (5, 4, 4), strict=True)
    for forward in (True, False)
    for i in range(len(row) - size + 1)
)
# Words, abbreviations and tool names that break the letter rules below.
_KNOWN_WORDS = _wordset(
    """
    mr mrs ms dr st nd rd th vs hmm hm mm pls plz thx brr shh psst tsk nth hr yrs pm tbh btw imo lgtm ppl
    msg km kg cm px pt llm tts stt cpp mpeg django
    sql mysql nosql postgresql sqlite graphql bigquery sqs css npm pnpm cv pc tv db df np js ts ml mlops nlp
    crm kpi kpis cms cdn dns ssh tls ssl ftp sftp tcp udp ip http https www html xml pdf svg png jpg jpeg
    gif csv tsv json yaml xlsx ppt pptx doc docx rgb cmyk wcag cpu gpu tpu php gcp dcf npv irr ebitda
    b2b b2c seo sem ppc ctr cpc cpm cpa cac ltv mrr arr nps csat gmv qbr sdr bdr gtm mql mvp okr okrs
    crud grpc mvc mvvm jwt cli gui sdk jdk jvm gc pr prs cd ci k8s nginx kubectl kubelet etcd dtype dtypes
    fsck grep sed awk npx rbac hdfs hbase lstm cnn rnn gpt bert xgboost lgbm knn svm pca sgd dbt
    rhythm rhythms strength strengths length lengths lengthwise twelfth twelfths sixth sixths eighth eighths
    angst angsts worlds warmth depth depths width widths breadth breadths tenths fifths glimpsed
    """
)
_CONTRACTION = re.compile(r"(?:n't|'s|'ll|'re|'ve|'d|'m)$")
_DIGRAPHS = re.compile(r"ch|ck|gh|ng|ph|sh|th|wh")
# Consonant clusters that can start a word (English, plus the common German, Dutch and Romance ones).
_ONSETS = _wordset(
    """
    b bl br c ch chl chr cl cr d dr dw f fl fr g gh gl gn gr gw h j k kh kl kn kr kw l ll m mn n p pf pfl pfr
    ph phl phr pl pn pr ps pt q r rh s sc sch schl schm schn schr schw scl scr sh shl shm shn shr sk skl skr sl
    sm sn sp sph spl spr sq st str sv sw sz t th thr thw tr ts tsch tw tz v vl vr w wh wr x z zh zw
    """
)
# Clusters of four or more sounds that can end a word ("ngths" is three: ng, th, s).
_LONG_CODAS = _wordset("lfths mpts rlds ngsts rsts ndths lpts ncts xths rchs ksts rths")


def _units(cluster: str) -> int:
    """Consonant sounds in a cluster, counting ch, ng, th and the like as one."""
    return len(_DIGRAPHS.sub("1", cluster))


def _coda(cluster: str) -> bool:
    """Whether consonants can end a syllable: up to three sounds, or a known longer ending."""
    return _units(cluster) <= 3 or cluster in _LONG_CODAS


def _medial(cluster: str) -> bool:
    """Whether consonants between vowels split into a syllable end and a syllable start."""
    cuts = range(len(cluster) + 1)
    return any(_coda(cluster[:cut]) and (cut == len(cluster) or cluster[cut:] in _ONSETS) for cut in cuts)


def _clusters_plausible(word: str) -> bool:
    """Whether every consonant cluster of the word could occur where it stands."""
    runs = re.split(r"[aeiouy]+", word)
    if len(runs) == 1:
        return False
    first, *middle, last = runs
    return (not first or first in _ONSETS) and _coda(last) and all(_medial(run) for run in middle)


@functools.lru_cache(maxsize=16384)  # a verdict per word; answers reuse their vocabulary
def _suspicious_word(token: str) -> bool | None:
    """True if a word looks like keyboard mashing, False if plausible, None if the rules cannot judge it."""
    word = _CONTRACTION.sub("", fold(token)).replace("'", "")
    if not (word.isascii() and word.isalpha()) or any(ch.isupper() for ch in token[1:]):
        return None  # another script, an acronym (SQL) or a brand (gRPC): not for these rules
    if word in _KNOWN_WORDS or len(word) == 1:
        return False
    vowels = sum(1 for ch in word if ch in _VOWELS)
    if vowels == 0:
        return True
    if len(word) > _MAX_WORD or (len(word) >= 4 and vowels / len(word) >= 0.9):
        return True
    if _TRIPLE_LETTER.search(word) or _RARE_BIGRAM.search(word):
        return True
    if any(run in word for run in _KEYBOARD_RUNS):
        return True
    # Foreign names keep their own clusters (Szczepański, Nguyen); only their letters are judged above.
    return not token[0].isupper() and not _clusters_plausible(word)


def _mostly_repeated(tokens: list[str]) -> bool:
    """Four or more words where a single word makes up more than half, like "test test test test"."""
    return len(tokens) >= 4 and Counter(tokens).most_common(1)[0][1] * 2 > len(tokens)


def is_gibberish(text: str) -> bool:
    """Whether non-blank text is unintelligible: mashed keys, one word repeated, or only symbols and emoji.

    Digits alone ("42") are an answer, and words in other scripts are not judged.
    """
    if not text.strip():
        return False
    folded = fold(text)
    tokens = _TOKEN.findall(folded)
    if not tokens:
        return True  # symbols, emoji or punctuation only
    if _mostly_repeated(tokens):
        return True
    judged = suspicious = 0
    for token in _WORD.findall(text):
        verdict = _suspicious_word(token)
        if verdict is None:
            continue
        judged += len(token)
        suspicious += len(token) if verdict else 0
    return judged > 0 and suspicious / judged >= _GIBBERISH_SHARE


# --- prompt injection --------------------------------------------------------------------------

_MODIFIERS = (
    r"(?:all|any|of|your|the|my|these|those|previous|prior|above|earlier|system|original|grading|scoring|"
    r"evaluation|interview|every)"
)
_OVERRIDE = (
    r"\b(?:ignore|disregard|forget|override|bypass)\s+(?:" + _MODIFIERS + r"\s+)*"
    r"(?:instructions?|prompts?|rubric|guidelines|directions|criteria|previous messages|everything (?:above|before))\b"
    r"|\b(?:ignore|disregard|forget|override|bypass)\s+(?:" + _MODIFIERS + r"\s+)+rules\b"
)
# What only the grader has: asking for it is an attempt to extract it.
_GRADER_THINGS = (
    r"system prompt|system message|your (?:instructions|prompt)|rubric|scoring (?:criteria|guide|rules|scheme)|"
    r"grading (?:criteria|rubric|scheme|guide)|marking scheme|answer key|model answers?|expected answers?|"
    r"ideal answers?|key points (?:you(?:'re| are)? (?:looking|expecting|want)|for this)"
)
_ANSWERS = r"(?:the |a )?(?:(?:correct|right|perfect|best|full|complete) )?(?:answers?|solution|key points)"
_EXTRACT = (
    r"\b(?:reveal|show|print|repeat|leak|dump|output|display|what is|what are|what's|whats|"
    r"(?:tell|give|share|send|list|read)\s+(?:me|us)|(?:can|could|would|will) you\s+(?:please\s+)?"
    r"(?:tell|give|share|send|list|read))\b[^.!?\n]{0,30}?\b(?:" + _GRADER_THINGS + r")\b"
    r"|\b(?:reveal|print|repeat|leak|dump|output)\s+(?:all\s+)?(?:of\s+)?your (?:rules|guidelines|notes)\b"
    r"|\b(?:tell|give|show|send|share with|reveal to|read) (?:me|us)\s+" + _ANSWERS + r"\b"
    r"|\bwhat(?:'s| is| are)\s+(?:the )?(?:correct|right|model|expected|ideal|perfect|best) (?:answer|solution)s?\b"
    r"|^\W*(?:(?:please|just|now|ok|okay)\W+)*(?:tell|give|show|reveal|print)\s+" + _ANSWERS + r"\W*$"
)
_TOP_SCORE = (
    r"(?:100|10 ?/ ?10|ten out of ten|full (?:marks|score|points)|(?:a )?perfect (?:score|marks|rating|grade|ten|10)|"
    r"top (?:marks|score)|highest (?:marks|score|grade|rating)|max(?:imum)? (?:marks|score)|an a\+?(?!\w)|"
    r"a high score|high marks|a pass\b)"
)
_DEMAND = (
    r"\b(?:give|rate|score|grade|mark|award|assign)\s+(?:me|us|my (?:answers?|interview|performance)|"
    r"this (?:answer|interview|candidate)|the candidate)\b[^.!?\n]{0,25}?"
    r"(?:" + _TOP_SCORE + r"|\bhighly\b|\bas perfect\b)"
    r"|\byou (?:must|should|have to|need to|will) (?:score|give|rate|grade|mark|pass|hire|select) me\b"
    r"|\byou must (?:score|rate|grade|mark)\b"
    r"|\b(?:mark|set|make|consider|treat)\s+(?:me|my answers?|my interview|this candidate|the candidate|"
    r"this (?:answer|interview))\s+(?:as\s+)?(?:selected|passed|hired|correct|perfect|excellent)\b"
)
# Role play and "modes" that tell the AI it is something else now. Design answers enable a tool's
# developer mode ("developer mode or inspect tools in Figma"); only the bare order to the AI counts.
_ROLE = (
    r"\b(?:you are|you're|youre)\s+(?:now\s+)?in\s+(?:developer|debug|god|admin|jailbreak|dan) mode\b"
    r"|(?:^|[.!?;:]\s*|\b(?:please|now|ok|okay)\s+)(?:enter|enable|activate|switch to|go into|turn on)\s+"
    r"(?:developer|debug|god|admin|jailbreak|dan) mode(?=\s*(?:now\b|[.!?,;:]|$|and (?:ignore|reveal|show|print|"
    r"tell|give)))"
    r"|\b(?:developer|jailbreak|dan) mode (?:is )?(?:enabled|activated|on)\b"
    r"|\b(?:you are|you're|youre) now (?:a|an|the|my)\b|\bpretend (?:you are|you're|youre)\b"
    r"|\bpretend to be (?:a|an|the|my) (?:\w+ )?(?:interviewer|evaluator|grader|ai|assistant|bot|model)\b"
    r"|\bact as (?:an? )?(?:different|unrestricted|evil|jailbroken|new)\b"
    r"|\bfrom now on,? (?:ignore|you (?:are|will be|must act as) (?:an?|the|my)\b)"
    r"|\bjailbreak(?:ed)? (?:mode|prompt)\b|\bdo anything now\b"
    r"|\bas the (?:evaluator|grader),? you\b"
    r"|\b(?:note|message|instructions?) (?:to|for) the (?:evaluator|grader|scorer|assessor|ai|model)\b"
    r"|\bdear (?:evaluator|grader)\b"
    r"|\b(?:here are |these are |follow |the following )(?:your |my |the )?new instructions\b|\bnew instructions:"
    r"|\bsystem prompt\s*:"
)
# The grader addressed by name at the start of a sentence: "Grader, ...", "To the evaluator: ...".
_GRADER = r"(?:grader|evaluator|scorer|assessor|examiner|marker|grading (?:ai|model|system|bot))"
_VOCATIVE = (
    r"(?:^|(?<=[.!?;:\n])|(?<=[.!?;:\n]\s))\s*(?:(?:hey|hi|dear|attention|note (?:to|for)|to)\s+)?"
    r"(?:the\s+|my\s+|ai\s+)?" + _GRADER + r"s?\s*[,:!\-–—]"
    r"|\b(?:whoever|whomever|anyone who|the person who|the (?:ai|model|system|bot) that)\s+(?:is\s+)?"
    r"(?:scor|grad|mark|evaluat|assess)\w*\s+(?:this|me|my|these|the)\b"
)
# A top score named as a value: "a perfect score", "a score of 100", "100 percent", "full marks".
_SCORE_VALUE = (
    r"(?:(?:perfect|full|top|maximum|max|highest)\s+(?:\w+\s+)?(?:score|marks?|points|grade|rating|result)"
    r"|score of 100|(?<![\d.])100 ?(?:%|percent|points|/ ?100|out of 100)|full marks|an? a\+?(?!\w))"
)
# Asking for a score to be recorded, or claiming one is deserved: "record a 100 percent result", "this answer
# deserves a perfect score". Stories say "we got" or "I earned", which these leave alone.
_CLAIM = (
    r"\b(?:record|log|enter|register|put down|note down|write down|input|submit)\s+[^.!?\n]{0,30}?"
    + _SCORE_VALUE
    + r"|\b(?:this (?:answer|response|candidate|interview)|the candidate|my (?:answers?|responses?|interview|"
    r"performance)|i)\s+(?:deserves?|should (?:get|receive|be given|score)|must (?:get|receive|be given|score)|"
    r"merits?|is worth|earns?)\s+[^.!?\n]{0,25}?(?:" + _SCORE_VALUE + r"|to (?:pass|be selected|be hired))"
)
# A score named without a verb, as in "full marks please". "We got full marks" tells a story instead.
_BARE_SCORE = re.compile(r"\b(?:full (?:marks|score)|100 ?(?:/|out of) ?100|10 ?/ ?10|ten out of ten)\b")
_ACHIEVED = re.compile(
    r"\b(?:got|get|gets|getting|scored|score|scores|earned|received|achieved|hit|reached|won|won't|gave|given)\b"
    r"[^.!?\n]{0,15}$"
)
_INJECTION = re.compile(
    "|".join(f"(?:{p})" for p in (_OVERRIDE, _EXTRACT, _DEMAND, _ROLE, _VOCATIVE, _CLAIM)), re.MULTILINE
)
_SENTENCE_END = re.compile(r"[.!?]+(?![\w%])|\n")
_LEAD_IN = re.compile(
    r"(?:(?:before we (?:continue|go on|move on|start|begin|finish)|one (?:more|last) thing|by the way|btw|also|"
    r"oh|ok|okay|so|now|well|finally|lastly|actually|anyway|and|but|please|just|hey|hi|sorry)\W*)*",
    re.IGNORECASE,
)
_HEAD_WORDS = 3  # words before an attack in its sentence that are dropped with it
_TRAILING_JOINERS = re.compile(
    r"(?:[\s,;:\-–—]|\b(?:and|so|also|but|then|plus|please|oh|btw|now|just)\b)+$", re.IGNORECASE
)


def _bare_scores(folded: str) -> Iterable[tuple[int, int]]:
    """Spans of scores named without a story around them."""
    for match in _BARE_SCORE.finditer(folded):
        if not _ACHIEVED.search(folded, 0, match.start()):
            yield match.span()


@functools.lru_cache(maxsize=1024)  # each answer is checked by the turn and again by every analysis of it
def injection_spans(text: str) -> tuple[tuple[int, int], ...]:
    """(start, end) of every attempt to instruct the AI: override its rules, extract answers, dictate a score.

    Offsets are into `text` itself, in order, without overlaps.
    """
    folded = fold(text)
    found = sorted([m.span() for m in _INJECTION.finditer(folded)] + list(_bare_scores(folded)))
    spans: list[tuple[int, int]] = []
    for start, end in found:
        if spans and start < spans[-1][1]:
            spans[-1] = (spans[-1][0], max(end, spans[-1][1]))
        else:
            spans.append((start, end))
    return tuple(spans)


def is_injection(text: str) -> bool:
    """Whether the text tries to instruct the interviewer or the grader, or to extract answers or the rubric."""
    return bool(injection_spans(text))


def strip_injection(text: str) -> str:
    """The text with each attempt cut from where it starts to the end of its sentence.

    Words left dangling before the cut go too: joiners ("and", "so please") and lead-ins ("Before we
    continue,"), so that what remains is only what the candidate said about the question.
    """
    pieces: list[str] = []
    position = 0
    for start, end in injection_spans(text):
        if start < position:
            continue  # inside a sentence already cut
        ends = [m.end() for m in _SENTENCE_END.finditer(text, position, start)]
        sentence_start = ends[-1] if ends else position
        head = _TRAILING_JOINERS.sub("", text[sentence_start:start])
        if _LEAD_IN.fullmatch(head.strip()) or len(_TOKEN.findall(head)) <= _HEAD_WORDS:
            head = ""  # "Note for", "The evaluator should": the start of the instruction, not an answer
        pieces.append(text[position:sentence_start] + head)
        stop = _SENTENCE_END.search(text, end)
        position = stop.end() if stop else len(text)
    pieces.append(text[position:])
    return " ".join(piece.strip() for piece in pieces if piece.strip())
