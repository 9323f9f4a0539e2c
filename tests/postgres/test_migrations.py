"""One Alembic history for both engines: it builds exactly the tables of db/models.py,
and several processes starting at once migrate a new database once."""

from __future__ import annotations

import asyncio
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.engine import Connection, make_url

from graph_api.config import Settings
from graph_api.db.engine import create_engine
from graph_api.db.models import in_models, metadata
from tests.conftest import ENGINE, TEST_DATABASE_URL, pg_connect


@pytest.fixture
async def empty_database_url(tmp_path: Path) -> AsyncIterator[str]:
    """A database with nothing in it, not even the schema."""
    if ENGINE == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"
        return
    name = f"graph_api_empty_{uuid.uuid4().hex[:12]}"
    admin = await pg_connect()
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        yield make_url(TEST_DATABASE_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def _differences(connection: Connection) -> list[object]:
    # in_models: the engine-native search objects (FTS5 tables, the GIN expression index)
    # are made by migration 0005 and have no Table in db/models.py.
    opts = {"compare_type": True, "include_name": in_models}
    context = MigrationContext.configure(connection, opts=opts)
    return list(compare_metadata(context, metadata))


async def test_migrations_build_exactly_the_models(engine):
    async with engine.connect() as conn:
        assert await conn.run_sync(_differences) == []


async def test_processes_starting_together_migrate_a_new_database_once(empty_database_url):
    """`graph-api db upgrade` in three processes at once (replicas or workers starting)."""
    processes = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "graph_api",
            "db",
            "upgrade",
            "--database-url",
            empty_database_url,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        for _ in range(3)
    ]
    async with asyncio.timeout(120):
        outputs = [(await process.communicate())[0].decode() for process in processes]
    assert [process.returncode for process in processes] == [0, 0, 0], outputs
    engine = create_engine(Settings(database_url=empty_database_url))
    try:
        async with engine.connect() as conn:
            versions = (await conn.execute(text("SELECT version_num FROM alembic_version"))).all()
            assert len(versions) == 1
            assert await conn.run_sync(_differences) == []
    finally:
        await engine.dispose()
