"""Fixtures: a migrated template database per run, a copy per test, the app over ASGI.

The engine is SQLite by default. When GRAPH_API_TEST_DATABASE_URL names a
PostgreSQL server (postgresql+asyncpg://user@host:port/any), every test gets its
own database created from a migrated template and dropped afterwards.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from graph_api.app import create_app
from graph_api.config import Limits, Settings
from graph_api.db.engine import create_engine
from graph_api.db.migrations import upgrade_to_head
from graph_api.db.transaction import UnitOfWork, transaction_context

TEST_DATABASE_URL = os.environ.get("GRAPH_API_TEST_DATABASE_URL", "")
ENGINE = "postgresql" if TEST_DATABASE_URL.startswith("postgresql") else "sqlite"


def pytest_report_header(config: pytest.Config) -> str:
    return f"graph_api test engine: {ENGINE} ({TEST_DATABASE_URL or 'SQLite files'})"


# ---------------------------------------------------------------- databases


def _pg_admin_url() -> str:
    return make_url(TEST_DATABASE_URL).set(database="postgres").render_as_string(hide_password=False)


def _pg_url(name: str) -> str:
    return make_url(TEST_DATABASE_URL).set(database=name).render_as_string(hide_password=False)


async def _pg_admin(*statements: str) -> None:
    import asyncpg

    url = make_url(_pg_admin_url())
    conn = await asyncpg.connect(
        host=url.host, port=url.port or 5432, user=url.username, password=url.password,
        database=url.database,
    )
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


async def _migrate(url: str) -> None:
    engine = create_engine(Settings(database_url=url))
    try:
        await upgrade_to_head(engine)
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def template_database(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Iterator[str]:
    """A migrated database that each test copies (a file, or a PostgreSQL TEMPLATE)."""
    if ENGINE == "sqlite":
        path = tmp_path_factory.mktemp("template") / "template.db"
        asyncio.run(_migrate(f"sqlite+aiosqlite:///{path}"))
        yield str(path)
        return
    name = f"graph_api_tpl_{uuid.uuid4().hex[:8]}_{worker_id}"
    asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
    try:
        asyncio.run(_migrate(_pg_url(name)))
        yield name
    finally:
        asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def database_url(template_database: str, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated database for this test."""
    if ENGINE == "sqlite":
        path = tmp_path / "graph.db"
        shutil.copyfile(template_database, path)
        yield f"sqlite+aiosqlite:///{path}"
        return
    name = f"graph_api_t_{uuid.uuid4().hex[:12]}"
    asyncio.run(_pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{template_database}"'))
    try:
        yield _pg_url(name)
    finally:
        asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def limits() -> Limits:
    return Limits()


@pytest.fixture
def settings(database_url: str, limits: Limits) -> Settings:
    return Settings(database_url=database_url, migrate_on_start=False, limits=limits)


@pytest.fixture
async def engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(settings)
    yield engine
    await engine.dispose()


@pytest.fixture
def unit_of_work(engine: AsyncEngine, limits: Limits) -> Any:
    """`async with unit_of_work() as db:` runs service calls in one committed transaction."""

    @asynccontextmanager
    async def open_(write: bool = True) -> AsyncIterator[UnitOfWork]:
        async with transaction_context(engine, write=write, limits=limits) as db:
            yield db

    return open_


# ---------------------------------------------------------------- the app


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


class GraphQLClient:
    """Posts GraphQL over real HTTP (through the ASGI app) and returns the JSON body."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def __call__(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        response = await self.http.post("/graphql", json={"query": query, "variables": variables or {}})
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def ok(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """The data of a request that must succeed."""
        body = await self(query, variables)
        assert "errors" not in body, body["errors"]
        data: dict[str, Any] = body["data"]
        return data

    async def error(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """The first error of a request that must fail."""
        body = await self(query, variables)
        assert body.get("errors"), body
        error: dict[str, Any] = body["errors"][0]
        return error


@pytest.fixture
def gql(client: httpx.AsyncClient) -> GraphQLClient:
    return GraphQLClient(client)


# ---------------------------------------------------------------- statement counting


class StatementCounter:
    def __init__(self) -> None:
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_statements(app: FastAPI) -> Any:
    """`with count_statements() as counter:` counts SQL statements sent by the app's engine."""

    @contextmanager
    def counting() -> Iterator[StatementCounter]:
        counter = StatementCounter()
        sync_engine = app.state.engine.sync_engine

        def before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")):
                counter.statements.append(statement)

        event.listen(sync_engine, "before_cursor_execute", before)
        try:
            yield counter
        finally:
            event.remove(sync_engine, "before_cursor_execute", before)

    return counting
