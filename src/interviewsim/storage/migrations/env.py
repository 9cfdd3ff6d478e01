"""Alembic environment: runs on the connection the application hands in."""

from __future__ import annotations

from alembic import context

# The tables register on Base when their feature's models are imported (autogenerate compares against them).
import interviewsim.interviews.models  # noqa: F401
from interviewsim.storage.base import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through interviewsim.storage.db.migrate()")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
