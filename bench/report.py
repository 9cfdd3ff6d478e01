"""The run's tables (rich) and its results file, and the keys every results file carries."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from bench.targets import ROUTES, Check

_STATS = ("p50", "p95", "p99", "max")
METRIC_KEYS = (
    "meta.timestamp",
    "meta.machine.nproc",
    "meta.machine.uname",
    "meta.machine.python",
    "meta.config",
    "voice.words",
    "voice.cold_ms",
    *(f"voice.{part}.{stat}" for part in ("first_chunk_ms", "total_ms") for stat in _STATS),
    "targets",
)
VARIANT_KEYS = (
    *(f"vendor.routes.{route}.added_ms.{stat}" for route in ROUTES for stat in _STATS),
    *(f"vendor.tts_first_byte_added_ms.{stat}" for stat in _STATS),
    "vendor.errors_total",
    "vendor.errors_by_status",
    "vendor.turns",
    "vendor.turns_expected",
    "vendor.wall_s",
    "vendor.turns_per_s",
    "vendor.ideal_turns_per_s",
    "vendor.throughput_ratio",
    "vendor.vendor_calls.expected",
    "vendor.vendor_calls.actual",
    "vendor.vendor_calls.match",
    "vendor.server_memory.rss_mb",
    "vendor.server_memory.peak_rss_mb",
    "vendor.cpu_pct.server",
    "vendor.cpu_pct.fakes",
    "vendor.cpu_pct.client",
    "vendor.client.floor_ms.p50",
    "vendor.client.loop_lag_ms.p99",
    "vendor.server_probe_ms.p99",
    "vendor.fake_timer_lateness_ms.p50",
    "vendor.cpu_pct.machine",
    "vendor.vendor_connections_opened",
    "vendor.server_cpu_ms_per_request",
    "vendor.server_cpu_ms_per_interview",
    "vendor.requests_per_s",
    "vendor.loadavg.before",
    *(f"vendor_burst.routes.{route}.added_ms.{stat}" for route in ROUTES for stat in _STATS),
    "vendor_burst.errors_total",
    "vendor_burst.throughput_ratio",
    "vendor_burst.requests_per_s",
    "vendor_burst.server_cpu_ms_per_request",
    "vendor_burst.server_probe_ms.p99",
    "floor.pairs",
    "floor.ratios.cpu_per_request",
    "floor.ratios.throughput",
    "floor.ratios.chat_p50_beyond_floor_ms",
    "floor.errors_total",
    "stream.available",
    "stream.first_delta_added_ms",
    "builtin.turn_ms.p50",
    "builtin.turn_ms.p99",
    "builtin.errors_total",
    "builtin.server_memory.peak_rss_mb",
    "rss.sessions",
    "rss.created",
    "rss.baseline_rss_mb",
    "rss.after_rss_mb",
    "rss.growth_mb",
    "rss.peak_rss_mb",
)


def _has(data: Any, dotted: str) -> bool:
    """Whether a dotted key path exists in nested dicts."""
    for part in dotted.split("."):
        if not isinstance(data, dict) or part not in data:
            return False
        data = data[part]
    return True


def missing_keys(results: dict[str, Any]) -> list[str]:
    """Metric keys a results file lacks (a phase reported unavailable lacks its own keys by design)."""
    missing = [key for key in METRIC_KEYS if not _has(results, key)]
    skipped = set() if results.get("meta", {}).get("config", {}).get("floor_app", True) else {"floor"}
    for database, variant in results.get("variants", {}).items():
        for key in VARIANT_KEYS:
            if key.split(".")[0] in skipped:
                continue
            section = variant.get(key.split(".")[0], {})
            if "unavailable" not in section and not _has(variant, key):
                missing.append(f"variants.{database}.{key}")
    return missing


def write_json(results: dict[str, Any], out_dir: Path) -> Path:
    """`results-<timestamp>.json` in `out_dir`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.fromisoformat(results["meta"]["timestamp"]).strftime("%Y%m%dT%H%M%S")
    path = out_dir / f"results-{stamp}.json"
    path.write_text(json.dumps(results, indent=2, sort_keys=False) + "\n")
    return path


def _fmt(value: object) -> str:
    """A number for a table cell."""
    return "—" if value is None else f"{value:.2f}" if isinstance(value, float) else str(value)


def routes_table(title: str, routes: dict[str, Any]) -> Table:
    """Per-route latency (ms) and errors."""
    table = Table(title=escape(title), title_justify="left")
    for column in ("route", "n", "p50", "p95", "p99", "max", "errors"):
        table.add_column(column, justify="left" if column in ("route", "errors") else "right")
    for route, data in routes.items():
        added = data["added_ms"]
        errors = escape(", ".join(f"{status}×{count}" for status, count in data["errors"].items()) or "0")
        table.add_row(route, str(added["count"]), *(_fmt(added[stat]) for stat in _STATS), errors)
    return table


def targets_table(checks: list[Check]) -> Table:
    """Targets next to measurements with pass/miss."""
    table = Table(title="Targets", title_justify="left")
    for column in ("db", "metric", "target", "measured", "result"):
        table.add_column(column)
    style = {"pass": "green", "MISS": "bold red", "n/a": "yellow"}
    for check in checks:
        verdict = f"[{style[check.verdict]}]{check.verdict}[/]"
        table.add_row(check.scope, escape(check.metric), check.target, escape(check.measured), verdict)
    return table


def context_lines(database: str, variant: dict[str, Any], results_nproc: int) -> list[str]:
    """Run context worth reading next to the numbers: memory, CPU, the client's own floor."""
    lines = []
    builtin, rss = variant["builtin"], variant["rss"]
    for phase, label in (("vendor", database), ("vendor_burst", f"{database} burst")):
        vendor = variant.get(phase, {"unavailable": "not run"})
        if "unavailable" not in vendor:
            lines += vendor_lines(label, vendor, results_nproc)
    if "unavailable" not in builtin:
        lines.append(f"[{database}] built-in server peak RSS {builtin['server_memory']['peak_rss_mb']:.1f} MB")
    if "unavailable" not in rss:
        lines.append(
            f"[{database}] RSS {rss['baseline_rss_mb']:.1f} → {rss['after_rss_mb']:.1f} MB over {rss['created']} "
            f"sessions ({rss['sessions_per_s']} sessions/s, peak {rss['peak_rss_mb']:.1f} MB)"
        )
    return lines


def vendor_lines(label: str, vendor: dict[str, Any], results_nproc: int) -> list[str]:
    """The context of one vendor phase."""
    cpu = vendor["cpu_pct"]
    client = vendor["client"]
    lines = [
        f"[{label}] vendor phase: {vendor['interviews']} interviews, {vendor['turns']} turns in "
        f"{vendor['wall_s']:.1f} s (starts over {vendor['ramp_s']} s); server peak RSS "
        f"{vendor['server_memory']['peak_rss_mb']:.1f} MB; CPU % of a core: server {cpu['server']}, fakes "
        f"{cpu['fakes']}, client {cpu['client']}; machine busy {cpu['machine']}% of {results_nproc} cores",
        f"[{label}] server CPU {vendor['server_cpu_ms_per_interview']:.1f} ms per completed interview, "
        f"{vendor['server_cpu_ms_per_request']:.2f} ms per request on average: one worker saturates near "
        f"{1000 / max(vendor['server_cpu_ms_per_interview'], 1e-9):.0f} interviews/s",
    ]
    tokens = vendor.get("tokens_per_interview") or {}
    if tokens:
        lines.append(
            f"[{label}] interviewer tokens per interview (vendors' usage fields, "
            f"{tokens.get('interviews_sampled', 0)} sampled): input {tokens.get('input_tokens', 0):.0f}, "
            f"output {tokens.get('output_tokens', 0):.0f}"
        )
    opened = vendor["vendor_connections_opened"]
    calls = vendor["vendor_calls"]["actual"]
    lines.append(
        f"[{label}] server → fakes: "
        + ", ".join(f"{name} {calls[name]} requests on {opened[name]} connections" for name in calls)
    )
    probe = vendor["server_probe_ms"]
    lines.append(
        f"[{label}] GET /healthz every 50 ms during the load (server loop responsiveness) p50/p99/max "
        f"{_fmt(probe['p50'])}/{_fmt(probe['p99'])}/{_fmt(probe['max'])} ms"
    )
    lines.append(
        f"[{label}] client floor (sequential round trips to an instant endpoint) p50/p99 "
        f"{_fmt(client['floor_ms']['p50'])}/{_fmt(client['floor_ms']['p99'])} ms; client loop lag p99/max "
        f"{_fmt(client['loop_lag_ms']['p99'])}/{_fmt(client['loop_lag_ms']['max'])} ms"
    )
    late = vendor["fake_timer_lateness_ms"]
    lines.append(
        f"[{label}] fake vendors' sleeps woke late by p50/p99 {_fmt(late['p50'])}/{_fmt(late['p99'])} ms "
        "(part of every added latency above, not the server's)"
    )
    if "loadavg" in vendor:
        lines.append(
            f"[{label}] load average before/after: {vendor['loadavg']['before']} / {vendor['loadavg']['after']}"
        )
    return lines


def floor_table(database: str, floor: dict[str, Any]) -> Table:
    """Each ours/floor pair under the same burst (no TTS), and the ratios."""
    table = Table(title=escape(f"[{database}] ours against the floor app, burst start (no TTS)"), title_justify="left")
    for column in ("pair", "server", "CPU ms/request", "requests/s", "chat added p50 / p99 ms", "errors", "load"):
        table.add_column(column, justify="left" if column in ("pair", "server", "load") else "right")
    for number, pair in enumerate(floor["pairs"], start=1):
        for name in ("ours", "floor"):
            run = pair[name]
            chat = run["routes"].get("chat", {}).get("added_ms", {})
            table.add_row(
                str(number),
                name,
                _fmt(run["server_cpu_ms_per_request"]),
                _fmt(run["requests_per_s"]),
                f"{_fmt(chat.get('p50'))} / {_fmt(chat.get('p99'))}",
                str(run["errors_total"]),
                f"{run['loadavg']['before'][0]} → {run['loadavg']['after'][0]}",
            )
    ratios = floor["ratios"]
    table.add_row(
        "median",
        "ours ÷ floor",
        f"{ratios['cpu_per_request']:.2f}×",
        f"{ratios['throughput']:.2f}×",
        f"+{ratios['chat_p50_beyond_floor_ms']:.2f}",
        str(floor["errors_total"]),
        "",
    )
    return table


def print_workers_report(console: Console, results: dict[str, Any], checks: list[Check]) -> None:
    """The tables of `--compare-workers`: each run's routes and context, then the targets."""
    nproc = results["meta"]["machine"]["nproc"]
    for workers, vendor in results["workers"].items():
        label = f"postgres, {workers}w"
        if "unavailable" in vendor:
            console.print(escape(f"[{label}] vendor phase unavailable: {vendor['unavailable']}"))
            continue
        console.print(routes_table(f"[{label}] added latency beyond the fakes (ms)", vendor["routes"]))
        skipped = {"unavailable": "not run by --compare-workers"}
        for line in context_lines(label, {"vendor": vendor, "builtin": skipped, "rss": skipped}, nproc):
            console.print(escape(line))
    console.print(targets_table(checks))


def print_report(console: Console, results: dict[str, Any], checks: list[Check]) -> None:
    """Every table of the run."""
    titles = (
        ("vendor", "added latency beyond the fakes, ramped start (ms)"),
        ("vendor_burst", "added latency beyond the fakes, burst start (ms)"),
        ("builtin", "built-in engines (ms)"),
    )
    for database, variant in results["variants"].items():
        for phase, title in titles:
            section = variant.get(phase)
            if section is None:
                continue
            if "unavailable" in section:
                console.print(escape(f"[{database}] {phase} phase unavailable: {section['unavailable']}"))
            else:
                console.print(routes_table(f"[{database}] {title}", section["routes"]))
        if "unavailable" not in variant["vendor"]:
            console.print(
                routes_table(
                    f"[{database}] TTS time to first byte beyond the fake's (ms)",
                    {
                        "tts first byte": {"added_ms": variant["vendor"]["tts_first_byte_added_ms"], "errors": {}},
                    },
                )
            )
        floor = variant.get("floor")
        if floor is not None and "unavailable" not in floor:
            console.print(floor_table(database, floor))
        elif floor is not None:
            console.print(escape(f"[{database}] floor app unavailable: {floor['unavailable']}"))
        for line in context_lines(database, variant, results["meta"]["machine"]["nproc"]):
            console.print(escape(line))
    console.print(targets_table(checks))
