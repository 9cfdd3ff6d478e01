"""Simulated candidates: whole interviews against fake vendors, against the built-in engines, and bare starts."""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass

from bench.client import Api
from bench.config import INTERVIEW_MINUTES, FakeLatency

END = "[END_INTERVIEW_MANUAL]"
ANSWERS = (
    "I'm doing well, thanks for having me. I've been looking forward to this conversation all week.",
    "What drew me to backend work is the mix of systems thinking and measurable impact on real users.",
    "I'd put a token bucket per user in Redis, refill it on read, and return 429 with Retry-After when empty. "
    "We ran that at my last job and cut abusive traffic by 80 percent without hurting normal clients.",
    "First I'd reproduce it with a load test, then profile the hot path; last time the culprit was an N+1 query, "
    "so I added a join and an index and p99 dropped from 900 ms to 120 ms.",
    "In my previous team we had a disagreement about a migration plan. I set up a short design review, we "
    "listed the risks together, and agreed on a staged rollout behind a feature flag that shipped on time.",
    "I would use a queue with idempotent consumers and a dead-letter queue, and alert on its depth.",
)


def answer(number: int) -> str:
    """The candidate's answer to turn `number` (varied, realistic lengths)."""
    return ANSWERS[number % len(ANSWERS)]


def start_body(candidate: int) -> dict[str, object]:
    """A start-session body; the long duration keeps the plan from running out during the bench."""
    return {
        "domain": "software",
        "role": "Backend Engineer",
        "interview_type": "Technical" if candidate % 2 else "Mixed",
        "difficulty": "Intermediate",
        "duration": INTERVIEW_MINUTES,
        "voice_style": "female" if candidate % 2 else "male",
    }


@dataclass(frozen=True)
class VendorPlan:
    """What one interview against the fakes does, and the fake latency each request waits for.

    `speak`: each reply is followed by /api/tts. `grade_at_end`: the evaluation is made by the end
    marker (interviewsim); otherwise by /api/results (the floor app, which stores nothing).
    """

    turns: int
    latency: FakeLatency
    audio_bytes: int
    speak: bool = True
    grade_at_end: bool = True

    @property
    def interviewer_turns(self) -> int:
        """Start, each answer, and the end marker."""
        return self.turns + 2

    @property
    def requests(self) -> int:
        """HTTP requests one interview makes."""
        return self.turns * (2 if self.speak else 1) + 3

    @property
    def ideal_seconds(self) -> float:
        """One interview's time if the server added nothing: the sum of the fakes' latencies it waits for."""
        lat = self.latency
        return lat.anthropic * (self.turns + 2) + lat.gemini + (self.turns * lat.tts_total if self.speak else 0.0)

    def expected_calls(self, interviews: int) -> dict[str, int]:
        """Vendor requests that many interviews must make."""
        speeches = interviews * self.turns if self.speak else 0
        return {"anthropic": interviews * (self.turns + 2), "gemini": interviews, "eleven": speeches}


async def vendor_interview(api: Api, plan: VendorPlan, candidate: int) -> None:
    """Start, K answers each followed by its speech, the end marker (closing + evaluation), then results."""
    lat = plan.latency
    started = await api.post("start-session", "/api/start-session", start_body(candidate), lat.anthropic)
    if started is None:
        return
    api.recorder.turns += 1
    session_id = started["session_id"]
    style = str(start_body(candidate)["voice_style"])
    for turn in range(plan.turns):
        body = {"session_id": session_id, "user_message": answer(turn)}
        reply = await api.post("chat", "/api/chat", body, lat.anthropic)
        if reply is None:
            continue
        api.recorder.turns += 1
        if plan.speak:
            await api.speak(reply["voice_response"], style, lat.tts_first_byte, lat.tts_total, plan.audio_bytes)
    end_body = {"session_id": session_id, "user_message": END}
    grading = lat.gemini if plan.grade_at_end else 0.0
    ended = await api.post("chat:end", "/api/chat", end_body, lat.anthropic + grading)
    if ended is not None:
        api.recorder.turns += 1
        if ended.get("end") is not True:
            api.recorder.error("chat:end", "reply without end: true")
    await api.post("results", "/api/results", {"session_id": session_id}, lat.gemini - grading)


async def stream_interview(api: Api, turns: int, latency: FakeLatency, candidate: int) -> None:
    """Start, then K answers through /api/chat/stream."""
    started = await api.post("start-session", "/api/start-session", start_body(candidate), latency.anthropic)
    if started is None:
        return
    for turn in range(turns):
        body = {"session_id": started["session_id"], "user_message": answer(turn)}
        await api.stream(body, latency.anthropic)


async def builtin_interview(api: Api, turns: int, candidate: int) -> None:
    """A whole interview on the built-in engines (no vendor latency to subtract)."""
    started = await api.post("start-session", "/api/start-session", start_body(candidate), 0.0)
    if started is None:
        return
    session_id = started["session_id"]
    for turn in range(turns):
        if await api.post("chat", "/api/chat", {"session_id": session_id, "user_message": answer(turn)}, 0.0):
            api.recorder.turns += 1
    await api.post("chat:end", "/api/chat", {"session_id": session_id, "user_message": END}, 0.0)
    await api.post("results", "/api/results", {"session_id": session_id}, 0.0)


async def start_sessions(api: Api, count: int, concurrency: int) -> None:
    """Create `count` sessions through the API, `concurrency` at a time."""
    numbers = itertools.count()

    async def worker() -> None:
        while (number := next(numbers)) < count:
            await api.post("start-session", "/api/start-session", start_body(number), 0.0)

    await asyncio.gather(*(worker() for _ in range(min(concurrency, max(count, 1)))))
