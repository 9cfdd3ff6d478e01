"""The benchmark's phases; each returns a JSON-ready dict (or one saying why it could not run)."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path
from statistics import median
from typing import Any

from rich.progress import Progress, TaskID

from bench import candidates
from bench.client import Api, Recorder, client_session, floor, probe
from bench.config import BenchConfig
from bench.loop import LagMonitor
from bench.procfs import CpuMeter, tree_memory_mb
from bench.services import FakeVendors, ServerProcess, Unavailable, log_errors
from bench.stats import summarize_ms

STREAM_PATH = "/api/chat/stream"
RSS_WARMUP_SESSIONS = 200
VENDORS = ("anthropic", "gemini", "eleven")
BURST_RAMP_MAX = 0.1  # seconds: starts spread over less than this are a burst (everyone at once)


def server_settings(config: BenchConfig, database: str) -> dict[str, str]:
    """DATABASE_URL for the variant (SQLite needs none: a file in the fresh DATA_DIR)."""
    return {"DATABASE_URL": config.database_url} if database == "postgres" else {}


def _routes(recorder: Recorder) -> dict[str, Any]:
    """Per-route latency summary and errors."""
    names = sorted(set(recorder.added) | set(recorder.errors))
    return {
        name: {"added_ms": summarize_ms(recorder.added[name]), "errors": dict(recorder.errors[name])} for name in names
    }


def _errors_by_status(recorder: Recorder) -> dict[str, int]:
    """Errors of every route, added up by status."""
    totals: dict[str, int] = {}
    for counter in recorder.errors.values():
        for status, count in counter.items():
            totals[status] = totals.get(status, 0) + count
    return totals


def _grown(before: dict[str, dict[str, int]], after: dict[str, dict[str, int]], kind: str) -> dict[str, int]:
    """How much each vendor's counter of `kind` grew."""
    return {name: after[kind].get(name, 0) - before[kind].get(name, 0) for name in VENDORS}


class Driver:
    """Runs groups of simulated candidates with a progress bar."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress

    def task(self, description: str, total: int) -> tuple[TaskID, Callable[[], None]]:
        """A progress task and the callback that advances it."""
        task = self.progress.add_task(description, total=total)
        return task, lambda: self.progress.advance(task)

    async def drive(
        self,
        base_url: str,
        recorder: Recorder,
        concurrency: int,
        work: Callable[[Api, int], Awaitable[None]],
        ramp: float = 0.0,
    ) -> float:
        """Run `work(api, worker)` per worker on one shared client, starts spread over `ramp` s; return wall time."""

        async def staggered(api: Api, worker: int) -> None:
            await asyncio.sleep(ramp * worker / concurrency)
            await work(api, worker)

        async with client_session() as http:
            api = Api(http, base_url, recorder)
            started = time.perf_counter()
            await asyncio.gather(*(staggered(api, worker) for worker in range(concurrency)))
            return time.perf_counter() - started


async def vendor_phase(
    config: BenchConfig, fakes: FakeVendors, server: ServerProcess, driver: Driver, ramp: float | None = None
) -> dict[str, Any]:
    """Whole interviews through every route, the vendors faked at a fixed latency; starts spread over `ramp` s."""
    plan = candidates.VendorPlan(config.turns, config.latency, fakes.audio_bytes)
    spread = ramp if ramp is not None else config.ramp if config.ramp is not None else config.latency.anthropic
    label = "burst start" if spread <= BURST_RAMP_MAX else "ramped start"
    return await load_phase(config, fakes, server, driver, plan, spread, f"interviews on fake vendors, {label}")


async def floor_phase(
    config: BenchConfig, fakes: FakeVendors, server: ServerProcess, driver: Driver, floor_app: ServerProcess
) -> dict[str, Any]:
    """Ours against the floor app, in alternating pairs: the same burst of interviews (no TTS), same-run ratios."""
    plan = candidates.VendorPlan(config.turns, config.latency, fakes.audio_bytes, speak=False)
    floor_plan = replace(plan, grade_at_end=False)  # the floor grades on /api/results: it stores nothing
    try:
        floor_app.start()
    except Unavailable as error:
        return {"unavailable": f"the floor app did not start: {error}"}
    pairs: list[dict[str, Any]] = []
    try:
        for number in range(1, config.floor_pairs + 1):
            ours = await load_phase(
                config, fakes, server, driver, plan, config.burst_ramp, f"pair {number}: ours, burst", tokens=False
            )
            least = await load_phase(
                config,
                fakes,
                floor_app,
                driver,
                floor_plan,
                config.burst_ramp,
                f"pair {number}: floor app",
                tokens=False,
            )
            pairs.append({"ours": ours, "floor": least, "ratios": floor_ratios(ours, least)})
    finally:
        floor_app.stop()
    return {
        "ramp_s": config.burst_ramp,
        "pairs": pairs,
        "ratios": {name: median([pair["ratios"][name] for pair in pairs]) for name in pairs[0]["ratios"]},
        "errors_total": sum(pair["ours"]["errors_total"] + pair["floor"]["errors_total"] for pair in pairs),
        "floor_log_errors": log_errors(floor_app.log_path),
    }


def floor_ratios(ours: dict[str, Any], least: dict[str, Any]) -> dict[str, float]:
    """Ours as multiples of the floor (CPU per request, requests/s) and chat's added p50 beyond the floor's."""
    chat, floor_chat = ours["routes"]["chat"]["added_ms"]["p50"], least["routes"]["chat"]["added_ms"]["p50"]
    return {
        "cpu_per_request": round(ours["server_cpu_ms_per_request"] / max(least["server_cpu_ms_per_request"], 1e-9), 3),
        "throughput": round(ours["requests_per_s"] / max(least["requests_per_s"], 1e-9), 3),
        "chat_p50_beyond_floor_ms": round((chat or 0.0) - (floor_chat or 0.0), 2),
    }


async def load_phase(
    config: BenchConfig,
    fakes: FakeVendors,
    server: ServerProcess,
    driver: Driver,
    plan: candidates.VendorPlan,
    ramp: float,
    description: str,
    *,
    tokens: bool = True,
) -> dict[str, Any]:
    """`config.concurrency` candidates × `config.rounds` interviews of `plan`, measured from every side."""
    interviews = config.concurrency * config.rounds
    warmup = Recorder()  # one unmeasured interview: the server's vendor clients connect and its code warms up
    await driver.drive(server.base_url, warmup, 1, lambda api, _: candidates.vendor_interview(api, plan, 0))
    async with client_session() as http:
        floor_samples = await floor(http, fakes.urls["control"] + "/null", config.floor_requests)
    task, tick = driver.task(description, interviews * plan.requests)
    recorder = Recorder(on_request=tick)
    calls_before = fakes.stats()
    fakes.timer_lateness()  # a new window: only this phase's lateness is reported
    load_before = os.getloadavg()
    meter = CpuMeter({"server": server.pid, "fakes": fakes.pid, "client": os.getpid()}, trees=("server",))
    lag = LagMonitor()

    async def candidate(api: Api, worker: int) -> None:
        for round_number in range(config.rounds):
            await candidates.vendor_interview(api, plan, worker + round_number * config.concurrency)

    probes: list[float] = []

    async def run() -> float:
        lag.start()
        async with client_session() as http:
            prober = asyncio.create_task(probe(http, server.base_url + "/healthz", probes))
            try:
                return await driver.drive(server.base_url, recorder, config.concurrency, candidate, ramp)
            finally:
                prober.cancel()
                await asyncio.gather(prober, return_exceptions=True)
                await lag.stop()

    wall = await run()
    cpu, server_cpu = meter.read(), meter.seconds("server")
    load_after = os.getloadavg()
    usage = await tokens_per_interview(server.base_url, TOKEN_SAMPLE) if tokens else {}
    requests = sum(len(samples) for samples in recorder.added.values()) + recorder.error_total()
    completed = len(recorder.added["results"])  # interviews that got to the end
    driver.progress.update(task, completed=interviews * plan.requests)
    calls_after = fakes.stats()
    lateness = fakes.timer_lateness()
    actual = _grown(calls_before, calls_after, "requests")
    connections = _grown(calls_before, calls_after, "connections")
    expected = plan.expected_calls(interviews)
    # With nothing added by the server, the last candidate starts at its ramp offset and ends its rounds' latency later.
    ideal_wall = ramp * (config.concurrency - 1) / config.concurrency + config.rounds * plan.ideal_seconds
    ideal = interviews * plan.interviewer_turns / ideal_wall
    return {
        "interviews": interviews,
        "routes": _routes(recorder),
        "tts_first_byte_added_ms": summarize_ms(recorder.first["tts"]),
        "errors_total": recorder.error_total() + warmup.error_total(),
        "errors_by_status": _errors_by_status(recorder),
        "warmup_errors": _errors_by_status(warmup),
        "turns": recorder.turns,
        "turns_expected": interviews * plan.interviewer_turns,
        "requests": requests,
        "wall_s": round(wall, 3),
        "ideal_wall_s": round(ideal_wall, 3),
        "ramp_s": ramp,
        "turns_per_s": round(recorder.turns / wall, 2),
        "requests_per_s": round(requests / wall, 2),
        "ideal_turns_per_s": round(ideal, 2),
        "throughput_ratio": round(recorder.turns / wall / ideal, 4),
        "vendor_calls": {"expected": expected, "actual": actual, "match": expected == actual},
        "vendor_connections_opened": connections,
        "server_memory": tree_memory_mb(server.pid),
        "cpu_pct": cpu,
        "server_cpu_ms_per_request": round(1000 * server_cpu / max(requests, 1), 3),
        "server_cpu_ms_per_interview": round(1000 * server_cpu / max(completed, 1), 3),
        "interviews_completed": completed,
        "client": {"floor_ms": summarize_ms(floor_samples), "loop_lag_ms": summarize_ms(lag.lags)},
        "server_probe_ms": summarize_ms(probes),
        "fake_timer_lateness_ms": lateness,
        "loadavg": {"before": [round(x, 2) for x in load_before], "after": [round(x, 2) for x in load_after]},
        "tokens_per_interview": usage,
    }


TOKEN_SAMPLE = 50


async def tokens_per_interview(base_url: str, sample: int) -> dict[str, float]:
    """Mean vendor token usage per interview, from `GET /api/sessions/{id}` of the newest `sample` interviews."""
    totals: dict[str, float] = {}
    async with client_session() as http:
        async with http.get(f"{base_url}/api/sessions", params={"limit": sample}) as response:
            sessions = (await response.json())["sessions"]
        for summary in sessions:
            async with http.get(f"{base_url}/api/sessions/{summary['session_id']}") as response:
                for kind, count in (await response.json()).get("tokens", {}).items():
                    totals[kind] = totals.get(kind, 0) + count
    return {kind: round(count / max(len(sessions), 1), 1) for kind, count in totals.items()} | {
        "interviews_sampled": len(sessions)
    }


async def stream_phase(config: BenchConfig, server: ServerProcess, driver: Driver) -> dict[str, Any]:
    """Time to the first SSE delta of /api/chat/stream beyond the fake's first token, if the route exists."""
    paths = server.openapi().get("paths", {})
    if STREAM_PATH not in paths or config.stream_concurrency == 0:
        reason = f"{STREAM_PATH} is not in /openapi.json" if STREAM_PATH not in paths else "--stream-concurrency 0"
        return {"available": False, "reason": reason, "first_delta_added_ms": None, "errors": {}}
    count = config.stream_concurrency
    _, tick = driver.task("streamed turns", count * (config.turns + 1))
    recorder = Recorder(on_request=tick)
    ramp = config.ramp if config.ramp is not None else config.latency.anthropic

    async def candidate(api: Api, worker: int) -> None:
        await candidates.stream_interview(api, config.turns, config.latency, worker)

    await driver.drive(server.base_url, recorder, count, candidate, ramp)
    return {
        "available": True,
        "reason": None,
        "first_delta_added_ms": summarize_ms(recorder.added["chat/stream"]),
        "errors": _errors_by_status(recorder),
    }


async def builtin_phase(config: BenchConfig, server: ServerProcess, driver: Driver) -> dict[str, Any]:
    """Turn latency of the built-in interviewer and evaluator (no vendors, nothing subtracted)."""
    per_interview = config.builtin_turns + 3
    warmup = Recorder()
    await driver.drive(server.base_url, warmup, 1, lambda api, _: candidates.builtin_interview(api, 2, 0))
    _, tick = driver.task("built-in interviews", config.builtin_interviews * per_interview)
    recorder = Recorder(on_request=tick)
    numbers = iter(range(config.builtin_interviews))

    async def candidate(api: Api, _: int) -> None:
        for number in numbers:
            await candidates.builtin_interview(api, config.builtin_turns, number)

    await driver.drive(server.base_url, recorder, config.builtin_concurrency, candidate)
    return {
        "interviews": config.builtin_interviews,
        "routes": _routes(recorder),
        "turn_ms": summarize_ms(recorder.added["chat"]),
        "errors_total": recorder.error_total() + warmup.error_total(),
        "errors_by_status": _errors_by_status(recorder),
        "warmup_errors": _errors_by_status(warmup),
        "server_memory": tree_memory_mb(server.pid),
    }


async def rss_phase(config: BenchConfig, server: ServerProcess, driver: Driver) -> dict[str, Any]:
    """Server RSS before and after creating many sessions through the API (after a warm-up)."""
    warmup = min(RSS_WARMUP_SESSIONS, config.sessions_for_rss)
    _, tick = driver.task("sessions for RSS", warmup + config.sessions_for_rss)
    recorder = Recorder(on_request=tick)
    async with client_session() as http:
        api = Api(http, server.base_url, recorder)
        await candidates.start_sessions(api, warmup, config.rss_concurrency)
        baseline, before = tree_memory_mb(server.pid), len(recorder.added["start-session"])
        started = time.perf_counter()
        await candidates.start_sessions(api, config.sessions_for_rss, config.rss_concurrency)
        seconds = time.perf_counter() - started
    after = tree_memory_mb(server.pid)
    timed = recorder.added["start-session"][before:]
    return {
        "sessions": config.sessions_for_rss,
        "warmup_sessions": warmup,
        "created": len(timed),
        "baseline_rss_mb": round(baseline["rss_mb"], 2),
        "after_rss_mb": round(after["rss_mb"], 2),
        "growth_mb": round(after["rss_mb"] - baseline["rss_mb"], 2),
        "peak_rss_mb": round(after["peak_rss_mb"], 2),
        "seconds": round(seconds, 2),
        "sessions_per_s": round(config.sessions_for_rss / seconds, 1) if seconds else None,
        "start_session_ms": summarize_ms(timed),
        "errors_total": recorder.error_total(),
    }


def data_dir(workdir: Path, database: str, name: str) -> Path:
    """A fresh DATA_DIR per server."""
    return workdir / f"{database}-{name}"
