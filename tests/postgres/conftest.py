"""Fixtures for the engine tests: a raw connection beside the app, apps with other settings.

The tests in this folder prove that PostgreSQL behaves as SQLite does (the ones
without the `postgres` marker run on both engines) and what only a server
database has: row locks, timeouts, lost connections, several processes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.engine import make_url

from graph_api.app import create_app
from graph_api.config import Settings
from tests.conftest import ENGINE, GraphQLClient, pg_connect


@pytest.fixture
async def pg(database_url: str) -> AsyncIterator[Any]:
    """A raw asyncpg connection to this test's database, outside the app's pool."""
    if ENGINE != "postgresql":
        pytest.skip("needs PostgreSQL: set GRAPH_API_TEST_DATABASE_URL=postgresql+asyncpg://...")
    conn = await pg_connect(make_url(database_url).database or "postgres")
    try:
        yield conn
    finally:
        conn.terminate()


@asynccontextmanager
async def running_app(settings: Settings) -> AsyncIterator[tuple[FastAPI, GraphQLClient]]:
    """An app for `settings` with its lifespan running, and a GraphQL client over ASGI."""
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield application, GraphQLClient(http)


@pytest.fixture
def app_with(settings: Settings) -> Any:
    """`async with app_with(statement_timeout_ms=300) as (app, gql):` the test's database,
    other settings."""

    def open_(**overrides: Any) -> Any:
        return running_app(settings.model_copy(update=overrides))

    return open_
