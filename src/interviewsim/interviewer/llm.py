"""An interviewer played by any vendor ChatModel, held to the server's plan."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence

from interviewsim.interviewer.base import InterviewerEvent, InterviewerReply, ReplyDelta, Turn, TurnContext
from interviewsim.interviewer.prompts import system_prompt, turn_note
from interviewsim.interviewer.streaming import ReplyTextExtractor
from interviewsim.interviews.domain import Directive, TurnKind
from interviewsim.shared.speakable import clean_for_speech
from interviewsim.vendors.chat import ChatMessage, ChatModel, ChatResult
from interviewsim.vendors.parsing import extract_json_object

OPENING = "(The candidate has joined the interview.)"
MAX_REPLY_TOKENS = 600
DEFAULT_KIND = {
    Directive.GREET: TurnKind.GREETING,
    Directive.WARMUP: TurnKind.WARMUP,
    Directive.TRANSITION: TurnKind.QUESTION,
    Directive.CORE: TurnKind.QUESTION,
    Directive.WRAPUP: TurnKind.WRAPUP,
    Directive.CLOSE: TurnKind.CLOSING,
}
# Directives whose turn must be of one kind, whatever the model says.
FIXED_KIND = {Directive.TRANSITION: TurnKind.QUESTION, Directive.WRAPUP: TurnKind.WRAPUP}
# How many past messages the model sees; older turns add cost, not context the plan needs.
MAX_HISTORY_MESSAGES = 40


class LLMInterviewer:
    """Builds the prompt, asks the model, and parses its JSON reply robustly."""

    def __init__(self, model: ChatModel) -> None:
        self.model = model
        self.name = model.name
        self.can_stream = model.can_stream

    async def respond(self, context: TurnContext) -> InterviewerReply:
        """Ask the model for the turn the directive calls for."""
        result = await self.model.complete(
            system_prompt(context.brief, context.questions_planned),
            build_messages(context),
            max_tokens=MAX_REPLY_TOKENS,
        )
        return parse_reply(result, context.directive)

    async def stream(self, context: TurnContext) -> AsyncIterator[InterviewerEvent]:
        """Stream the visible reply text as the model writes it, then the parsed reply."""
        extractor = ReplyTextExtractor()
        chunks = self.model.stream(
            system_prompt(context.brief, context.questions_planned),
            build_messages(context),
            max_tokens=MAX_REPLY_TOKENS,
        )
        async for chunk in chunks:
            if chunk.result is not None:
                yield parse_reply(chunk.result, context.directive)
                return
            visible = extractor.feed(chunk.delta)
            if visible:
                yield ReplyDelta(visible)


def build_messages(context: TurnContext) -> list[ChatMessage]:
    """The transcript as alternating messages, the hidden note on the latest candidate turn."""
    messages = _alternating(context.transcript[-MAX_HISTORY_MESSAGES:])
    if not messages or messages[0].role != "user":
        messages.insert(0, ChatMessage("user", OPENING))
    note = turn_note(context)
    if messages[-1].role == "user":
        last = messages[-1]
        messages[-1] = ChatMessage("user", f"{last.content}\n\n{note}")
    else:
        messages.append(ChatMessage("user", note))
    return messages


def _alternating(turns: Sequence[Turn]) -> list[ChatMessage]:
    """Merge consecutive same-role turns (a resent answer) so roles strictly alternate."""
    messages: list[ChatMessage] = []
    for turn in turns:
        text = turn.text if turn.text.strip() else "(no answer)"
        if messages and messages[-1].role == turn.role:
            messages[-1] = ChatMessage(turn.role, f"{messages[-1].content}\n\n{text}")
        else:
            messages.append(ChatMessage(turn.role, text))
    return messages


def parse_reply(result: ChatResult, directive: Directive) -> InterviewerReply:
    """The model's reply as an interviewer turn; non-JSON text is used as the reply itself."""
    payload = extract_json_object(result.text) or {}
    text = payload.get("text_response")
    if not isinstance(text, str) or not text.strip():
        text = result.text.strip() if not payload else ""
    if not text:
        text = str(payload.get("voice_response") or "").strip() or "Could you tell me a little more?"
    voice = payload.get("voice_response")
    voice = clean_for_speech(voice if isinstance(voice, str) and voice.strip() else text)
    kind = FIXED_KIND.get(directive) or _kind(payload.get("kind"), directive)
    end = directive == Directive.CLOSE or (payload.get("end") is True and directive == Directive.CORE)
    if end:
        kind = TurnKind.CLOSING
    elif kind in (TurnKind.CLOSING, TurnKind.GREETING):
        kind = DEFAULT_KIND[directive]  # a goodbye or greeting the plan did not ask for is not one
    return InterviewerReply(
        text=text.strip(),
        voice=voice,
        kind=kind,
        provider=result.provider,
        end=end,
        usage=dict(result.usage),
    )


def _kind(value: object, directive: Directive) -> TurnKind:
    """The reply's kind as the model named it, or the directive's default."""
    try:
        return TurnKind(str(value).strip().lower())
    except ValueError:
        return DEFAULT_KIND[directive]
