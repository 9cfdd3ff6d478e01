"""Imports every table so the metadata is complete (for Alembic)."""

from interviewsim.interviews import models as interview_models
from interviewsim.storage.base import Base

__all__ = ["Base", "interview_models"]
