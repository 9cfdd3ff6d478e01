"""The chat-model protocol every vendor client implements, and its value types."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

Role = Literal["user", "assistant"]


@dataclass(frozen=True)
class ChatMessage:
    """One message sent to a chat model."""

    role: Role
    content: str


@dataclass(frozen=True)
class ChatResult:
    """A finished model reply: its text, who served it, and the vendor's token usage."""

    text: str
    provider: str
    model: str = ""
    usage: dict[str, int] = field(default_factory=dict)  # input_tokens, output_tokens, ...


@dataclass(frozen=True)
class ChatChunk:
    """A piece of a streamed reply: text deltas, then one last chunk carrying the result."""

    delta: str = ""
    result: ChatResult | None = None


@runtime_checkable
class ChatModel(Protocol):
    """A vendor chat model. Capabilities are class attributes (after simonw/llm)."""

    name: str
    can_stream: bool
    supports_schema: bool  # can constrain output to a JSON schema natively
    needs_key: bool
    key_env_var: str | None

    async def complete(
        self,
        system: str,
        messages: Sequence[ChatMessage],
        *,
        max_tokens: int = 1024,
        json_schema: dict[str, Any] | None = None,
    ) -> ChatResult:
        """Return the whole reply; with `json_schema`, the reply is JSON meant to match it."""
        ...

    def stream(
        self, system: str, messages: Sequence[ChatMessage], *, max_tokens: int = 1024
    ) -> AsyncIterator[ChatChunk]:
        """Yield text deltas as the vendor produces them, then a final chunk with the result."""
        ...

    async def aclose(self) -> None:
        """Release HTTP clients."""
        ...
