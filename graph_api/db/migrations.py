"""Upgrade a database to the newest schema with the Alembic scripts shipped in the package.

The scripts live in graph_api/migrations (schema/migrations links there), so an
installed `graph-api` can migrate without the source tree.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
# Any constant shared by every graph_api process: pg_advisory_xact_lock's key.
_MIGRATION_LOCK_KEY = 0x67726170685F6170  # "graph_ap"


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("file_template", "%%(year)d_%%(month).2d_%%(day).2d_%%(rev)s_%%(slug)s")
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def _upgrade(connection: Connection) -> None:
    command.upgrade(alembic_config(connection), "head")


async def upgrade_to_head(engine: AsyncEngine) -> None:
    """Create or migrate the database to the newest revision."""
    async with engine.connect() as conn:
        conn = await conn.execution_options(graph_api_write=True)
        # One transaction for every pending revision, opened here so that Alembic sees an
        # external transaction and leaves it alone. Left to itself, Alembic commits after
        # each revision on SQLite (no transactional DDL there, it assumes), and a second
        # process starting at the same moment slips in between two revisions with a stale
        # idea of what is left to run ("table already exists").
        await conn.begin()
        if conn.dialect.name == "postgresql":
            # Several processes may start at once (workers, replicas): one migrates while
            # the others wait here, then find the database at head. SQLite's BEGIN
            # IMMEDIATE already admits one migrating writer at a time.
            lock = text("SELECT pg_advisory_xact_lock(:key)")
            await conn.execute(lock, {"key": _MIGRATION_LOCK_KEY})
        await conn.run_sync(_upgrade)
        await conn.commit()
