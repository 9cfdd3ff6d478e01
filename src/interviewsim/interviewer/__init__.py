"""The interviewer: its protocol, prompts, streaming, the LLM-backed one and the built-in engine."""
