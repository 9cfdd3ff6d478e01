"""The benchmark harness end to end on a tiny configuration: its correctness only, never the server's speed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from bench.report import missing_keys

ROOT = Path(__file__).resolve().parents[2]
CANDIDATES, TURNS, STREAMERS, BUILTIN_INTERVIEWS, BUILTIN_TURNS, RSS_SESSIONS = 3, 2, 2, 2, 2, 20
TINY = [
    *("--concurrency", str(CANDIDATES), "--turns", str(TURNS), "--latency", "0.05", "--delta-delay", "0.001"),
    *("--stream-concurrency", str(STREAMERS), "--builtin-interviews", str(BUILTIN_INTERVIEWS)),
    *("--builtin-turns", str(BUILTIN_TURNS), "--sessions-for-rss", str(RSS_SESSIONS), "--voice-repeats", "1"),
    "--no-progress",
]


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One tiny run of `python -m bench.run`, as `make bench` starts it; its results file."""
    out = tmp_path_factory.mktemp("bench-out")
    command = [sys.executable, "-m", "bench.run", *TINY, "--out", str(out)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=180, check=False)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    assert "Targets" in done.stdout  # the table was printed
    files = list(out.glob("results-*.json"))
    assert len(files) == 1, files
    return dict(json.loads(files[0].read_text()))


def test_every_metric_key_is_written(results: dict[str, Any]) -> None:
    assert missing_keys(results) == []
    assert list(results["variants"]) == ["sqlite"]
    for phase in ("vendor", "stream", "builtin", "rss"):
        assert "unavailable" not in results["variants"]["sqlite"][phase], results["variants"]["sqlite"][phase]


def test_no_request_failed(results: dict[str, Any]) -> None:
    sqlite = results["variants"]["sqlite"]
    assert sqlite["vendor"]["errors_total"] == 0, sqlite["vendor"]["errors_by_status"]
    assert sqlite["vendor"]["warmup_errors"] == {}
    assert all(route["errors"] == {} for route in sqlite["vendor"]["routes"].values())
    assert sqlite["stream"]["errors"] == {}
    assert sqlite["builtin"]["errors_total"] == 0, sqlite["builtin"]["errors_by_status"]
    assert sqlite["rss"]["errors_total"] == 0


def test_counts_match_the_configuration(results: dict[str, Any]) -> None:
    vendor = results["variants"]["sqlite"]["vendor"]
    counts = {route: data["added_ms"]["count"] for route, data in vendor["routes"].items()}
    interviews = CANDIDATES
    assert counts == {
        "start-session": interviews,
        "chat": interviews * TURNS,
        "chat:end": interviews,
        "results": interviews,
        "tts": interviews * TURNS,
    }
    assert vendor["tts_first_byte_added_ms"]["count"] == interviews * TURNS
    tokens = vendor["tokens_per_interview"]
    assert tokens["interviews_sampled"] >= interviews and tokens["input_tokens"] > 0 and tokens["output_tokens"] > 0
    assert vendor["turns"] == vendor["turns_expected"] == interviews * (TURNS + 2)
    calls = vendor["vendor_calls"]
    assert calls["match"] is True
    assert calls["actual"] == {
        "anthropic": interviews * (TURNS + 2),
        "gemini": interviews,
        "eleven": interviews * TURNS,
    }
    assert vendor["ideal_turns_per_s"] > 0 and vendor["turns_per_s"] > 0
    late = vendor["fake_timer_lateness_ms"]  # sampled every 50 ms through the phase
    assert late["count"] >= 1 and 0 <= late["p50"] <= late["max"]


def test_the_burst_start_ran_every_candidate_at_once(results: dict[str, Any]) -> None:
    sqlite = results["variants"]["sqlite"]
    burst, ramped = sqlite["vendor_burst"], sqlite["vendor"]
    assert burst["ramp_s"] == 0.01 and ramped["ramp_s"] == 0.05  # one Claude latency
    assert burst["errors_total"] == 0, burst["errors_by_status"]
    assert burst["vendor_calls"]["match"] is True
    assert burst["turns"] == burst["turns_expected"] == CANDIDATES * (TURNS + 2)
    assert results["meta"]["config"]["server_log_level"] == "INFO"  # measured as users run it


def test_the_floor_app_served_the_same_burst_beside_ours(results: dict[str, Any]) -> None:
    floor = results["variants"]["sqlite"]["floor"]
    assert "unavailable" not in floor, floor
    assert floor["errors_total"] == 0 and floor["floor_log_errors"] == {}
    (pair,) = floor["pairs"]
    for name in ("ours", "floor"):
        run = pair[name]
        counts = {route: data["added_ms"]["count"] for route, data in run["routes"].items()}
        assert counts == {
            "start-session": CANDIDATES,
            "chat": CANDIDATES * TURNS,
            "chat:end": CANDIDATES,
            "results": CANDIDATES,
        }
        # The same vendor work on both sides: K + 2 Claude calls and one Gemini call per interview, no speech.
        assert run["vendor_calls"]["match"] is True, (name, run["vendor_calls"])
        assert run["vendor_calls"]["actual"]["eleven"] == 0
        assert run["requests"] == CANDIDATES * (TURNS + 3) and run["server_cpu_ms_per_request"] > 0
    ratios = floor["ratios"]
    assert ratios == pair["ratios"] and ratios["cpu_per_request"] > 0 and ratios["throughput"] > 0
    assert ratios["cpu_per_request"] == round(
        pair["ours"]["server_cpu_ms_per_request"] / pair["floor"]["server_cpu_ms_per_request"], 3
    )


def test_stream_builtin_rss_and_voice_phases_measured_what_was_asked(results: dict[str, Any]) -> None:
    sqlite = results["variants"]["sqlite"]
    stream = sqlite["stream"]
    if stream["available"]:
        assert stream["first_delta_added_ms"]["count"] == STREAMERS * TURNS
    else:
        assert "not in /openapi.json" in stream["reason"]
    builtin = sqlite["builtin"]
    assert builtin["turn_ms"]["count"] == BUILTIN_INTERVIEWS * BUILTIN_TURNS
    assert builtin["routes"]["start-session"]["added_ms"]["count"] == BUILTIN_INTERVIEWS
    assert sqlite["rss"]["created"] == RSS_SESSIONS
    assert sqlite["rss"]["baseline_rss_mb"] > 0 and sqlite["vendor"]["server_memory"]["peak_rss_mb"] > 0
    voice = results["voice"]
    assert voice["words"] == 30 and voice["total_ms"]["count"] == 1 and voice["mp3_bytes"] > 0


def test_every_target_of_the_issue_has_a_verdict(results: dict[str, Any]) -> None:
    metrics = {target["metric"] for target in results["targets"]}
    for expected in (
        "errors (vendor phase)",
        "turns/s",
        "added latency chat",
        "first SSE delta after fake's",
        "first TTS byte after fake's",
        "built-in turn",
        "built-in voice, 30 words",
        "RSS growth",
        "CPU per request vs floor",
        "throughput vs floor",
        "chat added p50 vs floor",
    ):
        assert expected in metrics
    assert {target["verdict"] for target in results["targets"]} <= {"pass", "MISS", "n/a"}
    assert results["meta"]["machine"]["nproc"] >= 1 and results["meta"]["config"]["turns"] == TURNS


def test_workers_option_reaches_the_server_command_and_environment(tmp_path: Path) -> None:
    from bench.config import from_args
    from bench.services import ServerProcess

    config = from_args(["--workers", "2", "--redis-url", "redis://127.0.0.1:6379/3", "--compare-workers"])
    assert config.workers == 2 and config.compare_workers and config.redis_url.endswith("/3")
    many = ServerProcess(tmp_path / "many", {}, "WARNING", workers=config.workers, redis_url=config.redis_url)
    assert many.command()[-2:] == ["--workers", "2"]
    assert many.env["REDIS_URL"] == "redis://127.0.0.1:6379/3" and many.env["REDIS_PREFIX"].startswith("bench-")
    one = ServerProcess(tmp_path / "one", {}, "WARNING")
    assert "--workers" not in one.command() and "REDIS_URL" not in one.env
    with pytest.raises(SystemExit):
        from_args(["--workers", "2", "--profile"])
