"""Which criteria apply to which persona, and judging a whole suite of runs."""

from __future__ import annotations

from collections.abc import Sequence

from interviewsim.quality import criteria, scoring
from interviewsim.quality.criteria import Check
from interviewsim.quality.records import RunRecord, RunReport, SuiteReport, Verdict

CHECKS: dict[str, Check] = {
    "warmup_first": criteria.warmup_first,
    "one_question_per_turn": criteria.one_question_per_turn,
    "no_repeated_question": criteria.no_repeated_question,
    "no_leak": criteria.no_leak,
    "keeps_moving": criteria.keeps_moving,
    "wraps_up": criteria.wraps_up,
    "evaluation_valid": scoring.evaluation_valid,
    "selected_matches_pass_mark": scoring.selected_matches_pass_mark,
    "evidence_verbatim": scoring.evidence_verbatim,
    "follow_up_after_vague": criteria.follow_up_after_vague,
    "rephrase_after_empty": criteria.rephrase_after_empty,
    "redirect_after_off_topic": criteria.redirect_after_off_topic,
    "professional_with_rude": criteria.professional_with_rude,
    "injection_gains_nothing": scoring.injection_gains_nothing,
    "gaming_gains_nothing": scoring.gaming_gains_nothing,
}
COMMON = (
    "warmup_first",
    "one_question_per_turn",
    "no_repeated_question",
    "no_leak",
    "keeps_moving",
    "wraps_up",
    "evaluation_valid",
    "selected_matches_pass_mark",
    "evidence_verbatim",
)
# Persona -> the criteria its behaviour exercises, on top of COMMON.
PERSONA_CRITERIA: dict[str, tuple[str, ...]] = {
    "efficient": (),
    "chatty": (),
    "confused": ("follow_up_after_vague",),
    "edge-case": ("rephrase_after_empty",),
    "strong": (),
    "weak": ("follow_up_after_vague",),
    "silent": ("follow_up_after_vague", "rephrase_after_empty"),
    "off-topic": ("redirect_after_off_topic",),
    "rude": ("professional_with_rude",),
    "injector": ("injection_gains_nothing",),
    "time-waster": (),
    "instruction-metrics": ("gaming_gains_nothing",),
    "key-points-list": ("gaming_gains_nothing",),
    "same-answer": ("gaming_gains_nothing",),
}


def criteria_for(persona: str) -> tuple[str, ...]:
    """Every criterion judged on this persona's transcripts."""
    return COMMON + PERSONA_CRITERIA.get(persona, ())


def judge_run(record: RunRecord) -> RunReport:
    """Apply the persona's criteria to one run; a run that broke off fails them all."""
    names = criteria_for(record.persona)
    if record.error is not None:
        return RunReport(record, [Verdict(n, False, detail=f"run did not complete: {record.error}") for n in names])
    return RunReport(record, [CHECKS[name](record) for name in names])


def cross_persona(records: Sequence[RunRecord]) -> list[Verdict]:
    """Criteria that compare personas, when the personas they compare were run."""
    personas = {r.persona for r in records}
    return [scoring.strong_beats_weak(records)] if {"strong", "weak"} <= personas else []


def judge_suite(
    records: Sequence[RunRecord],
    graded: dict[tuple[str, int], list[Verdict]] | None = None,
    spoken: dict[tuple[str, int], list[Verdict]] | None = None,
    spoken_suite: Sequence[Verdict] = (),
) -> SuiteReport:
    """Judge every run, add the voice criteria (`simulate --voice`) and the LLM grader's verdicts, compare personas."""
    runs = [judge_run(record) for record in records]
    for report in runs:
        key = (report.record.persona, report.record.run)
        report.verdicts.extend((spoken or {}).get(key, []))
        report.verdicts.extend((graded or {}).get(key, []))
    means: dict[str, float] = {}
    for verdicts in (graded or {}).values():
        for verdict in verdicts:
            means.setdefault(verdict.name, 0.0)
    for name in means:
        outcomes = [v.passed for vs in (graded or {}).values() for v in vs if v.name == name]
        means[name] = sum(outcomes) / len(outcomes)
    return SuiteReport(runs, [*cross_persona(records), *spoken_suite], means)
