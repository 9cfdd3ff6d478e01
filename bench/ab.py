"""A/B pairs against the floor: `python -m bench.ab --base-src DIR [--database D] [--rounds N]`.

Three servers on the same fakes, all up at once: the floor app, `interviewsim serve` from another
checkout's `src` (the "before", e.g. `git archive <commit> | tar -x -C /tmp/base`), and this
checkout's (the "after"; `--after-src` pairs two other commits). Each round runs the floor phase's
burst (no TTS) on the floor, then on before and after in alternating order, and prints each one's
CPU per request and requests/s as ratios to that round's floor; at the end, the medians over rounds and
of the round-by-round change. Results go to `--out` as JSON.

The default is issue 15's burst. `-c 20 --interviews 10 --latency 0.05 --rounds 10` measures CPU per
request under a light load instead, without the burst's queueing; its rounds were measured to vary
as much as the burst's (paired changes −0.33 to +0.21× the floor's), so judge it by the medians too.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

from rich.progress import Progress

from bench import candidates
from bench.config import DEFAULT_OUT, POSTGRES_URL, REPO_ROOT, from_args
from bench.loop import run_fast
from bench.phases import Driver, floor_ratios, load_phase, server_settings
from bench.run import UNLIMITED
from bench.services import FakeVendors, FloorProcess, ServerProcess


def parser() -> argparse.ArgumentParser:
    """The command line of `python -m bench.ab`."""
    p = argparse.ArgumentParser(prog="python -m bench.ab", description="Before/after pairs against the floor app.")
    p.add_argument("--base-src", type=Path, required=True, help="the `src` directory of the 'before' checkout")
    p.add_argument("--after-src", type=Path, help="the `src` of the 'after' checkout (default: this one's)")
    p.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    p.add_argument("--database-url", default=POSTGRES_URL)
    p.add_argument("--rounds", type=int, default=3, help="rounds of floor, before and after (alternating order)")
    p.add_argument("-c", "--concurrency", type=int, default=200)
    p.add_argument("-k", "--turns", type=int, default=3)
    p.add_argument("--interviews", type=int, default=1, help="interviews each candidate runs back to back per phase")
    p.add_argument("--latency", type=float, default=1.0, help="every fake vendor's latency in seconds")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT)
    return p


async def rounds(
    count: int, config: Any, fakes: FakeVendors, servers: dict[str, ServerProcess]
) -> list[dict[str, Any]]:
    """`count` rounds; each the floor first, then before and after, their order alternating."""
    driver = Driver(Progress(disable=True))
    ours = candidates.VendorPlan(config.turns, config.latency, fakes.audio_bytes, speak=False)
    least = candidates.VendorPlan(config.turns, config.latency, fakes.audio_bytes, speak=False, grade_at_end=False)
    results = []
    for number in range(count):
        row: dict[str, Any] = {}
        for name in ("floor", *(("before", "after") if number % 2 == 0 else ("after", "before"))):
            plan = least if name == "floor" else ours
            row[name] = await load_phase(
                config, fakes, servers[name], driver, plan, config.burst_ramp, name, tokens=False
            )
        row["ratios"] = {name: floor_ratios(row[name], row["floor"]) for name in ("before", "after")}
        results.append(row)
        summary = {
            name: f"{row[name]['server_cpu_ms_per_request']:.2f} ms, {row[name]['requests_per_s']:.1f}/s, "
            f"errors {row[name]['errors_total']}"
            for name in ("floor", "before", "after")
        }
        print(f"round {number + 1}: {summary}; vs floor {row['ratios']}; load {os.getloadavg()[0]:.2f}", flush=True)
    return results


def summary(results: list[dict[str, Any]]) -> dict[str, dict[str, dict[str, float]]]:
    """Across rounds, per figure: before's and after's median ratio, and the median of after − before.

    One round's ratios drift with the machine by more than most changes move them (an A/A pair of one
    commit differed by up to ±0.2× the floor's CPU); the paired difference, taken round by round, is the
    figure a change is judged by.
    """
    figures = {name: {} for name in results[0]["ratios"]["after"]} if results else {}
    for name, row in figures.items():
        before = [r["ratios"]["before"][name] for r in results]
        after = [r["ratios"]["after"][name] for r in results]
        change = [a - b for a, b in zip(after, before, strict=True)]
        row["before"] = round(statistics.median(before), 3)
        row["after"] = round(statistics.median(after), 3)
        row["change"] = round(statistics.median(change), 3)
        row["change_min"], row["change_max"] = round(min(change), 3), round(max(change), 3)
    return figures


def main(argv: list[str] | None = None) -> int:
    """Run the pairs; print a line per round and write the JSON."""
    args = parser().parse_args(argv)
    config = from_args(
        [
            *("-c", str(args.concurrency), "-k", str(args.turns), "--rounds", str(args.interviews)),
            *("--latency", str(args.latency), "--database-url", args.database_url),
        ]
    )
    work = Path(tempfile.mkdtemp(prefix="interviewsim-ab-"))
    fakes = FakeVendors(config.latency, work).start()
    settings = {**UNLIMITED, **server_settings(config, args.database), **fakes.server_env()}
    before_path = f"{args.base_src.resolve()}{os.pathsep}{REPO_ROOT}"
    after = {"PYTHONPATH": f"{args.after_src.resolve()}{os.pathsep}{REPO_ROOT}"} if args.after_src else {}
    servers = {
        "floor": FloorProcess(work / "floor", fakes.server_env(), config.server_log_level),
        "before": ServerProcess(work / "before", {**settings, "PYTHONPATH": before_path}, config.server_log_level),
        "after": ServerProcess(work / "after", {**settings, **after}, config.server_log_level),
    }
    load_before = os.getloadavg()
    try:
        for server in servers.values():
            server.start()
        results = run_fast(rounds(args.rounds, config, fakes, servers))
    finally:
        for server in servers.values():
            server.stop()
        fakes.stop()
    medians = summary(results)
    for name, row in medians.items():
        print(
            f"{name}: median before {row['before']}, after {row['after']}; after − before: median "
            f"{row['change']:+}, range {row['change_min']:+} to {row['change_max']:+}"
        )
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"ab-{args.database}-{os.getpid()}.json"
    meta = {"database": args.database, "loadavg_before": load_before, "loadavg_after": os.getloadavg()}
    path.write_text(json.dumps({"meta": meta, "rounds": results, "summary": medians}, indent=2) + "\n")
    print(f"results: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
