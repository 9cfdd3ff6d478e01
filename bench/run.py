"""`python -m bench.run`: fake vendors, the server as a user starts it, simulated candidates, a table and JSON."""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
import tempfile
import traceback
from collections.abc import Callable, Coroutine
from datetime import datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from bench.config import REPO_ROOT, BenchConfig, from_args
from bench.loop import run_fast
from bench.phases import (
    Driver,
    builtin_phase,
    data_dir,
    floor_phase,
    rss_phase,
    server_settings,
    stream_phase,
    vendor_phase,
)
from bench.report import print_report, print_workers_report, write_json
from bench.services import FakeVendors, FloorProcess, ServerProcess, Unavailable, log_errors
from bench.targets import as_json, evaluate, workers_checks
from bench.voice import voice_phase

COMPARED_WORKERS = (1, 2)
# The scripted interviews are short: EVALUATOR_MIN_ANSWERS=0 grades them anyway, so grading stays measured.
BUILTIN_ENGINES = {"INTERVIEWER": "builtin", "EVALUATOR": "builtin", "VOICE": "builtin", "EVALUATOR_MIN_ANSWERS": "0"}
# Every candidate is the one local-token user, so the per-user limits are lifted (the limiter still runs).
# A one-second window keeps the limiter's memory of hits small, so it does not distort the RSS phase.
UNLIMITED = {f"RATE_LIMIT_{bucket}": "1000000/second" for bucket in ("SESSIONS", "CHAT", "TTS", "RESULTS")}
Phase = Callable[[ServerProcess], Coroutine[Any, Any, dict[str, Any]]]


def machine() -> dict[str, Any]:
    """What the numbers were measured on."""
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "uname": " ".join(part for part in platform.uname() if part),
        "python": platform.python_version(),
        "commit": _git("describe", "--always", "--dirty"),
    }


def _loadavg() -> list[float]:
    """The load averages, rounded."""
    return [round(load, 2) for load in os.getloadavg()]


def _git(*args: str) -> str | None:
    """The output of a git command in the repository, or None."""
    try:
        done = subprocess.run(["git", *args], cwd=REPO_ROOT, capture_output=True, text=True, timeout=10, check=True)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip()


def with_server(
    console: Console, label: str, server: ServerProcess, phases: dict[str, Phase], out_dir: Path
) -> dict[str, dict[str, Any]]:
    """Start the server, run each phase against it, stop it; a server that cannot start makes them unavailable."""
    try:
        server.start()
    except Unavailable as error:
        console.print(f"[yellow]{escape(label)}: server unavailable: {escape(str(error))}[/]")
        return {name: {"unavailable": str(error)} for name in phases}
    results: dict[str, dict[str, Any]] = {}
    try:
        for name, phase in phases.items():
            try:
                results[name] = run_fast(phase(server))
            except Exception as error:  # one broken phase must not hide the others' numbers
                console.print(f"[red]{escape(label)}: {name} phase failed[/]\n{escape(traceback.format_exc())}")
                results[name] = {"unavailable": f"{name} phase failed: {type(error).__name__}: {error}"}
    finally:
        server.stop()
    errors = log_errors(server.log_path)
    for section in results.values():
        section["server_log_errors"] = errors
    if errors:
        out_dir.mkdir(parents=True, exist_ok=True)
        kept = out_dir / f"{server.log_path.stem}-{datetime.now():%Y%m%dT%H%M%S}.log"
        shutil.copyfile(server.log_path, kept)
        console.print(
            f"[yellow]{escape(label)}: the server logged errors (log kept in {kept}): {escape(str(errors))}[/]"
        )
    return results


def profile_path(config: BenchConfig, database: str, name: str) -> Path | None:
    """Where a server's pyinstrument report goes under --profile."""
    if not config.profile:
        return None
    config.out_dir.mkdir(parents=True, exist_ok=True)
    return config.out_dir / f"profile-{database}-{name}-{datetime.now():%Y%m%dT%H%M%S}.txt"


def run_variant(
    config: BenchConfig, database: str, fakes: FakeVendors, workdir: Path, driver: Driver, console: Console
) -> dict[str, Any]:
    """Every server phase on one database."""
    settings = {**UNLIMITED, **server_settings(config, database)}
    vendor_server = ServerProcess(
        data_dir(workdir, database, "vendor"),
        {**fakes.server_env(), **settings},
        config.server_log_level,
        profile_path(config, database, "vendor"),
        workers=config.workers,
        redis_url=config.redis_url,
    )
    builtin_server = ServerProcess(
        data_dir(workdir, database, "builtin"),
        {**BUILTIN_ENGINES, **settings},
        config.server_log_level,
        profile_path(config, database, "builtin"),
        workers=config.workers,
        redis_url=config.redis_url,
    )
    floor_app = FloorProcess(data_dir(workdir, database, "floor"), fakes.server_env(), config.server_log_level)
    vendor_phases: dict[str, Phase] = {
        "vendor": lambda server: vendor_phase(config, fakes, server, driver),
        "vendor_burst": lambda server: vendor_phase(config, fakes, server, driver, ramp=config.burst_ramp),
        "stream": lambda server: stream_phase(config, server, driver),
    }
    if config.floor_app:
        vendor_phases["floor"] = lambda server: floor_phase(config, fakes, server, driver, floor_app)
    builtin_phases: dict[str, Phase] = {
        "builtin": lambda server: builtin_phase(config, server, driver),
        "rss": lambda server: rss_phase(config, server, driver),
    }
    return {
        **with_server(console, f"[{database}] fake vendors", vendor_server, vendor_phases, config.out_dir),
        **with_server(console, f"[{database}] built-in engines", builtin_server, builtin_phases, config.out_dir),
    }


def compare_workers(config: BenchConfig, workdir: Path, progress: Progress, console: Console) -> dict[str, Any]:
    """`--compare-workers`: the PostgreSQL vendor phase on one worker, then on two; the results without targets."""
    started = datetime.now().astimezone()
    load_at_start = _loadavg()
    driver = Driver(progress)
    settings = {**UNLIMITED, **server_settings(config, "postgres")}
    runs: dict[str, dict[str, Any]] = {}
    fakes = FakeVendors(config.latency, workdir).start()
    try:
        for workers in COMPARED_WORKERS:
            server = ServerProcess(
                data_dir(workdir, "postgres", f"vendor-{workers}w"),
                {**fakes.server_env(), **settings},
                config.server_log_level,
                workers=workers,
                redis_url=config.redis_url,
            )
            phases: dict[str, Phase] = {"vendor": lambda server: vendor_phase(config, fakes, server, driver)}
            label = f"[postgres, {workers} worker{'s' if workers > 1 else ''}] fake vendors"
            runs[str(workers)] = with_server(console, label, server, phases, config.out_dir)["vendor"]
    finally:
        fakes.stop()
    meta = {
        "timestamp": started.isoformat(timespec="seconds"),
        "seconds": round((datetime.now().astimezone() - started).total_seconds(), 1),
        "machine": {**machine(), "loadavg_at_start": load_at_start, "loadavg_at_end": _loadavg()},
        "config": config.as_dict(),
    }
    return {"meta": meta, "workers": runs}


def run(config: BenchConfig, workdir: Path, progress: Progress, console: Console) -> dict[str, Any]:
    """Every phase; the results without targets."""
    started = datetime.now().astimezone()
    load_at_start = _loadavg()
    driver = Driver(progress)
    voice_task = progress.add_task("built-in voice", total=1)
    voice = voice_phase(config.voice_repeats)
    progress.update(voice_task, completed=1)
    fakes = FakeVendors(config.latency, workdir).start()
    try:
        variants = {
            database: run_variant(config, database, fakes, workdir, driver, console) for database in config.databases
        }
    finally:
        fakes.stop()
    meta = {
        "timestamp": started.isoformat(timespec="seconds"),
        "seconds": round((datetime.now().astimezone() - started).total_seconds(), 1),
        "machine": {**machine(), "loadavg_at_start": load_at_start, "loadavg_at_end": _loadavg()},
        "config": config.as_dict(),
    }
    return {"meta": meta, "variants": variants, "voice": voice}


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; print the tables, write the JSON; 1 under --strict when a target is missed."""
    config = from_args(argv)
    console = Console() if sys.stdout.isatty() else Console(width=160)
    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with (
        tempfile.TemporaryDirectory(prefix="interviewsim-bench-") as workdir,
        Progress(*columns, TimeElapsedColumn(), console=console, disable=not config.progress) as progress,
    ):
        if config.compare_workers:
            results = compare_workers(config, Path(workdir), progress, console)
        else:
            results = run(config, Path(workdir), progress, console)
    checks = workers_checks(results["workers"]) if config.compare_workers else evaluate(results)
    results["targets"] = as_json(checks)
    path = write_json(results, config.out_dir)
    if config.compare_workers:
        print_workers_report(console, results, checks)
    else:
        print_report(console, results, checks)
    console.print(f"results: {path.relative_to(REPO_ROOT) if path.is_relative_to(REPO_ROOT) else path}")
    return 1 if config.strict and any(check.passed is False for check in checks) else 0


if __name__ == "__main__":
    sys.exit(main())
