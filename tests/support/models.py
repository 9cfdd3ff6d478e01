"""A ChatModel double for unit tests of prompt and parsing logic (vendors are tested against fakes)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

from interviewsim.vendors.chat import ChatChunk, ChatMessage, ChatResult


class ScriptedModel:
    """A ChatModel double that records calls and answers from a list."""

    name = "scripted"
    can_stream = False
    supports_schema = True
    needs_key = False
    key_env_var = None

    def __init__(self, answers: list[str]) -> None:
        self.answers = answers
        self.calls: list[dict[str, Any]] = []

    async def complete(
        self,
        system: str,
        messages: Sequence[ChatMessage],
        *,
        max_tokens: int = 1024,
        json_schema: dict[str, Any] | None = None,
    ) -> ChatResult:
        self.calls.append({"system": system, "messages": list(messages), "json_schema": json_schema})
        return ChatResult(self.answers.pop(0), provider=self.name)

    async def stream(
        self, system: str, messages: Sequence[ChatMessage], *, max_tokens: int = 1024
    ) -> AsyncIterator[ChatChunk]:
        raise NotImplementedError
        yield ChatChunk()

    async def aclose(self) -> None:
        return None
