"""`python -m bench.live_voice`: spoken interviews through GET /api/voice on a real `interviewsim serve`, timed.

The candidate is the built-in voice (Piper) saying finished sentences into a microphone-like stream:
20 ms frames at real-time pace, silence between answers. The client plays the interviewer's audio
in real time (it reports `playback.end` when the audio's length has passed). Phases, one server with
the built-in engines (Whisper tiny.en, the built-in interviewer, Piper):

- latency: from the last voiced frame of an answer to the first audio frame of the reply, one
  interview at a time, with where the time went (pause detected, final transcript, answer stored,
  first reply text, first audio);
- barge-in: the candidate talks over a reply a second into it; the cut is timed from the first
  voiced frame sent, and from the server's `speech.started` (frames the server sent after it heard speech);
- concurrency: several interviews at once, the same latency, and every error counted.

Each phase records the machine's load averages. Results print as a table and go to bench/out as JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from websockets.asyncio.client import ClientConnection, connect

from bench.config import DEFAULT_OUT
from bench.services import TOKEN, ServerProcess
from bench.stats import summarize_ms

FRAME_SECONDS = 0.02
INPUT_RATE = 16_000
FRAME_BYTES = int(INPUT_RATE * FRAME_SECONDS) * 2
OUTPUT_BYTES_PER_SECOND = 22_050 * 2
VOICED_RMS = 300.0  # a 20 ms frame louder than this is speech (Piper's speech is ~3000, silence 0)
WAIT_SECONDS = 120.0  # generous: six engineers share this machine's two cores
TARGETS_MS = {"latency_p50": 1500, "latency_p95": 2500, "barge_in_p95": 300, "concurrent_p95": 4000}

ANSWERS = (
    "I worked on the payment system for three years.",
    "I would start by measuring where the time goes, then fix the slowest query first.",
    "We moved our services to containers and cut the deploy time in half.",
    "I led a team of four engineers on the search feature.",
    "The hardest bug I fixed was a race condition in our job scheduler.",
    "I prefer small pull requests because they are easier to review.",
    "I would add an index on the user id column and cache the hot reads.",
    "I learned to write the tests first when the requirements are clear.",
    "We used PostgreSQL for the orders and Redis for the sessions.",
    "I talked to the customer, agreed on a smaller first release, and shipped it in two weeks.",
)


@dataclass(frozen=True)
class Clip:
    """An answer as 16 kHz PCM, with its first and last voiced 20 ms frames."""

    text: str
    pcm: bytes
    first_voiced: int
    last_voiced: int


def synthesize_answers() -> list[Clip]:
    """Each answer said by the built-in male voice (Piper), resampled to the input format."""
    from interviewsim.tts.builtin import BuiltinVoice

    async def say(voice: BuiltinVoice, text: str) -> bytes:
        return b"".join([chunk async for chunk in voice.synthesize_pcm(text, "male")])

    voice = BuiltinVoice()
    clips = []
    for text in ANSWERS:
        samples = np.frombuffer(asyncio.run(say(voice, text)), dtype="<i2").astype(np.float32)
        count = int(len(samples) * INPUT_RATE / 22_050)
        pcm = np.interp(np.linspace(0, len(samples) - 1, count), np.arange(len(samples)), samples)
        frames = pcm[: len(pcm) // (FRAME_BYTES // 2) * (FRAME_BYTES // 2)].reshape(-1, FRAME_BYTES // 2)
        voiced = np.flatnonzero(np.sqrt((frames**2).mean(axis=1)) > VOICED_RMS)
        clips.append(Clip(text, pcm.astype("<i2").tobytes(), int(voiced[0]), int(voiced[-1])))
    return clips


@dataclass
class Frame:
    """One frame from the server and when it arrived (monotonic seconds)."""

    at: float
    event: dict[str, Any] | None = None
    audio_bytes: int = 0


@dataclass
class Said:
    """When an answer's first and last voiced frames were sent."""

    first: float = 0.0
    last: float = 0.0
    done: asyncio.Event = field(default_factory=asyncio.Event)


class Candidate:
    """One WebSocket: a microphone that sends frames in real time, and a reader that timestamps what comes back."""

    def __init__(self, connection: ClientConnection) -> None:
        self.connection = connection
        self.received: list[Frame] = []
        self.errors: list[dict[str, Any]] = []
        self._clips: asyncio.Queue[tuple[Clip, Said]] = asyncio.Queue()
        self._changed = asyncio.Event()
        self.closed = False
        self._tasks = [asyncio.create_task(self._microphone()), asyncio.create_task(self._read())]

    @classmethod
    async def open(cls, base_url: str) -> tuple[Candidate, str]:
        """Start an interview over HTTP and open its voice socket; the session id."""
        body = {"domain": "software", "role": "Backend Engineer", "duration": 30, "voice_style": "male"}
        headers = {"Authorization": f"Bearer {TOKEN}"}
        async with httpx.AsyncClient(trust_env=False, timeout=WAIT_SECONDS) as client:
            response = await client.post(f"{base_url}/api/start-session", json=body, headers=headers)
        response.raise_for_status()
        session_id = str(response.json()["session_id"])
        url = base_url.replace("http://", "ws://") + f"/api/voice?session_id={session_id}"
        connection = await connect(url, additional_headers=headers, max_size=2**20)
        return cls(connection), session_id

    async def _microphone(self) -> None:
        next_at = time.monotonic()
        silence = bytes(FRAME_BYTES)
        with contextlib.suppress(Exception):
            while True:
                if self._clips.empty():
                    await self.connection.send(silence)
                    next_at = await _pace(next_at)
                    continue
                clip, said = self._clips.get_nowait()
                for index in range(0, len(clip.pcm) // FRAME_BYTES):
                    await self.connection.send(clip.pcm[index * FRAME_BYTES : (index + 1) * FRAME_BYTES])
                    if index == clip.first_voiced:
                        said.first = time.monotonic()
                    if index == clip.last_voiced:
                        said.last = time.monotonic()
                    next_at = await _pace(next_at)
                said.done.set()

    async def _read(self) -> None:
        try:
            async for message in self.connection:
                now = time.monotonic()
                if isinstance(message, bytes):
                    self.received.append(Frame(now, audio_bytes=len(message)))
                else:
                    event = json.loads(message)
                    self.received.append(Frame(now, event=event))
                    if event["type"] == "error":
                        self.errors.append(event)
                self._changed.set()
        except Exception as error:
            self.errors.append({"type": "client", "error": repr(error)})
        finally:
            self.closed = True
            self._changed.set()

    async def say(self, clip: Clip) -> Said:
        """Queue `clip` on the microphone; the returned record fills in as it is sent."""
        said = Said()
        await self._clips.put((clip, said))
        return said

    async def until(self, found: Callable[[Frame], bool], after: int = 0) -> int:
        """The index of the first frame at or after `after` that `found` accepts."""
        async with asyncio.timeout(WAIT_SECONDS):
            while True:
                for index in range(after, len(self.received)):
                    if found(self.received[index]):
                        return index
                if self.closed:
                    raise ConnectionError(f"closed ({self.connection.close_code}) while waiting")
                self._changed.clear()
                await self._changed.wait()

    async def event(self, kind: str, after: int = 0, **fields: Any) -> int:
        """The index of the next `kind` event with these fields."""

        def found(frame: Frame) -> bool:
            event = frame.event
            return event is not None and event["type"] == kind and all(event.get(k) == v for k, v in fields.items())

        return await self.until(found, after)

    async def play(self, start: int) -> tuple[int, bool]:
        """Play the turn whose audio.start is at `start` in real time; (index of its end, whether it was the last)."""
        turn = self.received[start].event["turn"]  # type: ignore[index]
        first = await self.until(lambda f: f.audio_bytes > 0, start)

        def ended(frame: Frame) -> bool:
            event = frame.event
            return event is not None and event["type"] in ("audio.end", "interrupted") and event.get("turn") == turn

        end = await self.until(ended, start)
        seconds = sum(f.audio_bytes for f in self.received[start:end]) / OUTPUT_BYTES_PER_SECOND
        await asyncio.sleep(max(0.0, self.received[first].at + seconds - time.monotonic()))
        with contextlib.suppress(Exception):
            await self.connection.send(json.dumps({"type": "playback.end", "turn": turn}))
        last = any(f.event and f.event["type"] == "reply" and f.event.get("end") for f in self.received[:end])
        return end, last

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.connection.close()


async def _pace(next_at: float) -> float:
    next_at += FRAME_SECONDS
    await asyncio.sleep(max(0.0, next_at - time.monotonic()))
    return next_at


def _first_after(candidate: Candidate, kind: str, start: int, end: int, **fields: Any) -> float | None:
    for frame in candidate.received[start:end]:
        event = frame.event
        if event is not None and event["type"] == kind and all(event.get(k) == v for k, v in fields.items()):
            return frame.at
    return None


async def answer_turn(candidate: Candidate, clip: Clip, turn: int) -> tuple[dict[str, Any], int, bool]:
    """Say `clip` after interviewer turn `turn`; the timings of the reply, its audio.end index, and whether it ended."""
    cursor = len(candidate.received)
    said = await candidate.say(clip)

    def reply_or_error(frame: Frame) -> bool:
        event = frame.event or {}
        return event.get("type") == "error" or (event.get("type") == "audio.start" and event.get("turn") == turn + 1)

    start = await candidate.until(reply_or_error, cursor)
    if candidate.received[start].event["type"] == "error":  # type: ignore[index]
        await said.done.wait()  # the answer was lost (the server asked for it again): not timed
        return {"answer": clip.text, "error": candidate.received[start].event}, start, False
    first_audio = await candidate.until(lambda f: f.audio_bytes > 0, start)
    await said.done.wait()
    last = said.last

    def since(kind: str, **fields: Any) -> float | None:
        at = _first_after(candidate, kind, cursor, first_audio, **fields)
        return None if at is None else round(at - last, 3)

    stopped = [f.at for f in candidate.received[cursor:first_audio] if f.event and f.event["type"] == "speech.stopped"]
    timing = {
        "answer": clip.text,
        "latency": round(candidate.received[first_audio].at - last, 3),
        "pause_detected": round(stopped[-1] - last, 3) if stopped else None,
        "pauses": len(stopped),  # more than one: a mid-answer pause started a speculation that went stale
        "speculative_transcript": since("transcript", final=False),
        "final_transcript": since("transcript", final=True),
        "answer_stored": since("thinking"),
        "first_reply_text": since("reply.delta"),
        "audio_start": since("audio.start"),
    }
    end, ended = await candidate.play(start)
    return timing, end, ended


@dataclass
class Measured:
    """What a phase's interviews measured so far (kept when one of them times out)."""

    timings: list[dict[str, Any]] = field(default_factory=list)
    cuts: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)


async def interview(
    base_url: str,
    clips: list[Clip],
    turns: int,
    *,
    barge_in: bool = False,
    offset: int = 0,
    into: Measured | None = None,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """Interviews one after another until `turns` answers are timed; (turn timings, barge-in timings, errors)."""
    measured = into if into is not None else Measured()
    timings, cuts, errors = measured.timings, measured.cuts, measured.errors
    target = len(timings) + turns
    while len(timings) < target:
        candidate, _ = await Candidate.open(base_url)
        try:
            greeting = await candidate.event("audio.start", turn=1)
            end, ended = (await candidate.play(greeting)) if not barge_in else (greeting, False)
            turn = 1
            while not ended and len(timings) < target and len(candidate.errors) < 5:
                clip = clips[(offset + len(timings)) % len(clips)]
                if barge_in:
                    cut = await talk_over(candidate, clip, turn)
                    if cut is not None:
                        cuts.append(cut)
                    start = await candidate.event("audio.start", end, turn=turn + 1)
                    timings.append({"answer": clip.text})
                    turn += 1
                    end, ended = start, False
                    continue
                timing, end, ended = await answer_turn(candidate, clip, turn)
                if "error" in timing:
                    continue  # counted in the candidate's errors; say the next answer
                timings.append(timing)
                turn += 1
        finally:
            errors.extend(candidate.errors)
            await candidate.close()
    return timings, cuts, errors


async def talk_over(candidate: Candidate, clip: Clip, turn: int) -> dict[str, Any] | None:
    """Start `clip` a second into turn `turn`'s audio; the cut's timings (None when the audio ended first)."""
    start = await candidate.event("audio.start", turn=turn)
    first = await candidate.until(lambda f: f.audio_bytes > 0, start)
    await asyncio.sleep(max(0.0, candidate.received[first].at + 1.0 - time.monotonic()))
    said = await candidate.say(clip)

    def stopped(frame: Frame) -> bool:
        event = frame.event
        return event is not None and event["type"] in ("interrupted", "audio.end") and event.get("turn") == turn

    end = await candidate.until(stopped, first)
    event = candidate.received[end].event
    assert event is not None
    if event["type"] == "audio.end":
        return None
    frames = [f.at for f in candidate.received[first:end] if f.audio_bytes]
    heard = _first_after(candidate, "speech.started", first, len(candidate.received))
    return {
        "last_frame_after_speech": round(frames[-1] - said.first, 3),
        "interrupted_after_speech": round(candidate.received[end].at - said.first, 3),
        "last_frame_after_detection": round(frames[-1] - heard, 3) if heard is not None else None,
        "frames_after_detection": sum(1 for at in frames if heard is not None and at > heard),
    }


def _cpu_seconds(pid: int) -> float:
    """User plus system CPU of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def listening(base_url: str, pid: int, interviews: int, seconds: float) -> dict[str, Any]:
    """The server's CPU for `interviews` open interviews that only listen: receiving frames and running the VAD.

    With vendor speech-to-text and a vendor voice this is nearly all the local work of a voice interview.
    """
    candidates = [(await Candidate.open(base_url))[0] for _ in range(interviews)]
    try:
        for candidate in candidates:
            await candidate.event("audio.end", turn=1)
            await candidate.connection.send(json.dumps({"type": "playback.end", "turn": 1}))
        await asyncio.sleep(1.0)
        before, started = _cpu_seconds(pid), time.monotonic()
        await asyncio.sleep(seconds)
        used, elapsed = _cpu_seconds(pid) - before, time.monotonic() - started
    finally:
        for candidate in candidates:
            await candidate.close()
    share = used / elapsed / interviews
    return {
        "interviews": interviews,
        "seconds": round(elapsed, 1),
        "server_cpu_per_listening_interview": round(share, 4),
        "listening_interviews_per_core": int(1 / share) if share else None,
        "errors": [e for c in candidates for e in c.errors],
    }


async def concurrent(base_url: str, clips: list[Clip], interviews: int, turns: int) -> dict[str, Any]:
    """`interviews` interviews at once, `turns` answers each."""
    each = [Measured() for _ in range(interviews)]
    results = await asyncio.gather(
        *(interview(base_url, clips, turns, offset=n, into=each[n]) for n in range(interviews)), return_exceptions=True
    )
    return {
        "interviews": interviews,
        "latency_ms": summarize_ms([t["latency"] for m in each for t in m.timings]),
        "stages_ms": _stage_summary([t for m in each for t in m.timings]),
        "errors": [e for m in each for e in m.errors],
        # An interview that waited WAIT_SECONDS for a reply: its answers timed before that are kept above.
        "failures": [repr(r) for r in results if isinstance(r, BaseException)],
    }


def _stage_summary(timings: list[dict[str, Any]]) -> dict[str, Any]:
    stages = ("pause_detected", "speculative_transcript", "final_transcript", "answer_stored", "first_reply_text")
    summary: dict[str, Any] = {
        stage: summarize_ms([t[stage] for t in timings if t.get(stage) is not None]) for stage in (*stages, "latency")
    }
    hits = [t for t in timings if t.get("speculative_transcript") is not None]
    summary["speculation_used"] = f"{len(hits)}/{len(timings)}"
    summary["answers_with_a_stale_speculation"] = sum(1 for t in timings if t.get("pauses", 0) > 1)
    return summary


def _load() -> list[float]:
    return [round(load, 2) for load in os.getloadavg()]


async def run(base_url: str, pid: int, clips: list[Clip], args: argparse.Namespace) -> dict[str, Any]:
    """Every phase against one running server."""
    results: dict[str, Any] = {}
    # Warm up: the first voice session loads Whisper, Silero and Piper; its turn is reported apart.
    load = _load()
    warm, _, warm_errors = await interview(base_url, clips, 1)
    results["cold_first_turn"] = {"latency_s": warm[0]["latency"], "load_before": load, "errors": warm_errors}

    load = _load()
    timings, _, errors = await interview(base_url, clips, args.turns)
    results["latency"] = {
        "turns": timings,
        "summary_ms": _stage_summary(timings),
        "errors": errors,
        "load_before": load,
        "load_after": _load(),
    }
    load = _load()
    _, cuts, errors = await interview(base_url, clips, args.barge_ins, barge_in=True)
    results["barge_in"] = {
        "cuts": cuts,
        "summary_ms": {
            key: summarize_ms([c[key] for c in cuts if c[key] is not None])
            for key in ("last_frame_after_speech", "interrupted_after_speech", "last_frame_after_detection")
        },
        "errors": errors,
        "load_before": load,
        "load_after": _load(),
    }
    load = _load()
    results["concurrent"] = {
        **await concurrent(base_url, clips, args.concurrent, args.concurrent_turns),
        "load_before": load,
        "load_after": _load(),
    }
    load = _load()
    results["listening"] = {**await listening(base_url, pid, args.concurrent, 20.0), "load_before": load}
    return results


def report(results: dict[str, Any]) -> list[str]:
    """The headline figures against the targets, one line each."""
    latency = results["latency"]["summary_ms"]["latency"]
    cut = results["barge_in"]["summary_ms"]
    together = results["concurrent"]

    def mark(value: float | None, target: int) -> str:
        return "n/a" if value is None else ("pass" if value <= target else "MISS")

    return [
        f"cold first turn: {results['cold_first_turn']['latency_s'] * 1000:.0f} ms",
        f"end of answer -> first reply audio, {latency['count']} turns: p50 {latency['p50']} ms "
        f"[{mark(latency['p50'], TARGETS_MS['latency_p50'])} <= 1500], p95 {latency['p95']} ms "
        f"[{mark(latency['p95'], TARGETS_MS['latency_p95'])} <= 2500]  load {results['latency']['load_before']}",
        f"barge-in, last reply frame after speech starts: p95 {cut['last_frame_after_speech']['p95']} ms "
        f"[{mark(cut['last_frame_after_speech']['p95'], TARGETS_MS['barge_in_p95'])} <= 300]; after the server "
        f"heard it: p95 {cut['last_frame_after_detection']['p95']} ms; `interrupted` after speech starts: p95 "
        f"{cut['interrupted_after_speech']['p95']} ms ({cut['last_frame_after_speech']['count']} cuts)  "
        f"load {results['barge_in']['load_before']}",
        f"{together['interviews']} concurrent interviews: p95 {together['latency_ms']['p95']} ms "
        f"[{mark(together['latency_ms']['p95'], TARGETS_MS['concurrent_p95'])} <= 4000], "
        f"{len(together['errors'])} errors, {len(together['failures'])} failed  load {together['load_before']}",
        f"listening only (frames + VAD): {results['listening']['server_cpu_per_listening_interview'] * 100:.1f} % "
        f"of a core per interview, ~{results['listening']['listening_interviews_per_core']} per core",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--turns", type=int, default=20, help="answers timed one interview at a time")
    parser.add_argument("--barge-ins", type=int, default=20)
    parser.add_argument("--concurrent", type=int, default=10, help="interviews at once")
    parser.add_argument("--concurrent-turns", type=int, default=3, help="answers per concurrent interview")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    clips = synthesize_answers()
    with tempfile.TemporaryDirectory(prefix="bench-voice-") as workdir:
        settings = {"INTERVIEWER": "builtin", "EVALUATOR": "builtin", "VOICE": "builtin", "STT": "builtin"}
        settings |= {"VOICE_MAX_SESSIONS": str(args.concurrent + 2), "HF_HUB_OFFLINE": "1"}
        server = ServerProcess(Path(workdir) / "data", settings, "WARNING").start()
        try:
            results = asyncio.run(run(server.base_url, server.pid, clips, args))
        finally:
            server.stop()
    results["machine"] = {"nproc": len(os.sched_getaffinity(0)), "uptime": _uptime()}
    lines = report(results)
    print("\n".join(["live voice (built-in engines)", *lines]))
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"live-voice-{datetime.now():%Y%m%d-%H%M%S}.json"
    path.write_text(json.dumps({**results, "report": lines}, indent=2))
    print(f"results: {path}")


def _uptime() -> str:
    with contextlib.suppress(OSError):
        return Path("/proc/loadavg").read_text().strip()
    return ""


if __name__ == "__main__":
    main()
