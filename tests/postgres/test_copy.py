"""CSV imports on PostgreSQL go through COPY, with the same results as executemany.

Large inserts (>= bulk.COPY_THRESHOLD rows) take db/pg_copy.py's path; small
ones (a mutation's change log) stay one executemany. Both engines must end in
the same state: ids in file order, every change logged once, all or nothing.
"""

from __future__ import annotations

from typing import Any

import pytest

from graph_api.db import bulk, pg_copy
from graph_api.db.errors import contract_error
from graph_api.db.models import nodes
from graph_api.services import clock
from graph_api.services.csv.write import NODE_COLUMNS
from tests.conftest import ENGINE
from tests.factories import make_session

IMPORT = """mutation($s: ID!, $n: String, $r: String) {
  importCsv(sessionId: $s, nodesCsv: $n, relationshipsCsv: $r) {
    rowsRead nodesCreated componentsCreated relationshipsCreated revision } }"""
STATE = """query($s: ID!) { session(id: $s) { revision nodeCount relationshipCount
  relationships(first: 3) { nodes { id sourceId targetId } } }
  node(sessionId: $s, nodeId: "n1500") { label metadata components { position content } }
  changes(sessionId: $s, sinceRevision: 1, first: 5000) { changes { revision } } }"""
SIZE = 3_000


def nodes_csv(size: int, *, bad_line: int | None = None) -> str:
    """`size` nodes with one component each; the record on `bad_line` has a bad node_id."""
    lines = ["node_id,label,colour,components"]
    for index in range(size):
        component = f'"[{{""type"": ""text"", ""content"": ""c{index}""}}]"'
        node_id = "bad id" if len(lines) + 1 == bad_line else f"n{index}"
        lines.append(f"{node_id},Node {index},blue,{component}")
    return "\n".join(lines) + "\n"


def relationships_csv(size: int) -> str:
    lines = ["source,target,type,weight"]
    lines += [f"n{index},n{(index + 1) % size},NEXT,{index / 10}" for index in range(size)]
    return "\n".join(lines) + "\n"


@pytest.fixture
def copies(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """(table, rows) of every COPY made; SQLite makes none."""
    made: list[tuple[str, int]] = []
    original = pg_copy.copy_rows

    async def spy(db: Any, target: Any, columns: Any, rows: Any) -> None:
        rows = list(rows)
        made.append((target.name, len(rows)))
        await original(db, target, columns, rows)

    monkeypatch.setattr(pg_copy, "copy_rows", spy)
    return made


async def test_a_large_import_is_copied_and_reads_back_as_on_every_engine(gql, copies):
    session_id = await make_session(gql, withDefaultNodes=False)
    report = await gql.ok(
        IMPORT, {"s": session_id, "n": nodes_csv(SIZE), "r": relationships_csv(SIZE)}
    )
    assert report["importCsv"] == {
        "rowsRead": 2 * SIZE,
        "nodesCreated": SIZE,
        "componentsCreated": SIZE,
        "relationshipsCreated": SIZE,
        "revision": 2,
    }
    data = await gql.ok(STATE, {"s": session_id})
    assert data["session"]["revision"] == 2
    assert (data["session"]["nodeCount"], data["session"]["relationshipCount"]) == (SIZE, SIZE)
    # Relationship ids are creation order, which is the file's order.
    assert [
        (r["id"], r["sourceId"], r["targetId"]) for r in data["session"]["relationships"]["nodes"]
    ] == [("1", "n0", "n1"), ("2", "n1", "n2"), ("3", "n2", "n3")]
    assert data["node"] == {
        "label": "Node 1500",
        "metadata": {"colour": "blue"},
        "components": [{"position": 0, "content": "c1500"}],
    }
    assert len(data["changes"]["changes"]) == 2 * SIZE
    if ENGINE == "postgresql":
        tables = {table for table, _ in copies}
        assert {"nodes", "components", "relationships", "changes"} <= tables
    else:
        assert copies == []


async def test_a_small_write_stays_one_executemany(gql, copies):
    session_id = await make_session(gql, withDefaultNodes=False)
    await gql.ok(IMPORT, {"s": session_id, "n": nodes_csv(bulk.COPY_THRESHOLD - 1)})
    assert copies == []


async def test_a_rejected_large_import_leaves_nothing_behind(gql, copies):
    session_id = await make_session(gql, withDefaultNodes=False)
    error = await gql.error(IMPORT, {"s": session_id, "n": nodes_csv(SIZE, bad_line=SIZE)})
    assert error["extensions"]["code"] == "CSV_INVALID"
    assert error["extensions"]["problems"][0]["line"] == SIZE
    data = await gql.ok(STATE, {"s": session_id})
    assert (data["session"]["revision"], data["session"]["nodeCount"]) == (1, 0)
    assert data["changes"]["changes"] == []


async def test_a_row_that_breaks_a_constraint_during_copy_is_duplicate(gql, unit_of_work):
    """A race the checks could not see: the set-based INSERT fails whole, nothing is kept."""
    session_id = await make_session(gql, withDefaultNodes=True)
    with pytest.raises(Exception) as raised:
        async with unit_of_work() as db:
            stamp = bulk.db_timestamp(db, clock.now())
            rows = [
                (session_id, f"x{index}", "x", "concept", "{}", 1, stamp, stamp)
                for index in range(bulk.COPY_THRESHOLD)
            ]
            rows.append((session_id, "N001", "clash", "concept", "{}", 1, stamp, stamp))
            await bulk.insert_rows(db=db, target=nodes, columns=NODE_COLUMNS, rows=rows)
    error = contract_error(raised.value)
    assert error is not None, raised.value
    assert (error.code, error.extensions.get("field")) == ("DUPLICATE", "nodeId")
    data = await gql.ok(STATE, {"s": session_id})
    assert data["session"]["nodeCount"] == 2


async def test_large_imports_one_after_another_reuse_nothing_stale(gql, copies):
    """Each transaction makes its own staging tables (ON COMMIT DROP) on a pooled connection."""
    for _ in range(3):
        session_id = await make_session(gql, withDefaultNodes=False)
        report = await gql.ok(IMPORT, {"s": session_id, "n": nodes_csv(bulk.COPY_THRESHOLD)})
        assert report["importCsv"]["nodesCreated"] == bulk.COPY_THRESHOLD
    if ENGINE == "postgresql":
        assert len(copies) >= 3
