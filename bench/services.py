"""The processes under test: the fake vendors and `python -m interviewsim serve`."""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

from bench.config import REDIS_URL, REPO_ROOT, FakeLatency
from bench.fakes import ANTHROPIC_KEY, ELEVEN_KEY, GEMINI_KEY
from interviewsim.config import Settings

TOKEN = "bench-local-token"
_PR_SET_PDEATHSIG = 1


class Unavailable(Exception):
    """A process could not start; the message says why in one line."""


def _base_env() -> dict[str, str]:
    """This environment without any interviewsim setting, so only the bench's settings apply."""
    settings = {name.upper() for name in Settings.model_fields}
    env = {key: value for key, value in os.environ.items() if key.upper() not in settings}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    return env


def free_port() -> int:
    """A port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _die_with_parent() -> None:
    """In the child: get SIGTERM when the bench dies, so no server outlives a crashed run (Linux)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def _wait(deadline: float, process: subprocess.Popen[bytes], what: str) -> None:
    """Sleep a little, or raise Unavailable when the process died or time ran out."""
    if process.poll() is not None:
        raise Unavailable(f"{what} exited with status {process.returncode}")
    if time.monotonic() > deadline:
        raise Unavailable(f"{what} did not become ready in time")
    time.sleep(0.05)


def _stop(process: subprocess.Popen[bytes] | None, sig: int = signal.SIGTERM, timeout: float = 15) -> None:
    """Signal the process group (SIGTERM), then SIGKILL if it lingers."""
    if process is None or process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


class FakeVendors:
    """`python -m bench.fakes` as a child process; stops when the bench closes its stdin."""

    def __init__(self, latency: FakeLatency, workdir: Path) -> None:
        self.latency = latency
        self.ready = workdir / "fakes-ready.json"
        self.log_path = workdir / "fakes.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.urls: dict[str, str] = {}
        self.audio_bytes = 0

    def start(self, timeout: float = 30.0) -> FakeVendors:
        """Start and wait until every fake listens."""
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bench.fakes", self.latency.to_json(), str(self.ready)],
                cwd=REPO_ROOT,
                env=_base_env(),
                stdin=subprocess.PIPE,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_die_with_parent,
            )
        deadline = time.monotonic() + timeout
        while not self.ready.exists():
            try:
                _wait(deadline, self.process, "the fake vendors")
            except Unavailable as error:
                self.stop()
                raise Unavailable(f"{error}: {self.log_tail()}") from None
        info = json.loads(self.ready.read_text())
        self.urls, self.audio_bytes = info["urls"], info["audio_bytes"]
        return self

    @property
    def pid(self) -> int:
        """The fakes' process id."""
        assert self.process is not None
        return self.process.pid

    def stats(self) -> dict[str, dict[str, int]]:
        """Requests each vendor received so far, and how many distinct connections they came on."""
        with httpx.Client(trust_env=False, timeout=10) as client:
            counts: dict[str, dict[str, int]] = client.get(f"{self.urls['control']}/stats").json()
        return counts

    def timer_lateness(self) -> dict[str, Any]:
        """How late the fakes' sleeps woke since the last call (ms summary); starts a new window."""
        with httpx.Client(trust_env=False, timeout=10) as client:
            summary: dict[str, Any] = client.post(f"{self.urls['control']}/timer").json()
        return summary

    def server_env(self) -> dict[str, str]:
        """The settings that point a server at these fakes."""
        return {
            "INTERVIEWER": "anthropic",
            "EVALUATOR": "gemini",
            "EVALUATOR_MIN_ANSWERS": "0",  # short scripted interviews: graded anyway, as the bench measures it
            "VOICE": "elevenlabs",
            "ANTHROPIC_API_KEY": ANTHROPIC_KEY,
            "ANTHROPIC_BASE_URL": self.urls["anthropic"],
            "GEMINI_API_KEY": GEMINI_KEY,
            "GOOGLE_GEMINI_BASE_URL": self.urls["gemini"],
            "ELEVEN_KEYS": ELEVEN_KEY,
            "ELEVEN_BASE_URL": self.urls["eleven"],
        }

    def log_tail(self) -> str:
        """The last line the fakes printed."""
        return _last_line(self.log_path)

    def stop(self) -> None:
        """Close stdin (the fakes then exit), or terminate them."""
        if self.process is None:
            return
        if self.process.stdin is not None:
            with contextlib.suppress(OSError):
                self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            _stop(self.process)


def worker_settings(workers: int, redis_url: str, port: int) -> dict[str, str]:
    """What a server with several workers needs: Redis for turn locks and limits shared across them.

    The prefix is unique per server, so no run sees another's keys. The CLI sets PROMETHEUS_MULTIPROC_DIR.
    """
    if workers == 1:
        return {}
    return {"REDIS_URL": redis_url, "REDIS_PREFIX": f"bench-{os.getpid()}-{port}:"}


class ServerProcess:
    """`python -m interviewsim serve` (`--workers N` when N > 1), as a user starts it."""

    def __init__(
        self,
        data_dir: Path,
        settings: dict[str, str],
        log_level: str,
        profile_to: Path | None = None,
        *,
        workers: int = 1,
        redis_url: str = REDIS_URL,
    ) -> None:
        self.data_dir = data_dir
        self.profile_to = profile_to
        self.workers = workers
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_path = data_dir.parent / f"server-{data_dir.name}.log"
        self.env = {
            **_base_env(),
            "HOST": "127.0.0.1",
            "PORT": str(self.port),
            "DATA_DIR": str(data_dir),
            "LOCAL_TOKEN": TOKEN,
            "LOG_LEVEL": log_level,
            **worker_settings(workers, redis_url, self.port),
            **settings,
        }
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60.0) -> ServerProcess:
        """Start and wait until /readyz answers (the database is reachable)."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                self.command(),
                cwd=REPO_ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_die_with_parent,
            )
        deadline = time.monotonic() + timeout
        last = ""
        with httpx.Client(trust_env=False, timeout=5) as client:
            while True:
                with contextlib.suppress(httpx.HTTPError):
                    response = client.get(f"{self.base_url}/readyz")
                    if response.status_code == 200:
                        return self
                    last = f"/readyz answered {response.status_code}: {response.text[:200]}"
                try:
                    _wait(deadline, self.process, "the server")
                except Unavailable as error:
                    self.stop()
                    raise Unavailable(f"{error}: {last or self.log_tail()}") from None

    def command(self) -> list[str]:
        """`python -m interviewsim serve`, under pyinstrument when profiling."""
        serve = ["-m", "interviewsim", "serve"]
        if self.workers > 1:
            serve += ["--workers", str(self.workers)]
        if self.profile_to is None:
            return [sys.executable, *serve]
        session = str(self.profile_to.with_suffix(".pyisession"))
        return [sys.executable, "-m", "pyinstrument", "-r", "pyisession", "-o", session, *serve]

    @property
    def pid(self) -> int:
        """The server's process id (the Python process itself, not a shell; with workers, their parent)."""
        assert self.process is not None
        return self.process.pid

    def openapi(self) -> dict[str, Any]:
        """The server's OpenAPI document."""
        with httpx.Client(trust_env=False, timeout=10) as client:
            document: dict[str, Any] = client.get(f"{self.base_url}/openapi.json").json()
        return document

    def log_tail(self) -> str:
        """The last line the server printed (its error, when it failed to start)."""
        return _last_line(self.log_path)

    def stop(self) -> None:
        """Stop the server (SIGINT under pyinstrument, so it writes its report on the way out)."""
        if self.profile_to is None:
            _stop(self.process)
            return
        _stop(self.process, signal.SIGINT, timeout=120)
        session = self.profile_to.with_suffix(".pyisession")
        if session.exists():  # the text report; re-render the session with --show-all to see library frames
            render = ["-m", "pyinstrument", f"--load={session}", "-r", "text", "--no-color", "-o", str(self.profile_to)]
            subprocess.run([sys.executable, *render], check=False, timeout=120)


class FloorProcess(ServerProcess):
    """`python -m bench.floor`: the minimal app measured beside ours (same uvicorn, log level and fakes)."""

    def command(self) -> list[str]:
        """The floor app, never profiled."""
        return [sys.executable, "-m", "bench.floor"]


_EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Timeout|Exit)\b.*")
_BACKGROUND = re.compile(r"\s*\(Background on this error at: [^)]*\)")


def log_errors(path: Path, top: int = 5) -> dict[str, int]:
    """The exceptions a log shows (last line of each traceback, text or JSON logs), most frequent first."""
    counts: Counter[str] = Counter()
    with contextlib.suppress(OSError):
        for line in path.read_text(errors="replace").splitlines():
            for candidate in _exception_lines(line):
                counts[candidate[:160]] += 1
    return dict(counts.most_common(top))


def _exception_lines(line: str) -> list[str]:
    """Exception lines in one log line: itself, or the last exception line of a JSON record's `exc`."""
    if line.startswith("{"):
        with contextlib.suppress(ValueError, AttributeError):
            exc = json.loads(line).get("exc")
            found = [part for part in str(exc or "").splitlines() if _EXCEPTION_LINE.match(part)]
            return [_BACKGROUND.sub("", found[-1])] if found else []
    return [_BACKGROUND.sub("", line)] if _EXCEPTION_LINE.match(line) else []


def _last_line(path: Path) -> str:
    """The last non-empty line of a log."""
    with contextlib.suppress(OSError):
        lines = [line.strip() for line in path.read_text(errors="replace").splitlines() if line.strip()]
        if lines:
            return lines[-1][:300]
    return "(no output)"
