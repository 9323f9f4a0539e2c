"""Fixtures: a migrated database per run, a clean one per test, the app over ASGI.

The engine is SQLite by default: each test copies a migrated template file.
When GRAPH_API_TEST_DATABASE_URL names a PostgreSQL server
(postgresql+asyncpg://user@host:port/any), each xdist worker creates its own
migrated database for the run (dropped afterwards; the next run drops what a
killed one left) and every test starts on it emptied. An unreachable server
skips the run with the reason, unless GRAPH_API_REQUIRE_POSTGRES is set
(`make test-postgres`), which fails it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import socket
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.engine.interfaces import ExecuteStyle
from sqlalchemy.ext.asyncio import AsyncEngine

from graph_api.app import create_app
from graph_api.config import Limits, Settings
from graph_api.db.engine import create_engine
from graph_api.db.migrations import upgrade_to_head
from graph_api.db.models import metadata
from graph_api.db.transaction import UnitOfWork, transaction_context

TEST_DATABASE_URL = os.environ.get("GRAPH_API_TEST_DATABASE_URL", "")
ENGINE = "postgresql" if TEST_DATABASE_URL.startswith("postgresql") else "sqlite"
REQUIRE_POSTGRES = bool(os.environ.get("GRAPH_API_REQUIRE_POSTGRES"))


def pytest_report_header(config: pytest.Config) -> str:
    return f"graph_api test engine: {ENGINE} ({TEST_DATABASE_URL or 'SQLite files'})"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked `postgres` skip, with the reason shown, when the run is on SQLite."""
    if ENGINE == "postgresql":
        return
    skip = pytest.mark.skip(
        reason="needs PostgreSQL: set GRAPH_API_TEST_DATABASE_URL=postgresql+asyncpg://..."
    )
    for item in items:
        if item.get_closest_marker("postgres") is not None:
            item.add_marker(skip)


# ---------------------------------------------------------------- databases


def _pg_url(name: str) -> str:
    return make_url(TEST_DATABASE_URL).set(database=name).render_as_string(hide_password=False)


async def pg_connect(database: str = "postgres") -> Any:
    """A raw asyncpg connection to `database` on the test server (the caller closes it)."""
    import asyncpg

    url = make_url(TEST_DATABASE_URL)
    return await asyncpg.connect(
        host=url.host,
        port=url.port or 5432,
        user=url.username,
        password=url.password,
        database=database,
        timeout=10,
    )


async def _pg_run(database: str, *statements: str) -> None:
    conn = await pg_connect(database)
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


def _pg_unreachable() -> str | None:
    """Why the PostgreSQL test server cannot be used, or None when it can."""
    try:
        asyncio.run(_pg_run("postgres", "SELECT 1"))
    except (OSError, TimeoutError) as exc:
        return f"PostgreSQL test server unreachable at {make_url(TEST_DATABASE_URL).host}: {exc}"
    return None


# Between tests on PostgreSQL: end every other connection to the worker's database
# (a leaked transaction would otherwise block TRUNCATE), then empty every table.
# CREATE DATABASE ... TEMPLATE per test costs 0.3-0.8 s on this machine; this ~0.05 s.
_PG_RESET = (
    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database()"
    " AND pid <> pg_backend_pid() AND backend_type = 'client backend'",
    "TRUNCATE {tables} RESTART IDENTITY CASCADE",
)


# A worker's database is named after this host and process, so that a later run drops what
# a killed run left behind, and nothing of a run still going (here, or on another host).
_HOST = re.sub(r"[^a-z0-9]", "", socket.gethostname().lower())[:12] or "host"
_WORKER_DATABASE = re.compile(rf"^graph_api_test_{_HOST}_(\d+)_")


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


async def _drop_leftover_databases() -> None:
    import asyncpg

    conn = await pg_connect()
    try:
        for row in await conn.fetch("SELECT datname FROM pg_database"):
            match = _WORKER_DATABASE.match(row["datname"])
            if match is not None and not _process_alive(int(match.group(1))):
                with contextlib.suppress(asyncpg.PostgresError):  # another worker was first
                    await conn.execute(f'DROP DATABASE IF EXISTS "{row["datname"]}" WITH (FORCE)')
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
    """SQLite: a migrated file each test copies. PostgreSQL: this worker's migrated
    database, created for the run and dropped after it, emptied before each test."""
    if ENGINE == "sqlite":
        path = tmp_path_factory.mktemp("template") / "template.db"
        asyncio.run(_migrate(f"sqlite+aiosqlite:///{path}"))
        yield str(path)
        return
    reason = _pg_unreachable()
    if reason is not None:
        if REQUIRE_POSTGRES:
            pytest.fail(f"GRAPH_API_REQUIRE_POSTGRES is set but {reason}")
        pytest.skip(reason)
    asyncio.run(_drop_leftover_databases())
    name = f"graph_api_test_{_HOST}_{os.getpid()}_{worker_id}"
    asyncio.run(_pg_run("postgres", f'CREATE DATABASE "{name}"'))
    try:
        asyncio.run(_migrate(_pg_url(name)))
        yield name
    finally:
        asyncio.run(_pg_run("postgres", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def database_url(template_database: str, tmp_path: Path) -> str:
    """A migrated database holding no data, for this test alone."""
    if ENGINE == "sqlite":
        path = tmp_path / "graph.db"
        shutil.copyfile(template_database, path)
        return f"sqlite+aiosqlite:///{path}"
    tables = ", ".join(f'"{table.name}"' for table in metadata.sorted_tables)
    asyncio.run(_pg_run(template_database, *(s.format(tables=tables) for s in _PG_RESET)))
    return _pg_url(template_database)


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
        response = await self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}
        )
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
        # How many times the database runs each statement: an executemany runs once per row.
        self.runs: list[int] = []

    @property
    def count(self) -> int:
        return len(self.statements)

    def executions(self, fragment: str) -> int:
        """The runs of the statements whose text holds `fragment` (case-insensitive)."""
        wanted = fragment.upper()
        return sum(
            runs
            for statement, runs in zip(self.statements, self.runs, strict=True)
            if wanted in statement.upper()
        )


@pytest.fixture
def count_statements(app: FastAPI) -> Any:
    """`with count_statements() as counter:` counts SQL statements sent by the app's engine."""

    @contextmanager
    def counting() -> Iterator[StatementCounter]:
        counter = StatementCounter()
        sync_engine = app.state.engine.sync_engine

        def before(
            _conn: Any, _cursor: Any, statement: str, parameters: Any, context: Any, _many: bool
        ) -> None:
            if (
                not statement.lstrip()
                .upper()
                .startswith(("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE"))
            ):
                counter.statements.append(statement)
                many = context is not None and context.execute_style is ExecuteStyle.EXECUTEMANY
                counter.runs.append(len(parameters) if many else 1)

        event.listen(sync_engine, "before_cursor_execute", before)
        try:
            yield counter
        finally:
            event.remove(sync_engine, "before_cursor_execute", before)

    return counting
