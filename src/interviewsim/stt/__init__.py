"""Speech-to-text engines (built-in Whisper, ElevenLabs Scribe, OpenAI-compatible) behind one protocol."""
