"""A raw asyncpg pool for the interview routes on PostgreSQL, and the 503 for a database that dropped out."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Iterator

import asyncpg
from asyncpg.pool import PoolConnectionProxy
from sqlalchemy.engine import make_url

from interviewsim.errors import DatabaseUnavailable

log = logging.getLogger(__name__)

# A request waits this long for a free connection before it gets a 503 (SQLAlchemy's pool_timeout).
ACQUIRE_TIMEOUT_SECONDS = 30.0
# What a dropped or unreachable database raises: the request gets a 503, the pool replaces the connection.
CONNECTION_FAILURES: tuple[type[BaseException], ...] = (
    asyncpg.InterfaceError,  # e.g. "connection is closed"
    asyncpg.PostgresConnectionError,  # class 08, includes ConnectionDoesNotExistError
    asyncpg.exceptions.OperatorInterventionError,  # class 57: the backend was terminated, the server is starting
    OSError,  # refused or reset while connecting
    TimeoutError,  # no connection within the timeout
)


def asyncpg_dsn(database_url: str) -> str | None:
    """The plain libpq DSN of a PostgreSQL DATABASE_URL (`postgresql+asyncpg://...`), else None."""
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        return None
    query = dict(url.query)
    if "ssl" in query:  # SQLAlchemy's asyncpg spelling; a DSN says sslmode
        query["sslmode"] = query.pop("ssl")
    return url.set(drivername="postgresql", query=query).render_as_string(hide_password=False)


async def _decode_json(connection: asyncpg.Connection) -> None:
    """JSON columns in and out as Python values, as SQLAlchemy's JSON type has them."""
    await connection.set_type_codec("json", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")


async def _reset(connection: asyncpg.Connection) -> None:
    """Roll back what a cancelled request left open; nothing else (every route ends its own transaction).

    asyncpg's default reset sends `RESET ALL; UNLISTEN *; ...` on every release: a round trip per request.
    """
    if connection.is_in_transaction():
        await connection.reset()


async def create_pool(dsn: str, *, max_size: int) -> asyncpg.Pool:
    """A lazily filled pool of up to `max_size` connections; one idle for 5 minutes is closed."""
    pool: asyncpg.Pool = await asyncpg.create_pool(
        dsn,
        min_size=0,
        max_size=max_size,
        init=_decode_json,
        reset=_reset,
    )
    return pool


@contextlib.contextmanager
def unavailable_on_disconnect() -> Iterator[None]:
    """Turn a lost or unreachable database into the clear 503 `database_unavailable`."""
    try:
        yield
    except CONNECTION_FAILURES as error:
        log.warning("database unavailable: %s", type(error).__name__)
        raise DatabaseUnavailable() from None


async def acquire(pool: asyncpg.Pool) -> PoolConnectionProxy:
    """A pooled connection (503 when none can be had in time)."""
    with unavailable_on_disconnect():
        return await pool.acquire(timeout=ACQUIRE_TIMEOUT_SECONDS)


async def release(pool: asyncpg.Pool, connection: PoolConnectionProxy) -> None:
    """Hand a connection back, even from a cancelled request."""
    await asyncio.shield(pool.release(connection))
