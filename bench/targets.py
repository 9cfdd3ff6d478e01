"""The issue's targets, checked against a run's results: pass, miss, or n/a."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

ROUTES = ("start-session", "chat", "chat:end", "results", "tts")
ADDED_P50_MS, ADDED_P99_MS = 2.0, 20.0
FIRST_DELTA_MS = 5.0
FIRST_AUDIO_MS = 5.0
THROUGHPUT_RATIO = 0.95
BUILTIN_TURN_P99_MS = 20.0
BUILTIN_VOICE_MS = 150.0
RSS_GROWTH_MB = 20.0
WORKERS_RATIO = 1.8  # two workers on PostgreSQL ≥ 1.8× the turns/s of one
FLOOR_CPU_RATIO = 1.5  # our server CPU per request ≤ 1.5× the floor app's, same burst, same run
FLOOR_THROUGHPUT_RATIO = 0.9  # our requests/s ≥ 0.9× the floor app's
FLOOR_CHAT_P50_MS = 10.0  # chat added latency p50 ≤ the floor's + 10 ms


@dataclass(frozen=True)
class Check:
    """One target and how the run did against it."""

    scope: str
    metric: str
    target: str
    measured: str
    passed: bool | None  # None: could not be measured

    @property
    def verdict(self) -> str:
        """pass, MISS or n/a."""
        return "n/a" if self.passed is None else "pass" if self.passed else "MISS"


def _ms(value: object) -> str:
    """Milliseconds for the table."""
    return "—" if value is None else f"{float(value):.2f} ms"  # type: ignore[arg-type]


def _unavailable(scope: str, metric: str, target: str, section: dict[str, Any]) -> Check:
    """A check that could not run because its phase was unavailable."""
    return Check(scope, metric, target, f"unavailable: {section['unavailable']}", None)


def vendor_checks(scope: str, vendor: dict[str, Any]) -> list[Check]:
    """Errors, throughput, added latency per route and first audio byte."""
    if "unavailable" in vendor:
        return [_unavailable(scope, "vendor phase", "runs", vendor)]
    checks = [
        Check(scope, "errors (vendor phase)", "0", str(vendor["errors_total"]), vendor["errors_total"] == 0),
        _calls_check(scope, vendor),
        Check(
            scope,
            "turns/s",
            f"≥ {THROUGHPUT_RATIO:.0%} of ideal",
            f"{vendor['turns_per_s']:.1f} of {vendor['ideal_turns_per_s']:.1f} ({vendor['throughput_ratio']:.1%})",
            vendor["throughput_ratio"] >= THROUGHPUT_RATIO,
        ),
    ]
    for route in ROUTES:
        added = vendor["routes"].get(route, {}).get("added_ms", {})
        p50, p99 = added.get("p50"), added.get("p99")
        passed = None if p50 is None else p50 <= ADDED_P50_MS and p99 <= ADDED_P99_MS
        target = f"p50 ≤ {ADDED_P50_MS:g} ms, p99 ≤ {ADDED_P99_MS:g} ms"
        checks.append(Check(scope, f"added latency {route}", target, f"{_ms(p50)} / {_ms(p99)}", passed))
    first = vendor["tts_first_byte_added_ms"]["p50"]
    checks.append(
        Check(
            scope,
            "first TTS byte after fake's",
            f"p50 ≤ {FIRST_AUDIO_MS:g} ms",
            _ms(first),
            None if first is None else first <= FIRST_AUDIO_MS,
        )
    )
    return checks


def _calls_check(scope: str, vendor: dict[str, Any]) -> Check:
    """The fakes saw exactly the planned vendor calls (only meaningful when no request failed)."""
    calls = vendor["vendor_calls"]
    if calls["match"]:
        return Check(scope, "vendor calls made", "as planned", "match", True)
    measured = ", ".join(f"{name} {calls['actual'][name]}/{calls['expected'][name]}" for name in calls["expected"])
    if vendor["errors_total"]:
        return Check(scope, "vendor calls made", "as planned", f"{measured} (requests failed)", None)
    return Check(scope, "vendor calls made", "as planned", measured, False)


def stream_check(scope: str, stream: dict[str, Any]) -> Check:
    """First SSE delta after the fake's first token."""
    target = f"p50 ≤ {FIRST_DELTA_MS:g} ms"
    if "unavailable" in stream:
        return _unavailable(scope, "first SSE delta after fake's", target, stream)
    if not stream["available"]:
        return Check(scope, "first SSE delta after fake's", target, f"n/a ({stream['reason']})", None)
    p50 = stream["first_delta_added_ms"]["p50"]
    passed = None if p50 is None else p50 <= FIRST_DELTA_MS and not stream["errors"]
    measured = f"{_ms(p50)} (p99 {_ms(stream['first_delta_added_ms']['p99'])}, errors {sum(stream['errors'].values())})"
    return Check(scope, "first SSE delta after fake's", target, measured, passed)


def floor_checks(scope: str, floor: dict[str, Any] | None) -> list[Check]:
    """Ours against the floor app under the same burst: CPU per request, throughput, chat p50, errors."""
    if floor is None:
        return []
    metrics = ("CPU per request vs floor", "throughput vs floor", "chat added p50 vs floor")
    if "unavailable" in floor:
        return [_unavailable(scope, metric, "floor app runs", floor) for metric in metrics]
    ratios, pairs = floor["ratios"], floor["pairs"]
    ours = [pair["ours"]["server_cpu_ms_per_request"] for pair in pairs]
    least = [pair["floor"]["server_cpu_ms_per_request"] for pair in pairs]
    ours_rps = [pair["ours"]["requests_per_s"] for pair in pairs]
    least_rps = [pair["floor"]["requests_per_s"] for pair in pairs]
    beyond = ratios["chat_p50_beyond_floor_ms"]
    errors = floor["errors_total"]
    return [
        Check(
            scope,
            metrics[0],
            f"≤ {FLOOR_CPU_RATIO:g}× the floor's",
            f"{ratios['cpu_per_request']:.2f}× ({_list(ours)} vs {_list(least)} ms)",
            ratios["cpu_per_request"] <= FLOOR_CPU_RATIO,
        ),
        Check(
            scope,
            metrics[1],
            f"≥ {FLOOR_THROUGHPUT_RATIO:g}× the floor's",
            f"{ratios['throughput']:.2f}× ({_list(ours_rps)} vs {_list(least_rps)} requests/s)",
            ratios["throughput"] >= FLOOR_THROUGHPUT_RATIO,
        ),
        Check(
            scope, metrics[2], f"≤ floor's + {FLOOR_CHAT_P50_MS:g} ms", f"+{beyond:.2f} ms", beyond <= FLOOR_CHAT_P50_MS
        ),
        Check(scope, "errors (ours and floor, burst)", "0", str(errors), errors == 0),
    ]


def _list(values: list[float]) -> str:
    """Numbers of several pairs, for the table."""
    return ", ".join(f"{value:.2f}" for value in values)


def builtin_checks(scope: str, builtin: dict[str, Any], rss: dict[str, Any]) -> list[Check]:
    """Built-in turn latency, errors, and RSS growth."""
    checks = []
    if "unavailable" in builtin:
        checks.append(_unavailable(scope, "built-in turn", f"p99 ≤ {BUILTIN_TURN_P99_MS:g} ms", builtin))
    else:
        p99 = builtin["turn_ms"]["p99"]
        passed = None if p99 is None else p99 <= BUILTIN_TURN_P99_MS
        checks.append(Check(scope, "built-in turn", f"p99 ≤ {BUILTIN_TURN_P99_MS:g} ms", _ms(p99), passed))
        errors = builtin["errors_total"] + rss.get("errors_total", 0)
        checks.append(Check(scope, "errors (built-in + RSS phases)", "0", str(errors), errors == 0))
    target = f"≤ {RSS_GROWTH_MB:g} MB"
    if "unavailable" in rss:
        checks.append(_unavailable(scope, "RSS growth", target, rss))
    else:
        measured = f"{rss['growth_mb']:.1f} MB after {rss['created']} sessions"
        checks.append(Check(scope, "RSS growth", target, measured, rss["growth_mb"] <= RSS_GROWTH_MB))
    return checks


def voice_check(voice: dict[str, Any]) -> Check:
    """The built-in voice for a 30-word reply (warm, p50 of the whole MP3)."""
    total = voice["total_ms"]["p50"]
    measured = f"{_ms(total)} (max {_ms(voice['total_ms']['max'])}, cold {_ms(voice['cold_ms'])})"
    passed = None if total is None else total <= BUILTIN_VOICE_MS
    return Check("any", f"built-in voice, {voice['words']} words", f"p50 ≤ {BUILTIN_VOICE_MS:g} ms", measured, passed)


def evaluate(results: dict[str, Any]) -> list[Check]:
    """Every check of a run."""
    checks: list[Check] = []
    for database, variant in results["variants"].items():
        checks += vendor_checks(database, variant["vendor"])
        if "vendor_burst" in variant:
            checks += vendor_checks(f"{database} burst", variant["vendor_burst"])
        checks += floor_checks(database, variant.get("floor"))
        checks.append(stream_check(database, variant["stream"]))
        checks += builtin_checks(database, variant["builtin"], variant["rss"])
    checks.append(voice_check(results["voice"]))
    return checks


def workers_checks(runs: dict[str, dict[str, Any]]) -> list[Check]:
    """`--compare-workers`: each run's errors and vendor calls, then 2 workers' turns/s against 1 worker's."""
    checks: list[Check] = []
    for workers, vendor in runs.items():
        scope = f"postgres, {workers}w"
        if "unavailable" in vendor:
            checks.append(_unavailable(scope, "vendor phase", "runs", vendor))
            continue
        checks.append(
            Check(scope, "errors (vendor phase)", "0", str(vendor["errors_total"]), vendor["errors_total"] == 0)
        )
        checks.append(_calls_check(scope, vendor))
    checks.append(ratio_check(runs.get("1", {}), runs.get("2", {})))
    return checks


def ratio_check(one: dict[str, Any], two: dict[str, Any]) -> Check:
    """Two workers' turns/s over one's; n/a when a run is missing or the load cannot show the target."""
    target = f"≥ {WORKERS_RATIO:g}× one worker"
    metric = "turns/s, 2 workers vs 1"
    if not one or not two or "unavailable" in one or "unavailable" in two:
        return Check("postgres", metric, target, "unavailable", None)
    ratio = two["turns_per_s"] / max(one["turns_per_s"], 1e-9)
    measured = f"{ratio:.2f}× ({two['turns_per_s']:.1f} vs {one['turns_per_s']:.1f} turns/s)"
    # With nothing added, the load allows at most ideal ÷ one worker's rate: below the target, the load is too light.
    ceiling = one["ideal_turns_per_s"] / max(one["turns_per_s"], 1e-9)
    if ceiling < WORKERS_RATIO:
        return Check(
            "postgres",
            metric,
            target,
            f"{measured}; load too light: one worker already makes {one['throughput_ratio']:.0%} of ideal, "
            f"so at most {ceiling:.2f}× is possible (raise --concurrency)",
            None,
        )
    return Check("postgres", metric, target, measured, ratio >= WORKERS_RATIO)


def as_json(checks: list[Check]) -> list[dict[str, Any]]:
    """Checks for the results file."""
    return [{**asdict(check), "verdict": check.verdict} for check in checks]
