"""Speech-to-text providers (built-in Whisper, ElevenLabs, OpenAI-compatible) behind one protocol."""
