"""Vendor chat models for the harness's optional LLM roles, refused clearly when their keys are missing."""

from __future__ import annotations

from interviewsim.config import Settings
from interviewsim.vendors.chat import ChatModel

# Provider -> (the variable a user sets, the Settings field it fills).
REQUIRED_SETTING = {
    "anthropic": ("ANTHROPIC_API_KEY", "anthropic_api_key"),
    "gemini": ("GEMINI_API_KEY", "gemini_api_key"),
    "openai": ("OPENAI_MODEL", "openai_model"),
}
CANDIDATE_PROVIDERS = ("anthropic", "openai")


class MissingKeyError(Exception):
    """An LLM role was asked for without the key (or model) it needs."""


def require_model(name: str, settings: Settings, role: str) -> ChatModel:
    """The chat model `name` for `role`, or MissingKeyError naming what to set."""
    if name not in REQUIRED_SETTING:
        raise MissingKeyError(f"{role}: unknown provider {name!r}; choose from {', '.join(REQUIRED_SETTING)}")
    variable, field = REQUIRED_SETTING[name]
    if not getattr(settings, field):
        raise MissingKeyError(f"{role} {name} needs {variable}; set it in the environment")
    from interviewsim.engines.factory import chat_model

    return chat_model(name, settings)


def candidate_model(settings: Settings) -> ChatModel:
    """The model that plays the candidate: Claude when its key is set, else an OpenAI-compatible model."""
    for name in CANDIDATE_PROVIDERS:
        if getattr(settings, REQUIRED_SETTING[name][1]):
            return require_model(name, settings, "--llm-candidate")
    raise MissingKeyError(
        "--llm-candidate needs ANTHROPIC_API_KEY (or OPENAI_MODEL, with OPENAI_API_KEY/OPENAI_BASE_URL as your "
        "endpoint requires); without one, run the scripted personas"
    )
