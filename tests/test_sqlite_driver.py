"""SQLite through aiosqlite: one trip to the connection's thread per statement, BEGIN riding
with the first one (db/sqlite_driver.py). Trips are counted, not timed."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from typing import Any

import aiosqlite
import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from graph_api.db.models import sessions
from graph_api.db.transaction import transaction_context
from tests.conftest import ENGINE
from tests.factories import make_nodes, make_session

pytestmark = pytest.mark.skipif(ENGINE != "sqlite", reason="aiosqlite's thread is SQLite's")

NODE = """query($s: ID!, $n: String!) {
  node(sessionId: $s, nodeId: $n) { nodeId label components { position content } }
}"""
VALIDATE = "mutation($id: ID!) { validateSession(id: $id) { valid session { lastAccessed } } }"


@pytest.fixture
def trips(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every call aiosqlite sends to a connection's thread, by function name."""
    sent: list[str] = []
    original = aiosqlite.Connection._execute

    async def counted(self: aiosqlite.Connection, fn: Any, *args: Any, **kwargs: Any) -> Any:
        sent.append(getattr(fn, "__name__", repr(fn)))
        return await original(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
    yield sent


async def test_a_read_is_one_trip_per_statement(gql, count_statements, trips):
    session_id = await make_session(gql)
    await make_nodes(gql, session_id, 3, components=2)
    trips.clear()
    with count_statements() as counter:
        data = await gql.ok(NODE, {"s": session_id, "n": "N001"})
    assert data["node"]["nodeId"] == "N001"
    assert counter.count >= 1
    # SQLAlchemy's own adapter made four per statement (cursor, execute, fetchall, close),
    # three more for BEGIN, one for COMMIT and one for the pool's rollback. A transaction
    # that only read queues its COMMIT without waiting for it.
    assert trips == ["_run"] * counter.count, trips


async def test_validate_session_is_two_trips(gql, trips):
    session_id = await make_session(gql)
    trips.clear()
    data = await gql.ok(VALIDATE, {"id": session_id})
    assert data["validateSession"]["valid"] is True
    assert trips == ["_run", "commit"]  # BEGIN IMMEDIATE + UPDATE ... RETURNING, COMMIT


async def test_a_transaction_that_ran_nothing_makes_no_trip(engine, trips):
    async with transaction_context(engine, write=False):
        pass  # the pool's first connection, set up with its own trips
    trips.clear()
    for write in (False, True):
        async with transaction_context(engine, write=write):
            pass
        async with transaction_context(engine, write=write) as db:
            db.mark_failed()
    assert trips == []


async def test_a_read_ends_its_transaction_before_the_connection_runs_anything_else(engine):
    async with transaction_context(engine, write=False) as db:
        assert (await db.execute(select(sessions.c.id).limit(1))).all() == []
    async with engine.connect() as conn:  # the same pooled connection, its COMMIT queued
        raw = await conn.get_raw_connection()
        connection: aiosqlite.Connection = raw.driver_connection  # type: ignore[assignment]
        assert await connection._execute(lambda: connection._conn.in_transaction) is False
        await conn.rollback()


async def test_a_read_that_wrote_waits_for_its_commit(engine, trips):
    async with transaction_context(engine, write=False) as db:
        await db.execute(select(sessions.c.id).limit(1))
        await db.execute(text("CREATE TEMP TABLE scratch (x)"))
    assert trips[-1] == "commit"


async def test_a_writer_holds_the_write_lock_from_its_first_statement(engine, database_url):
    path = make_url(database_url).database
    assert path is not None
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        async with transaction_context(engine, write=True) as db:
            await db.execute(select(sessions.c.id).limit(1))  # a read: BEGIN IMMEDIATE rode along
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
        other.execute("BEGIN IMMEDIATE")  # committed: free again
        other.execute("ROLLBACK")
    finally:
        other.close()


async def test_a_reader_keeps_its_snapshot_from_its_first_statement(engine, database_url):
    path = make_url(database_url).database
    assert path is not None
    async with transaction_context(engine, write=False) as db:
        before = (await db.execute(text("SELECT count(*) FROM sessions"))).scalar_one()
        other = sqlite3.connect(path, isolation_level=None)
        try:
            other.execute(
                "INSERT INTO sessions (id, created_at, last_accessed, expires_at, revision, "
                "metadata) VALUES ('x', '2026-01-01', '2026-01-01', '2126-01-01', 1, '{}')"
            )
        finally:
            other.close()
        after = (await db.execute(text("SELECT count(*) FROM sessions"))).scalar_one()
    assert after == before


async def test_rows_rowcount_and_errors_come_back(engine):
    async with transaction_context(engine, write=True) as db:
        result = await db.execute(text("SELECT 1 AS a, 'b' AS b UNION ALL SELECT 2, 'c'"))
        assert [tuple(row) for row in result] == [(1, "b"), (2, "c")]
        updated = await db.execute(text("UPDATE sessions SET revision = revision WHERE 1 = 0"))
        assert updated.rowcount == 0  # type: ignore[attr-defined]
        db.mark_failed()
    with pytest.raises(Exception, match="no such table"):
        async with transaction_context(engine, write=True) as db:
            await db.execute(text("SELECT * FROM no_such_table"))
    # BEGIN IMMEDIATE ran with the failed statement: it was rolled back, the lock is free.
    async with transaction_context(engine, write=True) as db:
        assert (await db.execute(text("SELECT 1"))).scalar_one() == 1
