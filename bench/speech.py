"""`python -m bench.speech`: /api/stt and /api/tts on a real `interviewsim serve` with the built-in models.

Answers of about 10 s and 30 s are spoken by the built-in Piper voice from known text, encoded to WebM/Opus as a
browser records them, plus a copy of the 10 s one under white noise at 15 dB SNR. Piper never says a text the same
way twice (its model samples noise), and one take's word error rate swung from 6 % to 16 % between runs, so each
answer is spoken `--takes` times. The first upload is cold (it loads Whisper); then each take is uploaded
`--repeats` times: time to transcript after upload, real-time factor, the server's CPU-seconds per call, and the
word error rate with numbers spelled out, pooled over the takes (with the best and worst take). Then Piper's
first MP3 byte for a 30-word reply through /api/tts, and the server's peak RSS with both models loaded. A table
with the targets, and `speech-<timestamp>.json` beside the other results in bench/out.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import io
import json
import os
import re
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import av
import httpx
import jiwer
import numpy as np
from num2words import num2words  # type: ignore[import-untyped]
from rich.console import Console
from rich.table import Table

from bench.config import DEFAULT_OUT
from bench.procfs import cpu_seconds, memory_mb
from bench.services import TOKEN, ServerProcess
from bench.voice import REPLY_30_WORDS

SHORT = (
    "I would put a cache in front of the database, set a short expiry on each key, and clear the key on every "
    "write. That cut our read latency by forty percent."
)
LONG = (
    "Last year our checkout service started timing out during a big sale. I was on call that week, so I led the "
    "response. First I rolled back the latest release, then I looked at the dashboards and found that the "
    "database connection pool was exhausted. A client library was leaking connections whenever a payment failed. "
    "I wrote a fix, added an alert on pool usage, and we ran a blameless review the next morning. Errors fell "
    "from eight percent to almost zero within forty minutes, and the problem never came back in the following "
    "six months."
)
# The question asked, sent as the upload's `prompt`: Whisper then hears "cache", not "cash".
QUESTION = "How would you design a caching layer for a read-heavy API, and how did it change latency?"
NOISE_SNR_DB = 15.0
SERVER_SETTINGS = {
    "INTERVIEWER": "builtin",
    "EVALUATOR": "builtin",
    "VOICE": "builtin",
    "STT": "builtin",
    "RATE_LIMIT_STT": "1000000/second",
    "RATE_LIMIT_TTS": "1000000/second",
}
# (name, measured key, limit, unit): lower is better for every one.
TARGETS = (
    ("10 s clean: word error rate", "stt.short_clean.wer_percent", 10.0, "%"),
    ("10 s clean: transcript after upload (warm p50)", "stt.short_clean.seconds_p50", 1.5, "s"),
    ("10 s at 15 dB SNR: word error rate", "stt.short_noisy.wer_percent", 20.0, "%"),
    ("Piper first MP3 byte, 30 words (warm p50)", "tts.first_byte_ms_p50", 300.0, "ms"),
    ("server peak RSS, both models loaded", "memory.peak_rss_mb", 700.0, "MB"),
)
_NUMBER = re.compile(r"\d+(?:\.\d+)?")


@dataclass(frozen=True)
class Clip:
    """One answer: what was said, its audio as uploaded, and how long it lasts."""

    name: str
    text: str
    uploads: tuple[bytes, ...]  # one per take
    seconds: float  # of the first take
    prompt: str | None = None


@functools.cache
def _voice() -> Any:
    from interviewsim.tts.builtin import BuiltinVoice

    # One voice for every take: a freshly loaded model starts its noise from the same seed and says it alike.
    return BuiltinVoice()


def speak(text: str) -> np.ndarray:
    """`text` spoken by the built-in male voice (Piper): int16 mono samples at 22,050 Hz."""

    async def collect() -> bytes:
        return b"".join([chunk async for chunk in _voice().synthesize_pcm(text, "male")])

    return np.frombuffer(asyncio.run(collect()), dtype=np.int16)


def with_noise(samples: np.ndarray, snr_db: float, seed: int = 15) -> np.ndarray:
    """`samples` plus white noise `snr_db` below the clip's mean power."""
    signal = samples.astype(np.float64)
    noise_power = np.mean(signal**2) / 10 ** (snr_db / 10)
    noise = np.random.default_rng(seed).normal(0.0, np.sqrt(noise_power), signal.shape)
    return np.clip(signal + noise, -32768, 32767).astype(np.int16)


def webm(samples: np.ndarray, rate: int) -> bytes:
    """Mono int16 `samples` as WebM/Opus, what a browser's MediaRecorder uploads."""
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format="webm") as output:
        stream = output.add_stream("libopus", rate=48_000, layout="mono")
        resampler = av.AudioResampler(format=stream.format.name, layout="mono", rate=48_000)
        frame = av.AudioFrame.from_ndarray(samples.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate = rate
        for resampled in [*resampler.resample(frame), *resampler.resample(None)]:
            output.mux(stream.encode(resampled))
        output.mux(stream.encode(None))
    return buffer.getvalue()


def clips(takes: int) -> list[Clip]:
    """The 10 s answer clean, noisy, and with the question as its prompt; the 30 s answer; `takes` of each."""
    from interviewsim.tts.base import PCM_OUTPUT_SAMPLE_RATE as rate

    shorts = [speak(SHORT) for _ in range(takes)]
    longs = [speak(LONG) for _ in range(takes)]
    clean = tuple(webm(short, rate) for short in shorts)
    return [
        Clip("short_clean", SHORT, clean, len(shorts[0]) / rate),
        Clip(
            "short_noisy", SHORT, tuple(webm(with_noise(s, NOISE_SNR_DB), rate) for s in shorts), len(shorts[0]) / rate
        ),
        Clip("short_prompted", SHORT, clean, len(shorts[0]) / rate, prompt=QUESTION),
        Clip("long_clean", LONG, tuple(webm(long, rate) for long in longs), len(longs[0]) / rate),
    ]


def spelled(text: str) -> str:
    """Lower case, no punctuation, numbers in words ("40%" is "forty percent"), for comparing transcripts."""
    text = re.sub(r"(?<=\d),(?=\d{3})", "", text.lower()).replace("%", " percent")
    text = _NUMBER.sub(lambda m: f" {_spoken_number(m[0])} ", text)
    text = re.sub(r"[^a-z' ]+", " ", text)
    return " ".join(text.split())


def _spoken_number(digits: str) -> str:
    """ "120" as "one hundred twenty" (num2words says "one hundred and twenty")."""
    return str(num2words(float(digits) if "." in digits else int(digits))).replace(" and ", " ")


def word_error_rate(reference: str, heard: str | list[str]) -> float:
    """Word error rate in percent, both sides normalised by `spelled`; several transcripts are pooled."""
    heard = [heard] if isinstance(heard, str) else heard
    return round(100 * float(jiwer.wer([spelled(reference)] * len(heard), [spelled(text) for text in heard])), 1)


def transcribe(client: httpx.Client, server: ServerProcess, clip: Clip, take: int) -> dict[str, Any]:
    """One upload: wall seconds from sending it to the transcript, the server's CPU-seconds, the text."""
    files = {"file": ("answer.webm", clip.uploads[take], "audio/webm")}
    data = {"prompt": clip.prompt} if clip.prompt else {}
    cpu = cpu_seconds(server.pid)
    started = time.perf_counter()
    response = client.post(f"{server.base_url}/api/stt", files=files, data=data)
    seconds = time.perf_counter() - started
    response.raise_for_status()
    return {"seconds": seconds, "cpu_seconds": cpu_seconds(server.pid) - cpu, "text": response.json()["text"]}


def stt_phase(client: httpx.Client, server: ServerProcess, repeats: int, takes: int) -> dict[str, Any]:
    """Each clip once cold (the first loads the model), then each take `repeats` times warm."""
    results: dict[str, Any] = {}
    for clip in clips(takes):
        cold = transcribe(client, server, clip, 0)
        warm = [transcribe(client, server, clip, take) for take in range(takes) for _ in range(repeats)]
        seconds = sorted(call["seconds"] for call in warm)
        p50 = seconds[len(seconds) // 2]
        heard = [warm[take * repeats]["text"] for take in range(takes)]  # a take always reads the same
        per_take = [word_error_rate(clip.text, text) for text in heard]
        results[clip.name] = {
            "audio_seconds": round(clip.seconds, 2),
            "upload_bytes": len(clip.uploads[0]),
            "takes": takes,
            "cold_seconds": round(cold["seconds"], 3),
            "seconds_p50": round(p50, 3),
            "seconds_max": round(seconds[-1], 3),
            "real_time_factor": round(p50 / clip.seconds, 3),
            "cpu_seconds_per_call": round(sum(call["cpu_seconds"] for call in warm) / len(warm), 2),
            "wer_percent": word_error_rate(clip.text, heard),
            "wer_percent_best_take": min(per_take),
            "wer_percent_worst_take": max(per_take),
            "reference": clip.text,
            "heard": heard,
        }
    return results


def first_byte(client: httpx.Client, server: ServerProcess) -> tuple[float, float]:
    """(seconds to the first MP3 byte, seconds to the whole reply) of /api/tts for the 30-word reply."""
    body = {"text": REPLY_30_WORDS, "voice_style": "male"}
    started = time.perf_counter()
    first: float | None = None
    with client.stream("POST", f"{server.base_url}/api/tts", json=body) as response:
        response.raise_for_status()
        for chunk in response.iter_raw():
            if chunk and first is None:
                first = time.perf_counter() - started
    total = time.perf_counter() - started
    return first if first is not None else total, total


def tts_phase(client: httpx.Client, server: ServerProcess, repeats: int) -> dict[str, Any]:
    """Piper's first MP3 byte: once cold (loads the voice), then `repeats` times warm."""
    cold = first_byte(client, server)
    warm = sorted(first_byte(client, server) for _ in range(repeats))
    return {
        "words": len(REPLY_30_WORDS.split()),
        "cold_first_byte_ms": round(cold[0] * 1000, 1),
        "first_byte_ms_p50": round(warm[len(warm) // 2][0] * 1000, 1),
        "first_byte_ms_max": round(max(first for first, _ in warm) * 1000, 1),
        "whole_reply_ms_p50": round(sorted(total for _, total in warm)[len(warm) // 2] * 1000, 1),
    }


def measure(repeats: int, takes: int, workdir: Path) -> dict[str, Any]:
    """Start the server, run both phases, read its memory, stop it."""
    server = ServerProcess(workdir / "speech", SERVER_SETTINGS, "WARNING").start()
    try:
        idle = memory_mb(server.pid)
        with httpx.Client(trust_env=False, timeout=120, headers={"Authorization": f"Bearer {TOKEN}"}) as client:
            stt = stt_phase(client, server, repeats, takes)
            after_stt = memory_mb(server.pid)
            tts = tts_phase(client, server, repeats)
        peak = memory_mb(server.pid)
    finally:
        server.stop()
    return {
        "stt": stt,
        "tts": tts,
        "memory": {
            "idle_rss_mb": round(idle["rss_mb"], 1),
            "rss_after_stt_mb": round(after_stt["rss_mb"], 1),
            "rss_mb": round(peak["rss_mb"], 1),
            "peak_rss_mb": round(peak["peak_rss_mb"], 1),
        },
    }


def lookup(results: dict[str, Any], dotted: str) -> float:
    """The number at a dotted key."""
    value: Any = results
    for part in dotted.split("."):
        value = value[part]
    return float(value)


def checks(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Each target with its measured value, pass or MISS, and by how much it missed."""
    rows = []
    for name, key, limit, unit in TARGETS:
        value = lookup(results, key)
        rows.append(
            {
                "target": name,
                "key": key,
                "limit": limit,
                "unit": unit,
                "value": value,
                "passed": value <= limit,
                "over_percent": round(100 * (value - limit) / limit, 1) if value > limit else 0.0,
            }
        )
    return rows


def print_tables(console: Console, results: dict[str, Any]) -> None:
    """The measurements per clip, then the targets."""
    measured = Table(title="/api/stt (built-in Whisper tiny.en, WebM/Opus uploads)")
    for column in ("clip", "audio s", "cold s", "warm p50 s", "RTF", "CPU-s/call", "WER %", "takes' WER %"):
        measured.add_column(column, justify="right" if column != "clip" else "left")
    for name, clip in results["stt"].items():
        measured.add_row(
            name,
            f"{clip['audio_seconds']:.1f}",
            f"{clip['cold_seconds']:.2f}",
            f"{clip['seconds_p50']:.2f}",
            f"{clip['real_time_factor']:.2f}",
            f"{clip['cpu_seconds_per_call']:.2f}",
            f"{clip['wer_percent']:.1f}",
            f"{clip['wer_percent_best_take']:.1f}-{clip['wer_percent_worst_take']:.1f}",
        )
    console.print(measured)
    tts, memory = results["tts"], results["memory"]
    console.print(
        f"/api/tts Piper, {tts['words']} words: first MP3 byte cold {tts['cold_first_byte_ms']:.0f} ms, "
        f"warm p50 {tts['first_byte_ms_p50']:.0f} ms (max {tts['first_byte_ms_max']:.0f}); whole reply "
        f"{tts['whole_reply_ms_p50']:.0f} ms."
    )
    console.print(f"Server RSS idle {memory['idle_rss_mb']:.0f} MB, peak {memory['peak_rss_mb']:.0f} MB.")
    targets = Table(title="Speech targets")
    for column in ("target", "measured", "limit", "result"):
        targets.add_column(column)
    for row in results["targets"]:
        verdict = "pass" if row["passed"] else f"[red]MISS[/] (+{row['over_percent']}%)"
        targets.add_row(row["target"], f"{row['value']:g} {row['unit']}", f"≤ {row['limit']:g} {row['unit']}", verdict)
    console.print(targets)
    console.print(f"load average before/after: {results['meta']['load_before']} / {results['meta']['load_after']}")


def main() -> None:
    """Run the speech benchmark, print its tables and write its JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeats", type=int, default=2, help="warm calls per take and per voice reply")
    parser.add_argument("--takes", type=int, default=5, help="times each answer is spoken (Piper varies)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"directory for the JSON ({DEFAULT_OUT})")
    args = parser.parse_args()
    console = Console()
    started = datetime.now()
    load_before = [round(load, 2) for load in os.getloadavg()]
    with tempfile.TemporaryDirectory(prefix="bench-speech-") as workdir:
        results = measure(args.repeats, args.takes, Path(workdir))
    results["targets"] = checks(results)
    results["meta"] = {
        "timestamp": started.isoformat(timespec="seconds"),
        "nproc": len(os.sched_getaffinity(0)),
        "repeats": args.repeats,
        "noise_snr_db": NOISE_SNR_DB,
        "load_before": load_before,
        "load_after": [round(load, 2) for load in os.getloadavg()],
    }
    print_tables(console, results)
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"speech-{started:%Y%m%dT%H%M%S}.json"
    path.write_text(json.dumps(results, indent=2) + "\n")
    console.print(f"results: {path}")


if __name__ == "__main__":
    main()
