"""The PostgreSQL run must really run on PostgreSQL."""

from __future__ import annotations

import os

import pytest

from tests.conftest import ENGINE


def test_postgres_run_is_not_skipped_when_required():
    if os.environ.get("GRAPH_API_REQUIRE_POSTGRES") and ENGINE != "postgresql":
        pytest.fail("GRAPH_API_REQUIRE_POSTGRES is set but the suite is not running on PostgreSQL")
    if ENGINE != "postgresql":
        pytest.skip("PostgreSQL run not requested: set GRAPH_API_TEST_DATABASE_URL to a server")
