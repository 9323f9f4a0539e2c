"""Dataloaders (CONTRACT.md §2): the statements of a request depend on its depth, never on how
many objects it returns. Counted with a before_cursor_execute listener, not timed. Their
texts do not depend on it either: a batch binds its keys as one array (db/keysets.py), so
the statements are compiled and prepared once, not once per number of parents.

Both read paths are measured: the served one (the compiled fast path in front) and the
general resolvers with their per-request DataLoaders (schema.execute with a real context).
"""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import event

from graph_api.graphql.context import Context
from graph_api.graphql.loaders import Loaders
from graph_api.graphql.schema import build_schema
from graph_api.services import sessions as session_service
from graph_api.services.specs import SessionSpec
from tests.factories import make_nodes, make_relationships, make_session

QUERY = """query($s: ID!) { session(id: $s) {
  revision nodeCount relationshipCount
  nodes(first: 1000) { totalCount pageInfo { hasNextPage } nodes {
    nodeId
    components { position content }
    componentCount
    outgoing { type target { nodeId label } }
    incoming { source { nodeId } }
    neighbors(depth: 2) { nodeId }
  } }
} }"""
SIZES = (5, 500)


async def _graph(gql, size):
    """`size` nodes with 2 components each, a ring and a chord per node (2 relationships each)."""
    session_id = await make_session(gql, withDefaultNodes=False)
    ids = await make_nodes(gql, session_id, size, components=2)
    ring = list(zip(ids, ids[1:] + ids[:1], strict=True))
    await make_relationships(gql, session_id, ring)
    chords = list(zip(ids, ids[2:] + ids[:2], strict=True))
    await make_relationships(gql, session_id, chords, type_="CHORD")
    return session_id


def _check(data, size):
    nodes = data["session"]["nodes"]["nodes"]
    assert len(nodes) == size
    assert data["session"]["relationshipCount"] == 2 * size
    for node in nodes:
        assert [c["position"] for c in node["components"]] == [0, 1]
        assert node["componentCount"] == 2
        assert len(node["outgoing"]) == 2
        assert len(node["incoming"]) == 2
        assert len(node["neighbors"]) == min(size - 1, 8)


class Counter:
    def __init__(self, engine):
        self.engine = engine.sync_engine
        self.statements: list[str] = []

    def _before(self, _conn, _cursor, statement, *_args):
        self.statements.append(statement)

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._before)
        return self

    def __exit__(self, *_exc):
        event.remove(self.engine, "before_cursor_execute", self._before)


async def test_served_query_statements_do_not_grow_with_results(app, gql, record_property):
    counts, texts = {}, {}
    for size in SIZES:
        session_id = await _graph(gql, size)
        with Counter(app.state.engine) as counter:
            data = await gql.ok(QUERY, {"s": session_id})
        _check(data, size)
        counts[size] = len(counter.statements)
        texts[size] = counter.statements
    print(f"statements for the served nested query (5 vs 500 nodes): {counts}")
    record_property("served_statement_counts", counts)
    assert counts[SIZES[0]] == counts[SIZES[1]], counts
    assert texts[SIZES[0]] == texts[SIZES[1]]


async def test_dataloader_statements_do_not_grow_with_results(app, gql, settings, record_property):
    schema = build_schema(settings.limits, fast_reads=False)
    counts, texts = {}, {}
    for size in SIZES:
        session_id = await _graph(gql, size)
        context = Context(settings=settings, engine=app.state.engine)
        with Counter(app.state.engine) as counter:
            result = await schema.execute(
                QUERY, variable_values={"s": session_id}, context_value=context
            )
        assert result.errors is None, result.errors
        _check(result.data, size)
        counts[size] = len(counter.statements)
        texts[size] = counter.statements
    print(f"statements for the nested query on the DataLoader path (5 vs 500 nodes): {counts}")
    record_property("dataloader_statement_counts", counts)
    assert counts[SIZES[0]] == counts[SIZES[1]], counts
    assert texts[SIZES[0]] == texts[SIZES[1]]


@pytest.mark.parametrize("fast_reads", [True, False], ids=["served", "dataloaders"])
async def test_loaders_do_not_share_rows_between_requests(app, gql, settings, fast_reads):
    """A second request sees the first one's write: nothing is cached across requests."""
    schema = build_schema(settings.limits, fast_reads=fast_reads)
    session_id = await make_session(gql)
    query = 'query($s: ID!) { node(sessionId: $s, nodeId: "N001") { label componentCount } }'
    for label in ("N001", "renamed"):
        if label != "N001":
            await gql.ok(
                """mutation($s: ID!) {
                  updateNode(sessionId: $s, nodeId: "N001", patch: {label: "renamed"}) { version }
                  addComponent(sessionId: $s, nodeId: "N001", component: {type: "t"}) { version }
                }""",
                {"s": session_id},
            )
        context = Context(settings=settings, engine=app.state.engine)
        result = await schema.execute(
            query, variable_values={"s": session_id}, context_value=context
        )
        assert result.data == {
            "node": {"label": label, "componentCount": 0 if label == "N001" else 1}
        }


async def test_a_cancelled_caller_does_not_cancel_a_shared_load(unit_of_work):
    """graphql-core cancels the siblings of a failed field; another field waiting for the
    same key (the loader hands both one cached future) must still get its value."""
    async with unit_of_work() as db:
        row = await session_service.create_session(db=db, spec=SessionSpec())
    async with unit_of_work(write=False) as db:
        loaders = Loaders(db)
        key = (row.id, "N001")
        doomed = asyncio.ensure_future(loaders.node.load(key))
        survivor = asyncio.ensure_future(loaders.node.load(key))
        await asyncio.sleep(0)
        doomed.cancel()
        found = await survivor
        assert found is not None and found.node_id == "N001"
        assert doomed.cancelled()
        # The cache still answers later loads of that key.
        assert (await loaders.node.load(key)).node_id == "N001"
