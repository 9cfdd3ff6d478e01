"""Listening and live conversation: speech-to-text providers, delivery metrics, the live voice loop."""
