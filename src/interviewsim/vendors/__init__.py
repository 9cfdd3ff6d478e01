"""Vendor clients (Anthropic, Gemini, OpenAI-compatible), their shared HTTP helpers, key ring and error type."""
