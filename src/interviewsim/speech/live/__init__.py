"""The live voice interview: VAD, endpointing, and the WebSocket loop that calls the turn runner."""
