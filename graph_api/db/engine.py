"""One async engine per database URL, set up for the engine it talks to.

SQLite: WAL, foreign keys, a busy timeout and synchronous=NORMAL on every
connection; the driver's own transaction handling is switched off so that we
emit BEGIN ourselves, BEGIN IMMEDIATE for writers (two writers then queue on
the busy timeout instead of deadlocking on a read-to-write upgrade). Statements reach
aiosqlite's thread in one trip each, BEGIN with the first (db/sqlite_driver.py).
PostgreSQL (asyncpg): pre-ping (a pooled connection killed by a restart or
pg_terminate_backend is replaced on checkout instead of failing a request),
a connect timeout, and a server-side statement_timeout that covers lock waits;
asyncpg's client-side command_timeout sits a little above it as a backstop for
a server that stopped answering, so the server's own, cleaner cancel comes first.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry

from graph_api.config import Settings
from graph_api.db.sqlite_driver import OneTripConnection, one_trip_dbapi

WRITE_OPTION = "graph_api_write"


def is_sqlite(engine: AsyncEngine) -> bool:
    return engine.dialect.name == "sqlite"


def _unicode_lower(value: str | None) -> str | None:
    # SQLite's built-in lower() folds ASCII only; labelContains is case-insensitive for all text.
    return value.lower() if isinstance(value, str) else value


def _setup_sqlite(engine: AsyncEngine, settings: Settings) -> None:
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        # The busy timeout first: switching a new file to WAL needs a lock that another
        # process (a second worker migrating at start) may hold for a moment.
        cursor.execute(f"PRAGMA busy_timeout={int(settings.sqlite_busy_timeout_ms)}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
        dbapi_connection.create_function("lower", 1, _unicode_lower, deterministic=True)

    @event.listens_for(sync_engine, "begin")
    def _on_begin(connection: Connection) -> None:
        write = connection.get_execution_options().get(WRITE_OPTION, False)
        # Sent with the transaction's first statement, in its trip (db/sqlite_driver.py).
        adapted: OneTripConnection = connection.connection.dbapi_connection  # type: ignore[assignment]
        adapted.begin("BEGIN IMMEDIATE" if write else "BEGIN")


def create_engine(settings: Settings) -> AsyncEngine:
    """Build the engine for `settings.database_url`."""
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite":
        engine = create_async_engine(url, pool_pre_ping=False, module=one_trip_dbapi())
        _setup_sqlite(engine, settings)
        return engine
    statement_timeout_s = settings.statement_timeout_ms / 1000
    # 0 disables both timeouts, as it does for PostgreSQL's statement_timeout.
    backstop = statement_timeout_s + max(1.0, statement_timeout_s / 10)
    connect_args: dict[str, Any] = {
        "timeout": settings.connect_timeout_s,
        "command_timeout": backstop if statement_timeout_s > 0 else None,
        "server_settings": {
            "statement_timeout": str(settings.statement_timeout_ms),
            "application_name": "graph_api",
        },
    }
    return create_async_engine(
        url,
        pool_pre_ping=True,
        pool_size=settings.pool_size,
        max_overflow=settings.max_overflow,
        pool_timeout=settings.connect_timeout_s,
        connect_args=connect_args,
    )
