"""Core services in a real unit of work: the transaction, the change log, node ids."""

from __future__ import annotations

import asyncio
from itertools import pairwise

import pytest
from sqlalchemy import event, func, select, text

from graph_api.db.models import changes, nodes, sessions
from graph_api.services import node_rows
from graph_api.services import nodes as node_service
from graph_api.services import relationships as relationship_service
from graph_api.services import sessions as session_service
from graph_api.services.changes import log as change_service
from graph_api.services.specs import NodeSpec, RelationshipSpec, SessionSpec


async def _count(db, table):
    return (await db.execute(select(func.count()).select_from(table))).scalar_one()


async def test_an_exception_rolls_the_transaction_back(unit_of_work):
    with pytest.raises(RuntimeError):
        async with unit_of_work() as db:
            await session_service.create_session(db=db, spec=SessionSpec())
            raise RuntimeError("after the write")
    async with unit_of_work(write=False) as db:
        assert await _count(db, sessions) == 0
        assert await _count(db, changes) == 0


async def test_mark_failed_rolls_back_without_raising(unit_of_work):
    async with unit_of_work() as db:
        await session_service.create_session(db=db, spec=SessionSpec())
        db.mark_failed()
    async with unit_of_work(write=False) as db:
        assert await _count(db, sessions) == 0


async def test_a_cancelled_statement_leaves_the_connection_usable(unit_of_work):
    """graphql-core cancels sibling resolvers; the transaction must survive it."""
    async with unit_of_work() as db:
        row = await session_service.create_session(db=db, spec=SessionSpec())
        slow = text(
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 200000) "
            "SELECT count(*) FROM c"
        )
        task = asyncio.ensure_future(db.execute(slow))
        await asyncio.sleep(0.001)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert (await db.execute(select(sessions.c.id))).scalar_one() == row.id
    async with unit_of_work(write=False) as db:
        assert await _count(db, sessions) == 1


async def test_revision_and_change_rows_are_written_at_commit(unit_of_work):
    async with unit_of_work() as db:
        row = await session_service.create_session(db=db, spec=SessionSpec())
        assert row.revision == 1
        # Rows are pending until the transaction commits.
        assert await _count(db, changes) == 0
        assert change_service.pending_revision(db=db, session_id=row.id) == 1
    async with unit_of_work(write=False) as db:
        rows, more = await change_service.list_changes(
            db=db, session_id=row.id, since_revision=0, first=10
        )
        assert [(r.op, r.kind, r.key) for r in rows] == [
            ("CREATE", "SESSION", row.id),
            ("CREATE", "NODE", "N001"),
            ("CREATE", "NODE", "N002"),
        ]
        assert more is False


async def test_changes_cancelling_out_leave_the_revision(unit_of_work):
    async with unit_of_work() as db:
        session_id = (await session_service.create_session(db=db, spec=SessionSpec())).id
    async with unit_of_work() as db:
        await node_service.create_nodes(
            db=db, session_id=session_id, specs=[NodeSpec(label="t", node_id="tmp")]
        )
        await node_service.delete_nodes(db=db, session_id=session_id, node_ids=["tmp"])
    async with unit_of_work(write=False) as db:
        row = await session_service.get_session(db=db, session_id=session_id)
        assert row.revision == 1
        assert await _count(db, changes) == 3


async def test_deleting_a_session_drops_its_pending_changes(unit_of_work):
    async with unit_of_work() as db:
        session_id = (await session_service.create_session(db=db, spec=SessionSpec())).id
    async with unit_of_work() as db:
        await node_service.create_nodes(db=db, session_id=session_id, specs=[NodeSpec(label="x")])
        counts = await session_service.delete_session(db=db, session_id=session_id)
        assert (counts.nodes, counts.revision) == (3, None)
    async with unit_of_work(write=False) as db:
        assert await _count(db, sessions) == 0
        assert await _count(db, changes) == 0
        assert await _count(db, nodes) == 0


@pytest.mark.parametrize(
    ("existing", "expected"),
    [
        ([], 1),
        (["N001", "N002"], 3),
        (["N999"], 1000),
        (["N1000", "N999"], 1001),
        (["N01a", "n7", "N", "NN5", "N-3", "X9"], 1),
        (["N0050"], 51),
    ],
)
async def test_next_node_number(unit_of_work, existing, expected):
    async with unit_of_work() as db:
        session_id = (
            await session_service.create_session(db=db, spec=SessionSpec(with_default_nodes=False))
        ).id
        if existing:
            await node_service.create_nodes(
                db=db,
                session_id=session_id,
                specs=[NodeSpec(label=n, node_id=n) for n in existing],
            )
        number = await node_rows.next_node_numbers(db=db, session_id=session_id, taken=[])
        assert number == expected
        assert node_rows.format_node_id(number) == (
            f"N{expected:03d}" if expected < 1000 else f"N{expected}"
        )


async def test_relationships_are_found_by_key_through_the_unique_index(unit_of_work, engine):
    """Issue 16: on SQLite a row-value `IN (VALUES ...)` tested every relationship of the
    session (a CSV import's duplicate checks, once per batch); keysets.tuples_in searches the
    index key by key. Same answer on every engine; the plan is checked on SQLite."""
    async with unit_of_work() as db:
        spec = SessionSpec(with_default_nodes=False)
        session_id = (await session_service.create_session(db=db, spec=spec)).id
        ids = [f"n{index}" for index in range(30)]
        await node_service.create_nodes(
            db=db, session_id=session_id, specs=[NodeSpec(label=i, node_id=i) for i in ids]
        )
        await relationship_service.create_relationships(
            db=db,
            session_id=session_id,
            specs=[RelationshipSpec(a, b, "T") for a, b in pairwise(ids)],
        )
    asked = [("n0", "n1", "T"), ("n5", "n6", "T"), ("n5", "n6", "OTHER"), ("n9", "n0", "T")]
    statements: list[tuple[str, object]] = []

    def seen(_conn, _cursor, statement, parameters, *_args):
        if "FROM relationships" in statement:
            statements.append((statement, parameters))

    event.listen(engine.sync_engine, "before_cursor_execute", seen)
    try:
        async with unit_of_work(write=False) as db:
            found = await relationship_service.find_by_keys(
                db=db, session_id=session_id, keys=asked
            )
            one = await relationship_service.find_by_keys(
                db=db, session_id=session_id, keys=asked[1:2]
            )
            plans = []
            if db.dialect == "sqlite":
                raw = (await db.conn.get_raw_connection()).driver_connection
                assert raw is not None
                for statement, parameters in statements:
                    cursor = await raw.execute(f"EXPLAIN QUERY PLAN {statement}", parameters)
                    plans.append(" ".join(str(row[-1]) for row in await cursor.fetchall()))
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", seen)
    assert sorted(found) == [("n0", "n1", "T"), ("n5", "n6", "T")]
    assert list(one) == [("n5", "n6", "T")]
    key_search = "session_id=? AND source_id=? AND target_id=? AND type=?"
    assert all(key_search in plan for plan in plans), plans
