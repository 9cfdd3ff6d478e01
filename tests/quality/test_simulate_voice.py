"""`simulate --voice`: personas spoken through GET /api/voice in real time, and the three voice criteria."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from interviewsim.quality import commands
from interviewsim.quality.commands import simulate
from interviewsim.quality.judge import criteria_for, judge_suite
from interviewsim.quality.records import Intent, RunRecord
from interviewsim.quality.server import Target
from interviewsim.quality.voice.audio import (
    BLANK_ANSWER,
    FRAME_BYTES,
    INPUT_RATE,
    MAX_SPOKEN_WORDS,
    CandidateVoice,
    silence,
    speech_onset,
    spoken_text,
    think_pause_split,
)
from interviewsim.quality.voice.criteria import (
    VOICE_CRITERIA,
    barge_in_honoured,
    nothing_lost,
    think_pause_exercised,
    think_pause_kept_whole,
    voice_verdicts,
)
from interviewsim.quality.voice.interview import VoiceTransport, as_written
from interviewsim.quality.voice.records import BargeIn, SpokenAnswer, VoiceLog

BEFORE, AFTER = "I moved our payment service to containers and then", "we cut the deploy time in half."
EVALUATION = {"score": 70, "selected": True}
_WORD = re.compile(r"[a-z]{4,}")


def words(text: str) -> set[str]:
    """Lower-case words of four letters or more (Whisper tiny.en gets these right; short ones it may not)."""
    return set(_WORD.findall(text.lower()))


# -- the whole thing, spoken in real time ----------------------------------------------------------------


@pytest.fixture(autouse=True)
def _builtin_engines(monkeypatch: pytest.MonkeyPatch) -> None:
    """Built-in engines whatever the developer's environment says; Whisper is loaded from the wheel, never fetched."""
    for name in ("ANTHROPIC_API_KEY", "GEMINI_API_KEY", "OPENAI_MODEL", "ELEVEN_KEYS", "VOICE", "STT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


@pytest.mark.slow
@pytest.mark.timeout(1500)
def test_a_spoken_interview_passes_the_voice_criteria_and_stores_what_was_said(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    kept: list[VoiceTransport] = []

    class KeptTransport(VoiceTransport):
        """The transport the command builds, kept so the test can read what was said."""

        def __init__(self, target: Target) -> None:
            super().__init__(target)
            kept.append(self)

    monkeypatch.setattr(commands, "VoiceTransport", KeptTransport)
    cli = typer.Typer()
    cli.command()(simulate)
    args = ["--voice", "--persona", "efficient", "--provider", "builtin", "--runs", "1", "--duration", "5"]
    result = CliRunner().invoke(cli, [*args, "--seed", "2", "--json"], catch_exceptions=False)

    report = json.loads(result.stdout)
    (run,) = report["personas"]["efficient"]["runs"]
    assert run["error"] is None, run["error"]
    assert [c["name"] for c in run["criteria"]] == [*criteria_for("efficient"), *VOICE_CRITERIA]
    failed = [c for c in [*run["criteria"], *report["cross"]] if not c["passed"]]
    assert failed == [] and result.exit_code == 0, failed
    assert [c["name"] for c in report["cross"]] == ["think_pause_exercised"]

    (transport,) = kept
    log = transport.logs[("efficient", 0, False)]
    answers = [m for m in log.stored if m["role"] == "user"]
    assert len(answers) == len(log.answers) >= 4
    for said, stored in zip(log.answers, answers, strict=True):
        # Spoken (the server measured its delivery), and stored as most of what was said.
        assert not said.typed and stored["delivery"] is not None
        assert len(words(said.text) & words(stored["text"])) >= len(words(said.text)) / 2, (said.text, stored["text"])

    assert log.think_pause is not None and log.answers[log.think_pause].halves is not None
    before, after = log.answers[log.think_pause].halves
    paused = answers[log.think_pause]
    assert words(before) & words(paused["text"]) and words(after) & words(paused["text"]), paused["text"]
    assert paused["delivery"]["longest_pause_seconds"] >= 0.9  # the think-pause is inside the one stored answer

    assert log.barge_in is not None
    replies = [m for m in log.stored if m["role"] == "assistant"]
    assert replies[log.barge_in.reply_index]["interrupted"] is True
    assert sum(m["interrupted"] for m in replies) == 1
    assert log.final_reply is not None and log.final_reply["end"] is True and log.close_code == 1000


# -- the candidate's voice ----------------------------------------------------------------------------


def test_a_think_pause_answer_is_two_spoken_halves_with_a_silence_of_1_2_s_between() -> None:
    utterance = asyncio.run(CandidateVoice().say_with_pause(BEFORE, AFTER))
    samples = np.frombuffer(utterance.pcm, dtype="<i2").astype(np.float64).reshape(-1, FRAME_BYTES // 2)
    loud = np.sqrt((samples**2).mean(axis=1)) > 300
    # The longest run of quiet 20 ms frames inside the speech is the think-pause.
    quiet_runs = [len(run) for run in "".join("1" if v else "0" for v in loud).strip("0").split("1") if run]
    assert 1.1 <= max(quiet_runs) * FRAME_BYTES / 2 / INPUT_RATE <= 1.4
    assert 0 <= utterance.onset < 10 and utterance.seconds > 2.5  # trimmed: speech sets in at once


def test_speech_sets_in_at_the_first_quarter_second_without_a_gap() -> None:
    def tone(seconds: float) -> bytes:
        steps = np.arange(int(seconds * INPUT_RATE))
        return (np.sin(steps * 2 * np.pi * 220 / INPUT_RATE) * 5000).astype("<i2").tobytes()

    # A short "Good," then a pause: speech sets in with what follows, as the server hears it.
    assert speech_onset(tone(0.1) + silence(0.3) + tone(1.0)) == 20
    # Gaps between words shorter than 80 ms do not break the speech.
    assert speech_onset(silence(0.2) + tone(0.1) + silence(0.04) + tone(0.2)) == 10


def test_the_pause_goes_after_a_word_that_leaves_the_clause_open() -> None:
    assert think_pause_split(f"{BEFORE} {AFTER}") == (BEFORE, AFTER)
    assert think_pause_split("We shipped it because the users asked for it twice.") == (
        "We shipped it because",
        "the users asked for it twice.",
    )
    # No open clause with enough words on both sides: no think-pause.
    assert think_pause_split("I'm doing well, thanks for having me.") is None
    assert think_pause_split("Fine, and you?") is None


def test_what_cannot_be_said_aloud_is_typed_and_blanks_are_a_pass() -> None:
    assert spoken_text("🤔🤔🤔") is None and spoken_text("#$%&*!") is None
    assert spoken_text("   ") == BLANK_ANSWER
    rambling = " ".join(f"Sentence number {n} goes on about the topic." for n in range(100))
    capped = spoken_text(rambling)
    assert capped is not None and len(capped.split()) <= MAX_SPOKEN_WORDS and capped.endswith(".")


# -- the voice criteria on hand-made logs ---------------------------------------------------------------


def spoken_log(**fields: Any) -> VoiceLog:
    """Two answers (the first said over the greeting, the second with a think-pause), both stored well."""
    answers = [
        SpokenAnswer("I am doing well, thanks for having me today.", Intent.WARMUP, finals=["doing well thanks"]),
        SpokenAnswer(f"{BEFORE} {AFTER}", Intent.SUBSTANTIVE, halves=(BEFORE, AFTER), finals=[f"{BEFORE} {AFTER}"]),
    ]
    stored = [
        {"role": "assistant", "text": "Hello...", "interrupted": True},
        {"role": "user", "text": "I'm doing well, thanks for having me today."},
        {"role": "assistant", "text": "Tell me about a project.", "interrupted": False},
        {"role": "user", "text": "I moved our payment service to containers, and then we cut deploy time in half."},
        {"role": "assistant", "text": "Thank you.", "interrupted": False},
    ]
    defaults: dict[str, Any] = {
        "answers": answers,
        "think_pause": 1,
        "barge_in": BargeIn(turn=1, reply_index=0, interrupted_after=0.4, last_frame_after=0.3),
        "stored": stored,
        "final_reply": {"end": True},
        "close_code": 1000,
    }
    return VoiceLog(**{**defaults, **fields})


def graded() -> RunRecord:
    return RunRecord("efficient", 0, 1, session_id="s", evaluation=EVALUATION)


def test_a_well_spoken_interview_passes_all_three() -> None:
    verdicts = voice_verdicts(graded(), spoken_log())
    assert [(v.name, v.passed) for v in verdicts] == [(name, True) for name in VOICE_CRITERIA]
    assert verdicts[0].turn == 3 and verdicts[1].turn == 0


def test_a_think_pause_answer_split_into_two_turns_fails() -> None:
    log = spoken_log()
    log.answers[1].finals = [BEFORE, AFTER]
    log.stored[3:4] = [
        {"role": "user", "text": BEFORE},
        {"role": "assistant", "text": "Go on.", "interrupted": False},
        {"role": "user", "text": AFTER},
    ]
    verdict = think_pause_kept_whole(log)
    assert not verdict.passed and "2 turns" in verdict.detail
    assert not nothing_lost(graded(), log).passed  # two answers given, three stored


def test_one_final_transcript_that_lost_the_second_half_fails() -> None:
    log = spoken_log()
    log.stored[3] = {"role": "user", "text": BEFORE}
    assert not think_pause_kept_whole(log).passed


def test_a_barge_in_never_made_fails_as_never_exercised() -> None:
    assert "never exercised" in barge_in_honoured(spoken_log(barge_in=None)).detail


def test_a_think_pause_is_judged_where_it_was_made_and_must_be_made_somewhere_in_the_suite() -> None:
    terse = spoken_log(think_pause=None)
    assert [v.name for v in voice_verdicts(graded(), terse)] == ["barge_in_honoured", "nothing_lost"]
    assert "never exercised" in think_pause_kept_whole(terse).detail
    assert not think_pause_exercised([terse, terse]).passed
    exercised = think_pause_exercised([terse, spoken_log()])
    assert exercised.passed and exercised.detail == "in 1 of 2 interviews"


@pytest.mark.parametrize(
    ("cut", "interrupted", "why"),
    [
        (BargeIn(1, 0, interrupted_after=None, last_frame_after=4.0), True, "no `interrupted`"),
        (BargeIn(1, 0, interrupted_after=0.4, last_frame_after=2.5), True, "went on 2.50 s"),
        (BargeIn(1, 0, interrupted_after=0.4, last_frame_after=0.3), False, "not stored with interrupted"),
    ],
    ids=["not-interrupted", "audio-went-on", "not-stored-as-cut"],
)
def test_a_barge_in_not_honoured_fails(cut: BargeIn, interrupted: bool, why: str) -> None:
    log = spoken_log(barge_in=cut)
    log.stored[0]["interrupted"] = interrupted
    verdict = barge_in_honoured(log)
    assert not verdict.passed and why in verdict.detail and verdict.turn == 0


def test_an_answer_lost_doubled_garbled_or_out_of_order_fails() -> None:
    lost = spoken_log()
    del lost.stored[3]
    doubled = spoken_log()
    doubled.stored.insert(2, dict(doubled.stored[1]))
    garbled = spoken_log()
    garbled.stored[3] = {"role": "user", "text": "I moved to a new house in the summer."}
    swapped = spoken_log()
    swapped.stored[1], swapped.stored[3] = swapped.stored[3], swapped.stored[1]
    for log in (lost, doubled, garbled, swapped):
        assert not nothing_lost(graded(), log).passed
    assert nothing_lost(graded(), garbled).turn == 3


def test_an_interview_that_did_not_end_or_was_not_graded_loses_its_results() -> None:
    assert "did not reach its end" in nothing_lost(graded(), spoken_log(final_reply=None)).detail
    ungraded = RunRecord("efficient", 0, 1, session_id="s")
    assert "without a stored evaluation" in nothing_lost(ungraded, spoken_log()).detail


def test_a_typed_answer_must_be_stored_exactly() -> None:
    log = spoken_log()
    log.answers.append(SpokenAnswer("🤔🤔🤔", Intent.GIBBERISH, typed=True))
    log.stored.insert(4, {"role": "user", "text": "🤔🤔🤔"})
    assert nothing_lost(graded(), log).passed
    log.stored[4]["text"] = "🤔"
    assert not nothing_lost(graded(), log).passed


def test_a_run_that_broke_off_fails_every_voice_criterion() -> None:
    broken = RunRecord("efficient", 0, 1, error="VoiceLineError: no reply within 180 s")
    verdicts = voice_verdicts(broken, VoiceLog())
    assert [v.name for v in verdicts] == list(VOICE_CRITERIA) and not any(v.passed for v in verdicts)


def test_voice_verdicts_join_the_runs_report_beside_the_usual_criteria() -> None:
    record = graded()
    spoken = {("efficient", 0): voice_verdicts(record, spoken_log())}
    report = judge_suite([record], spoken=spoken, spoken_suite=[think_pause_exercised([spoken_log()])])
    (run,) = report.runs
    assert [v.name for v in run.verdicts] == [*criteria_for("efficient"), *VOICE_CRITERIA]
    assert [v.name for v in report.cross] == ["think_pause_exercised"]


def test_the_conduct_criteria_judge_a_cut_reply_as_it_was_written() -> None:
    detail = {"messages": spoken_log().stored}
    replies = [{"text_response": "Hello, and welcome! How has your day been?"}, {"text_response": "x"}]
    written = as_written(detail, replies)["messages"]
    assert written[0]["text"] == "Hello, and welcome! How has your day been?" and written[0]["interrupted"] is True
    assert written[2]["text"] == "Tell me about a project."  # not cut: as stored
    assert detail["messages"][0]["text"] == "Hello..."  # the stored session itself is left alone
