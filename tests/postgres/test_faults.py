"""Faults: a connection killed mid-request, a statement timeout, a deadlock, a database down.

Each must end the request with a clear error (INTERNAL_ERROR with a message that
says what happened, `retryable: true`, no SQL), leave nothing half-written, and
leave the app able to serve the next request.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from graph_api.db.errors import BUSY, CONFLICT, CONNECTION_LOST, TIMED_OUT, UNAVAILABLE
from graph_api.db.models import nodes
from graph_api.db.transaction import UnitOfWork
from tests.conftest import ENGINE
from tests.factories import make_session
from tests.postgres.conftest import running_app

CREATE_NODES = """mutation($s: ID!) {
  createNodes(sessionId: $s, inputs: [{label: "a", components: [{type: "t", content: "c"}]},
                                      {label: "b"}, {label: "c"}]) { nodeId } }"""
SESSION = "query($s: ID!) { session(id: $s) { revision nodeCount name } }"
RENAME = "mutation($s: ID!, $n: String!) { updateSession(id: $s, patch: {name: $n}) { revision } }"
RENAME_TWO = """mutation($a: ID!, $b: ID!) {
  a: updateSession(id: $a, patch: {name: "a"}) { revision }
  b: updateSession(id: $b, patch: {name: "b"}) { revision } }"""
RETRYABLE = {"code": "INTERNAL_ERROR", "retryable": True}


def only_error(body: dict[str, Any]) -> dict[str, Any]:
    assert body["data"] is None, body
    [error] = body["errors"]
    assert "SELECT" not in error["message"] and "INSERT" not in error["message"]
    return error  # type: ignore[no-any-return]


@pytest.mark.postgres
async def test_connection_killed_mid_request_fails_cleanly_then_a_fresh_one_serves(
    gql, pg, monkeypatch
):
    session_id = await make_session(gql)
    original = UnitOfWork.execute
    killed: list[int] = []

    async def kill_after_inserting_nodes(self, statement, params=None):
        result = await original(self, statement, params)
        if self.write and not killed and getattr(statement, "table", None) is nodes:
            pid = (await original(self, text("SELECT pg_backend_pid()"))).scalar_one()
            assert await pg.fetchval("SELECT pg_terminate_backend($1, 5000)", pid)
            killed.append(pid)
        return result

    monkeypatch.setattr(UnitOfWork, "execute", kill_after_inserting_nodes)
    error = only_error(await gql(CREATE_NODES, {"s": session_id}))
    monkeypatch.undo()
    assert killed
    assert (error["message"], error["extensions"]) == (CONNECTION_LOST, RETRYABLE)
    assert await pg.fetchval("SELECT count(*) FROM nodes WHERE session_id = $1", session_id) == 2
    data = await gql.ok(SESSION, {"s": session_id})
    assert data["session"] == {"revision": 1, "nodeCount": 2, "name": None}
    await gql.ok(CREATE_NODES, {"s": session_id})
    data = await gql.ok(SESSION, {"s": session_id})
    assert data["session"] == {"revision": 2, "nodeCount": 5, "name": None}


@pytest.mark.postgres
async def test_pooled_connections_killed_between_requests_are_replaced(gql, pg):
    session_id = await make_session(gql)
    killed = await pg.fetchval(
        "SELECT count(pg_terminate_backend(pid, 5000)) FROM pg_stat_activity"
        " WHERE datname = current_database() AND application_name = 'graph_api'"
    )
    assert killed >= 1
    data = await gql.ok(SESSION, {"s": session_id})
    assert data["session"]["revision"] == 1
    await gql.ok(RENAME, {"s": session_id, "n": "after the restart"})


@pytest.mark.postgres
async def test_a_statement_over_the_timeout_fails_cleanly(app_with, pg):
    async with app_with(statement_timeout_ms=300) as (_app, gql):
        session_id = await make_session(gql)
        async with pg.transaction():
            # Another writer holds the session row: the request's lock wait times out.
            await pg.execute("SELECT 1 FROM sessions WHERE id = $1 FOR UPDATE", session_id)
            started = time.monotonic()
            error = only_error(await gql(RENAME, {"s": session_id, "n": "late"}))
            elapsed = time.monotonic() - started
        assert (error["message"], error["extensions"]) == (TIMED_OUT, RETRYABLE)
        assert elapsed < 3
        await gql.ok(RENAME, {"s": session_id, "n": "in time"})
        data = await gql.ok(SESSION, {"s": session_id})
        assert data["session"] == {"revision": 2, "nodeCount": 2, "name": "in time"}


@pytest.mark.postgres
async def test_a_deadlock_fails_one_request_cleanly_with_nothing_written(gql, pg):
    first, second = await make_session(gql), await make_session(gql)
    async with pg.transaction():
        await pg.execute("SET LOCAL deadlock_timeout = '20s'")  # the request is the victim
        await pg.execute("SELECT 1 FROM sessions WHERE id = $1 FOR UPDATE", second)
        request = asyncio.create_task(gql(RENAME_TWO, {"a": first, "b": second}))
        await _wait_for_a_lock_wait(pg)  # the request holds `first` and waits for `second`
        await pg.execute("SELECT 1 FROM sessions WHERE id = $1 FOR UPDATE", first)
        body = await request
    error = only_error(body)
    assert (error["message"], error["extensions"]) == (CONFLICT, RETRYABLE)
    for session_id in (first, second):
        data = await gql.ok(SESSION, {"s": session_id})
        assert data["session"] == {"revision": 1, "nodeCount": 2, "name": None}
    await gql.ok(RENAME_TWO, {"a": first, "b": second})


@pytest.mark.skipif(ENGINE != "sqlite", reason="SQLite's busy timeout (PostgreSQL: the test above)")
async def test_a_writer_that_waits_out_the_sqlite_busy_timeout_fails_cleanly(
    app_with, database_url
):
    async with app_with(sqlite_busy_timeout_ms=200) as (_app, gql):
        session_id = await make_session(gql)
        other = sqlite3.connect(make_url(database_url).database or "", isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")  # another process is writing
            started = time.monotonic()
            error = only_error(await gql(RENAME, {"s": session_id, "n": "late"}))
            elapsed = time.monotonic() - started
        finally:
            other.execute("ROLLBACK")
            other.close()
        assert (error["message"], error["extensions"]) == (BUSY, RETRYABLE)
        assert elapsed < 3
        await gql.ok(RENAME, {"s": session_id, "n": "in time"})


async def _wait_for_a_lock_wait(pg: Any) -> None:
    """Poll the server (it has no event to wait on) until an app connection waits for a lock."""
    async with asyncio.timeout(10):
        for _ in range(500):
            if await pg.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND application_name = 'graph_api' AND wait_event_type = 'Lock'"
            ):
                return
            await asyncio.sleep(0.02)
    raise AssertionError("the request never waited for the lock")


# ---------------------------------------------------------------- the database is down


async def test_database_down_is_503_and_clean_graphql_errors_quickly(settings):
    down = settings.model_copy(
        update={"database_url": "postgresql+asyncpg://postgres@127.0.0.1:1/graph_api"}
    )
    await _check_unavailable(down.model_copy(update={"connect_timeout_s": 1.0}))


async def test_database_that_never_answers_is_503_within_the_connect_timeout(settings):
    done = asyncio.Event()
    writers: list[asyncio.StreamWriter] = []

    async def silent(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writers.append(writer)
        await done.wait()  # accepts the connection, never answers

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        hung = settings.model_copy(
            update={
                "database_url": f"postgresql+asyncpg://postgres@127.0.0.1:{port}/graph_api",
                "connect_timeout_s": 0.5,
            }
        )
        await _check_unavailable(hung)
    finally:
        done.set()
        for writer in writers:
            writer.close()
            await writer.wait_closed()
        server.close()
        await server.wait_closed()


async def _check_unavailable(settings: Any) -> None:
    async with running_app(settings) as (_app, gql):
        started = time.monotonic()
        response = await gql.http.get("/health")
        assert time.monotonic() - started < settings.connect_timeout_s + 2
        assert response.status_code == 503
        assert response.json() == {"status": "degraded", "database": "unavailable"}
        for query in (
            '{ session(id: "6f1c1c8e-8f7e-4c36-9a7e-1f7f0b6f6a11") { id } }',
            "mutation { createSession { id } }",
        ):
            started = time.monotonic()
            error = only_error(await gql(query))
            assert time.monotonic() - started < settings.connect_timeout_s + 2
            assert (error["message"], error["extensions"]) == (UNAVAILABLE, RETRYABLE)
