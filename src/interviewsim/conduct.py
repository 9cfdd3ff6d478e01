"""Moved to `interviewsim.language.conduct`; kept so `interviews.service` keeps importing `is_rude` from here."""

from interviewsim.language.conduct import is_rude

__all__ = ["is_rude"]
