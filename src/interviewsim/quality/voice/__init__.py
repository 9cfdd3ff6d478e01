"""`simulate --voice`: the personas speak through the live voice WebSocket, and the voice criteria judge it."""
