"""The PostgreSQL run must really run on PostgreSQL."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import text

from tests.conftest import ENGINE


def test_postgres_run_is_not_skipped_when_required():
    if os.environ.get("GRAPH_API_REQUIRE_POSTGRES") and ENGINE != "postgresql":
        pytest.fail("GRAPH_API_REQUIRE_POSTGRES is set but the suite is not running on PostgreSQL")
    if ENGINE != "postgresql":
        pytest.skip("PostgreSQL run not requested: set GRAPH_API_TEST_DATABASE_URL to a server")


async def test_the_app_talks_to_the_engine_the_run_names(engine):
    """On PostgreSQL, a real server of a supported version answers (15 or newer)."""
    async with engine.connect() as conn:
        if ENGINE == "postgresql":
            assert engine.dialect.name == "postgresql"
            version = (await conn.execute(text("SHOW server_version_num"))).scalar_one()
            assert int(version) >= 150000, version
        else:
            assert engine.dialect.name == "sqlite"
            assert (await conn.execute(text("SELECT sqlite_version()"))).scalar_one()
