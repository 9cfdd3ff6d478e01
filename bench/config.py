"""Benchmark configuration: command-line options and the fixed latencies of the fake vendors."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = REPO_ROOT / "bench" / "out"
POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
REDIS_URL = "redis://127.0.0.1:6379/0"  # shared turn locks and limits when a server runs several workers
DATABASES = ("sqlite", "postgres")
# Long enough that K turns never exhaust the plan (90 minutes plan 40 core questions), so every
# answer costs exactly one interviewer call and the fakes' latency per request is known.
INTERVIEW_MINUTES = 90
MAX_TURNS = 30


@dataclass(frozen=True)
class FakeLatency:
    """Fixed latencies of the fake vendors, in seconds."""

    anthropic: float = 1.0  # a whole non-streamed reply, or the first streamed token
    delta: float = 0.01  # between streamed deltas
    gemini: float = 1.0  # a whole evaluation
    tts_first_byte: float = 1.0
    tts_chunk: float = 0.0  # between audio chunks
    tts_chunks: int = 4
    audio_seconds: float = 1.0

    @property
    def tts_total(self) -> float:
        """How long the fake takes to send a whole audio stream."""
        return self.tts_first_byte + self.tts_chunk * (self.tts_chunks - 1)

    def to_json(self) -> str:
        """Serialise for the fakes process."""
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> FakeLatency:
        """Read what `to_json` wrote."""
        return cls(**json.loads(text))


@dataclass(frozen=True)
class BenchConfig:
    """Everything one run does."""

    concurrency: int = 200
    turns: int = 4
    rounds: int = 1
    latency: FakeLatency = field(default_factory=FakeLatency)
    databases: tuple[str, ...] = ("sqlite",)
    database_url: str = POSTGRES_URL
    stream_concurrency: int = 50
    builtin_interviews: int = 30
    builtin_turns: int = 10
    builtin_concurrency: int = 1
    sessions_for_rss: int = 2000
    rss_concurrency: int = 8
    voice_repeats: int = 10
    floor_requests: int = 200
    ramp: float | None = None  # seconds over which candidates start; None: one interviewer latency
    burst_ramp: float = 0.01  # the burst start (a cohort starting together): vendor_burst and the floor pairs
    floor_app: bool = True  # measure the floor app (bench/floor.py) beside ours
    floor_pairs: int = 1  # alternating ours/floor runs; the ratios are their medians
    server_log_level: str = "INFO"  # as `make run` and `interviewsim serve` log
    out_dir: Path = DEFAULT_OUT
    progress: bool = True
    strict: bool = False
    profile: bool = False
    workers: int = 1  # `interviewsim serve --workers N`
    redis_url: str = REDIS_URL
    compare_workers: bool = False  # only the PostgreSQL vendor phase, on 1 and then 2 workers

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly view."""
        data = asdict(self)
        data["out_dir"] = str(self.out_dir)
        data["databases"] = list(self.databases)
        return data


QUICK: dict[str, Any] = {
    "concurrency": 5,
    "turns": 2,
    "stream_concurrency": 5,
    "builtin_interviews": 3,
    "builtin_turns": 3,
    "sessions_for_rss": 50,
    "voice_repeats": 3,
    "floor_requests": 20,
}

# Options copied as they are onto BenchConfig when given.
PLAIN = (
    "concurrency",
    "turns",
    "rounds",
    "ramp",
    "burst_ramp",
    "floor_pairs",
    "stream_concurrency",
    "builtin_interviews",
    "builtin_turns",
    "builtin_concurrency",
    "sessions_for_rss",
    "voice_repeats",
    "server_log_level",
    "workers",
)


def parser() -> argparse.ArgumentParser:
    """The command line of `python -m bench.run`."""
    p = argparse.ArgumentParser(prog="python -m bench.run", description="Benchmark interviewsim against fake vendors.")
    p.add_argument("--quick", action="store_true", help="a tiny configuration (seconds, not minutes)")
    p.add_argument("-c", "--concurrency", type=int, help="concurrent simulated candidates (200)")
    p.add_argument("-k", "--turns", type=int, help=f"answers per interview before the end marker (4, max {MAX_TURNS})")
    p.add_argument("--rounds", type=int, help="interviews each candidate runs back to back (1)")
    p.add_argument("--ramp", type=float, help="seconds over which candidates start (one Claude latency)")
    p.add_argument("--burst-ramp", type=float, help="the burst start's spread in seconds (0.01): everyone at once")
    p.add_argument("--no-floor", action="store_true", help="skip the floor app (ours against a minimal app)")
    p.add_argument("--floor-pairs", type=int, help="alternating ours/floor runs per database (1)")
    p.add_argument("--latency", type=float, help="every fake vendor's latency in seconds (1.0; --quick 0.1)")
    p.add_argument("--anthropic-latency", type=float, help="override: Claude reply / first token")
    p.add_argument("--gemini-latency", type=float, help="override: Gemini evaluation")
    p.add_argument("--tts-latency", type=float, help="override: ElevenLabs first audio byte")
    p.add_argument("--delta-delay", type=float, help="seconds between streamed Claude deltas (0.01)")
    p.add_argument("--tts-chunk-delay", type=float, help="seconds between ElevenLabs audio chunks (0)")
    p.add_argument("--database", choices=[*DATABASES, "both"], default="sqlite", help="server database (sqlite)")
    p.add_argument("--database-url", default=POSTGRES_URL, help="URL of the postgres variant")
    p.add_argument("--stream-concurrency", type=int, help="candidates of the /api/chat/stream phase (50)")
    p.add_argument("--builtin-interviews", type=int, help="interviews of the built-in engine phase (30)")
    p.add_argument("--builtin-turns", type=int, help="answers per built-in interview (10)")
    p.add_argument("--builtin-concurrency", type=int, help="concurrent built-in candidates (1)")
    p.add_argument("--sessions-for-rss", type=int, help="sessions created for the RSS growth phase (2000)")
    p.add_argument("--voice-repeats", type=int, help="built-in voice syntheses timed (10)")
    p.add_argument("--server-log-level", choices=["DEBUG", "INFO", "WARNING", "ERROR"], help="LOG_LEVEL (INFO)")
    p.add_argument("--out", type=Path, help=f"directory for results-<timestamp>.json ({DEFAULT_OUT})")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    p.add_argument("--profile", action="store_true", help="run each server under pyinstrument; reports in --out")
    p.add_argument("--workers", type=int, help="server worker processes, `interviewsim serve --workers N` (1)")
    p.add_argument("--redis-url", default=REDIS_URL, help="REDIS_URL of servers with more than one worker")
    p.add_argument(
        "--compare-workers",
        action="store_true",
        help="only the PostgreSQL vendor phase, with 1 and then 2 workers; target: 2 workers ≥ 1.8× one",
    )
    return p


def from_args(argv: list[str] | None = None) -> BenchConfig:
    """Parse the command line into a BenchConfig (quick first, explicit options on top)."""
    args = parser().parse_args(argv)
    config = BenchConfig()
    if args.quick:
        config = replace(config, **QUICK, latency=replace(config.latency, **_all_latencies(0.1)))
    config = replace(config, **{name: getattr(args, name) for name in PLAIN if getattr(args, name) is not None})
    latency = config.latency
    if args.latency is not None:
        latency = replace(latency, **_all_latencies(args.latency))
    overrides = {
        "anthropic": args.anthropic_latency,
        "gemini": args.gemini_latency,
        "tts_first_byte": args.tts_latency,
        "delta": args.delta_delay,
        "tts_chunk": args.tts_chunk_delay,
    }
    latency = replace(latency, **{k: v for k, v in overrides.items() if v is not None})
    databases = DATABASES if args.database == "both" else (args.database,)
    config = replace(
        config,
        latency=latency,
        databases=databases,
        database_url=args.database_url,
        out_dir=args.out or config.out_dir,
        progress=not args.no_progress,
        strict=args.strict,
        profile=args.profile,
        floor_app=not args.no_floor,
        redis_url=args.redis_url,
        compare_workers=args.compare_workers,
    )
    _validate(config)
    return config


def _all_latencies(seconds: float) -> dict[str, Any]:
    """The same latency for the three fakes."""
    return {"anthropic": seconds, "gemini": seconds, "tts_first_byte": seconds}


def _validate(config: BenchConfig) -> None:
    """Stop with a clear message on options the bench cannot honour."""
    if not 1 <= config.turns <= MAX_TURNS or not 1 <= config.builtin_turns <= MAX_TURNS:
        raise SystemExit(f"--turns and --builtin-turns must be 1..{MAX_TURNS}")
    if min(config.concurrency, config.rounds, config.builtin_concurrency, config.rss_concurrency) < 1:
        raise SystemExit("--concurrency, --rounds and --builtin-concurrency must be at least 1")
    if config.floor_pairs < 1 or config.burst_ramp < 0:
        raise SystemExit("--floor-pairs must be at least 1 and --burst-ramp not negative")
    if not 1 <= config.workers <= 64:
        raise SystemExit("--workers must be 1..64")
    if config.profile and (config.workers > 1 or config.compare_workers):
        raise SystemExit("--profile runs one worker (pyinstrument sees only the process it starts)")
    if min(config.sessions_for_rss, config.builtin_interviews, config.voice_repeats, config.stream_concurrency) < 0:
        raise SystemExit("counts must not be negative")
