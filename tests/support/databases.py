"""PostgreSQL helpers for tests: drop connections as a database restart does."""

from __future__ import annotations

import asyncpg


async def terminate_other_backends(postgres_url: str) -> int:
    """Drop every other connection to the test database and wait until each is gone; how many."""
    admin = await asyncpg.connect(postgres_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        pids = await admin.fetch(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        for row in pids:
            await admin.execute("SELECT pg_terminate_backend($1, 5000)", row["pid"])  # waits for the exit
        return len(pids)
    finally:
        await admin.close()
