"""The floor: the least a server of our routes must do, measured beside ours: `python -m bench.floor`.

A minimal FastAPI app on the same uvicorn and log level as `interviewsim serve`. Each route parses
its JSON body, makes one vendor SDK call to the bench's fakes with the client settings interviewsim
uses (`vendors/anthropic.py`, `vendors/gemini.py`) and returns JSON: Claude for start-session and
chat, Gemini for results. No persistence, auth, locks, limits or idempotency. The heap is settled
for the collector exactly as the server's is, so the floor is not slowed by what ours avoids.

Settings come from the environment the bench gives a server: HOST, PORT, LOG_LEVEL,
ANTHROPIC_API_KEY, ANTHROPIC_BASE_URL, GEMINI_API_KEY, GOOGLE_GEMINI_BASE_URL.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import uvicorn
from anthropic import AsyncAnthropic, DefaultAioHttpClient
from fastapi import FastAPI, Request
from google import genai
from google.genai import types
from pydantic import BaseModel

from interviewsim.evaluation.schema import Evaluation
from interviewsim.runtime import settle_heap_for_serving
from interviewsim.vendors.anthropic import DEFAULT_MODEL as CLAUDE_MODEL
from interviewsim.vendors.common import vendor_http_client
from interviewsim.vendors.gemini import DEFAULT_API_VERSION, RETRY_STATUSES
from interviewsim.vendors.gemini import DEFAULT_MODEL as GEMINI_MODEL
from interviewsim.vendors.schema import inline_schema

TIMEOUT_SECONDS, MAX_RETRIES = 60.0, 2  # interviewsim's defaults (PROVIDER_TIMEOUT_SECONDS, PROVIDER_MAX_RETRIES)
SYSTEM = "You are a job interviewer. Answer with JSON: text_response, voice_response, kind, end."
GRADER = "You grade a mock interview transcript. Answer with JSON matching the schema."


class StartBody(BaseModel):
    """The fields of /api/start-session the bench sends."""

    domain: str
    role: str
    interview_type: str = "Mixed"
    difficulty: str = "Intermediate"
    duration: int = 15
    voice_style: str = "female"


class ChatBody(BaseModel):
    """/api/chat."""

    session_id: str
    user_message: str


class ResultsBody(BaseModel):
    """/api/results."""

    session_id: str


def claude_client() -> AsyncAnthropic:
    """The Anthropic SDK client as interviewsim configures it."""
    return AsyncAnthropic(
        api_key=os.environ["ANTHROPIC_API_KEY"],
        base_url=os.environ["ANTHROPIC_BASE_URL"],
        timeout=TIMEOUT_SECONDS,
        max_retries=MAX_RETRIES,
        http_client=DefaultAioHttpClient(),
        open_telemetry=False,
    )


def gemini_client() -> genai.Client:
    """The google-genai client as interviewsim configures it (its own httpx client on aiohttp's pool)."""
    retry = types.HttpRetryOptions(
        attempts=MAX_RETRIES + 1,
        initial_delay=0.5,
        max_delay=4.0,
        exp_base=2.0,
        jitter=0.5,
        http_status_codes=list(RETRY_STATUSES),
    )
    options = types.HttpOptions(
        base_url=os.environ["GOOGLE_GEMINI_BASE_URL"],
        api_version=DEFAULT_API_VERSION,
        timeout=round(TIMEOUT_SECONDS * 1000),
        retry_options=retry,
        httpx_async_client=vendor_http_client(TIMEOUT_SECONDS),
    )
    return genai.Client(vertexai=False, api_key=os.environ["GEMINI_API_KEY"], http_options=options)


async def ask_claude(claude: AsyncAnthropic, note: str) -> dict[str, Any]:
    """One Messages call; the interviewer's JSON reply."""
    message = await claude.messages.create(
        model=CLAUDE_MODEL,
        max_tokens=1024,
        system=[{"type": "text", "text": SYSTEM, "cache_control": {"type": "ephemeral"}}],
        messages=[{"role": "user", "content": note}],
    )
    text = "".join(block.text for block in message.content if block.type == "text")
    reply: dict[str, Any] = json.loads(text)
    return reply


def create_app() -> FastAPI:
    """The floor app; its SDK clients live for the process, like the server's."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.claude, app.state.gemini = claude_client(), gemini_client()
        settle_heap_for_serving()
        yield
        await app.state.claude.close()
        await app.state.gemini.aio.aclose()

    app = FastAPI(lifespan=lifespan)
    schema = inline_schema(Evaluation, exclude=("evaluator", "usage"))  # the schema our evaluator sends

    @app.post("/api/start-session")
    async def start(body: StartBody, request: Request) -> dict[str, Any]:
        note = f"phase: greet. Greet a {body.difficulty} {body.role} candidate ({body.domain})."
        reply = await ask_claude(request.app.state.claude, note)
        return {"session_id": str(uuid.uuid4()), "first_question": reply}

    @app.post("/api/chat")
    async def chat(body: ChatBody, request: Request) -> dict[str, Any]:
        phase = "close" if body.user_message.startswith("[END_INTERVIEW") else "question"
        return await ask_claude(request.app.state.claude, f"phase: {phase}. The candidate said: {body.user_message}")

    @app.post("/api/results")
    async def results(body: ResultsBody, request: Request) -> dict[str, Any]:
        response = await request.app.state.gemini.aio.models.generate_content(
            model=GEMINI_MODEL,
            contents=[types.Content(role="user", parts=[types.Part(text=f"Grade interview {body.session_id}.")])],
            config=types.GenerateContentConfig(
                system_instruction=GRADER,
                max_output_tokens=2048,
                response_mime_type="application/json",
                response_json_schema=schema,
            ),
        )
        evaluation: dict[str, Any] = json.loads(response.text or "{}")
        return evaluation

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz")
    async def readyz() -> dict[str, str]:
        return {"status": "ready"}

    return app


def main() -> None:
    """Serve the floor app as `interviewsim serve` serves ours: one uvicorn worker, the same log level."""
    uvicorn.run(
        create_app(),
        host=os.environ.get("HOST", "127.0.0.1"),
        port=int(os.environ["PORT"]),
        log_level=os.environ.get("LOG_LEVEL", "INFO").lower(),
    )


if __name__ == "__main__":
    main()
