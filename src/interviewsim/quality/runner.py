"""Plays personas through the service's HTTP API and records the transcripts the criteria judge."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from interviewsim.quality.personas import Persona, has_control, make_persona
from interviewsim.quality.records import DEFAULT_PASS_MARK, Intent, Message, Prompt, RunRecord
from interviewsim.quality.server import Target
from interviewsim.vendors.errors import ProviderError

MAX_CANDIDATE_TURNS = 60  # a safety net: an interview still running after this many answers is ended by hand
END_MANUAL = "[END_INTERVIEW_MANUAL]"
RETRYABLE_STATUSES = (429, 502, 503)
RESENDS = 3
MAX_WAIT_SECONDS = 65.0  # longest Retry-After the harness honours (a server's per-minute limit)
REQUEST_TIMEOUT_SECONDS = 180.0
BRIEFS = (
    ("software", "Backend Engineer"),
    ("data", "Data Scientist"),
    ("product", "Product Manager"),
    ("design", "UX Designer"),
    ("marketing", "Growth Marketer"),
    ("sales", "Account Executive"),
)

History = Sequence[tuple[str, str]]


@dataclass(frozen=True)
class Plan:
    """One interview to play: which persona, which run, and the seed shared by every persona's run."""

    persona: str
    run: int
    seed: int
    duration: int = 10
    interview_type: str = "Mixed"
    control: bool = False  # the matched run without the attack (injector, gamers)

    @property
    def session_seed(self) -> int:
        """The interview seed; the same for every persona's run `run`, so personas meet the same interviewer."""
        return self.seed + self.run

    def start_body(self) -> dict[str, Any]:
        """The start-session request."""
        domain, role = BRIEFS[self.session_seed % len(BRIEFS)]
        return {
            "domain": domain,
            "role": role,
            "interview_type": self.interview_type,
            "difficulty": "Intermediate",
            "duration": self.duration,
            "voice_style": "female",
            "seed": self.session_seed,
        }

    def persona_for(self) -> Persona:
        """A fresh persona for this run."""
        return make_persona(self.persona, self.seed, self.run, control=self.control)


class Writer(Protocol):
    """Words a persona's chosen intent: scripted text, or an LLM playing the persona."""

    async def write(self, persona: Persona, intent: Intent, prompt: Prompt, history: History) -> str:
        """The candidate's message."""
        ...


class ScriptedWriter:
    """The persona's own scripted phrasings."""

    async def write(self, persona: Persona, intent: Intent, prompt: Prompt, history: History) -> str:
        """The persona's scripted message for `intent`."""
        return persona.write(intent, prompt)


class ApiError(Exception):
    """The service answered with an unexpected status."""


class InterviewsApi:
    """The four routes the harness uses, with a bearer token."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def start(self, body: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """Start an interview; returns its id and the opening turn."""
        data = await self._post("/api/start-session", body)
        return str(data["session_id"]), dict(data["first_question"])

    async def chat(self, session_id: str, text: str) -> dict[str, Any]:
        """Send a message, resending it when the engine failed (the answer is kept server-side)."""
        return await self._post("/api/chat", {"session_id": session_id, "user_message": text})

    async def detail(self, session_id: str) -> dict[str, Any]:
        """The stored transcript, status and evaluation."""
        response = await self.client.get(f"/api/sessions/{session_id}")
        return self._json(response)

    async def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = await self.client.post(path, json=body)
        for _ in range(RESENDS):
            if response.status_code not in RETRYABLE_STATUSES:
                break
            await asyncio.sleep(_retry_after(response))
            response = await self.client.post(path, json=body)
        return self._json(response)

    @staticmethod
    def _json(response: httpx.Response) -> dict[str, Any]:
        if response.status_code != 200:
            raise ApiError(
                f"{response.request.method} {response.request.url.path}: {response.status_code} {response.text}"
            )
        data = response.json()
        if not isinstance(data, dict):
            raise ApiError(f"{response.request.url.path}: expected a JSON object")
        return data


# How one plan is played: typed through /api/chat (`play`) or spoken through /api/voice (quality.voice).
Transport = Callable[[InterviewsApi, Plan, Writer, int | None], Awaitable[RunRecord]]


def _retry_after(response: httpx.Response) -> float:
    """How long to wait before resending: the server's Retry-After (capped), or a moment."""
    try:
        wait = float(response.headers.get("retry-after", "0.5"))
    except ValueError:
        wait = 0.5
    return min(max(wait, 0.0), MAX_WAIT_SECONDS)


def plans_for(personas: Sequence[str], runs: int, seed: int, duration: int = 10) -> list[Plan]:
    """Every persona's runs, with the control runs of the injector and the gamers right after their own."""
    plans: list[Plan] = []
    for run in range(runs):
        for name in personas:
            plans.append(Plan(name, run, seed, duration))
            if has_control(name):
                plans.append(Plan(name, run, seed, duration, control=True))
    return plans


async def run_plans(
    target: Target, plans: Sequence[Plan], writer: Writer | None = None, transport: Transport | None = None
) -> list[RunRecord]:
    """Play every plan against `target` (typed through /api/chat by default); control runs join the run they match."""
    writer = writer or ScriptedWriter()
    transport = transport or play
    headers = {"Authorization": f"Bearer {target.token}"}
    records: list[RunRecord] = []
    async with httpx.AsyncClient(base_url=target.base_url, headers=headers, timeout=REQUEST_TIMEOUT_SECONDS) as client:
        api = InterviewsApi(client)
        for plan in plans:
            record = await transport(api, plan, writer, target.pass_mark)
            if plan.control:
                matched = next(r for r in reversed(records) if r.persona == plan.persona and r.run == plan.run)
                matched.control = record
            else:
                records.append(record)
    return records


async def play(api: InterviewsApi, plan: Plan, writer: Writer, pass_mark: int | None = None) -> RunRecord:
    """Play one interview to its end; any API failure is recorded on the run rather than raised."""
    record = RunRecord(persona=plan.persona, run=plan.run, seed=plan.session_seed)
    persona = plan.persona_for()
    replies: list[dict[str, Any]] = []
    sent: list[tuple[str, Intent]] = []
    history: list[tuple[str, str]] = []
    try:
        record.session_id, reply = await api.start(plan.start_body())
        replies.append(reply)
        for _ in range(MAX_CANDIDATE_TURNS):
            if reply.get("end"):
                break
            prompt = Prompt.of(reply)
            history.append(("assistant", prompt.text))
            intent = persona.decide(prompt)
            text = await writer.write(persona, intent, prompt, history)
            reply = await api.chat(record.session_id, text)
            replies.append(reply)
            sent.append((text, intent))
            history.append(("user", text))
        if not reply.get("end"):
            replies.append(await api.chat(record.session_id, END_MANUAL))
        detail = await api.detail(record.session_id)
    except (httpx.HTTPError, ApiError, ProviderError, KeyError, ValueError) as error:
        record.error = f"{type(error).__name__}: {error}"
        return record
    fill(record, detail, replies, sent, pass_mark)
    return record


def fill(
    record: RunRecord,
    detail: dict[str, Any],
    replies: Sequence[dict[str, Any]],
    sent: Sequence[tuple[str, Intent]],
    pass_mark: int | None,
) -> None:
    """Complete `record` from the stored session, matching replies and intents to stored turns in order."""
    assistant_replies, intents = iter(replies), iter(sent)
    messages: list[Message] = []
    for index, stored in enumerate(detail.get("messages", [])):
        role, text, kind = str(stored["role"]), str(stored["text"]), stored.get("kind")
        if role == "assistant":
            reply = next(assistant_replies, {})
            minutes = reply.get("minutes_left")
            messages.append(
                Message(
                    index,
                    role,
                    text,
                    kind,
                    minutes_left=float(minutes) if minutes is not None else None,
                    end=bool(reply.get("end")),
                )
            )
        else:
            intent = next(intents, None)
            messages.append(Message(index, role, text, kind, intent=intent[1] if intent else None))
    record.messages = tuple(messages)
    record.questions_planned = int(detail.get("questions_planned") or 0)
    record.ended_by = detail.get("ended_by")
    evaluation = detail.get("evaluation")
    record.evaluation = evaluation if isinstance(evaluation, dict) else None
    details = (record.evaluation or {}).get("details")
    stored_mark = details.get("pass_mark") if isinstance(details, dict) else None
    # The configured mark wins when known, so a wrong `details.pass_mark` is caught rather than trusted.
    if pass_mark is not None:
        record.pass_mark = pass_mark
    elif isinstance(stored_mark, int) and not isinstance(stored_mark, bool):
        record.pass_mark = stored_mark
    else:
        record.pass_mark = DEFAULT_PASS_MARK
