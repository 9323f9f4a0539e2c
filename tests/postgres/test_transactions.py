"""The transaction rules, on both engines: writers to one session queue, readers see one snapshot.

On PostgreSQL a changing request first locks its session row (services.sessions.
require_session); on SQLite BEGIN IMMEDIATE admits one writer at a time. Either way
concurrent writers must get consecutive revisions and lose nothing.
"""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from graph_api.db.models import components
from graph_api.db.transaction import UnitOfWork, transaction_context
from graph_api.services import components as component_service
from graph_api.services import nodes as node_service
from graph_api.services.specs import ComponentPatch, NodePatch
from tests.factories import make_relationships, make_session
from tests.postgres.writers import check_nothing_lost, write_concurrently

UPDATE_LABEL = """mutation($s: ID!, $label: String!) {
  updateNode(sessionId: $s, nodeId: "N002", patch: {label: $label}, expectedVersion: 1) { version }
}"""


async def test_eight_concurrent_writers_get_revisions_1_to_n_and_lose_nothing(gql):
    session_id = await make_session(gql)
    names = await write_concurrently([gql], session_id, writers=8, rounds=3)
    await check_nothing_lost(gql, session_id, names)


async def test_concurrent_writers_with_one_expected_version_exactly_one_wins(gql):
    session_id = await make_session(gql)
    bodies = await asyncio.gather(
        *(gql(UPDATE_LABEL, {"s": session_id, "label": f"w{index}"}) for index in range(8))
    )
    winners = [body for body in bodies if "errors" not in body]
    losers = [body["errors"][0]["extensions"] for body in bodies if "errors" in body]
    assert len(winners) == 1 and winners[0]["data"]["updateNode"]["version"] == 2
    assert losers == [{"code": "VERSION_CONFLICT", "currentVersion": 2, "expectedVersion": 1}] * 7
    data = await gql.ok("query($s: ID!) { session(id: $s) { revision } }", {"s": session_id})
    assert data["session"]["revision"] == 2


NESTED = """query($s: ID!) { session(id: $s) { revision nodes(first: 10) { nodes {
  nodeId components { content } outgoing { type target { label } } } } } }"""


async def test_nested_fields_read_one_snapshot_while_another_connection_commits(
    app, gql, monkeypatch
):
    """The components loader runs after the nodes page; a commit in between is not seen."""
    session_id = await make_session(gql)
    await gql.ok(
        """mutation($s: ID!) { addComponent(sessionId: $s, nodeId: "N001",
             component: {type: "text", content: "before"}) { version } }""",
        {"s": session_id},
    )
    await make_relationships(gql, session_id, [("N001", "N002")])
    before = await gql.ok(NESTED, {"s": session_id})
    original = UnitOfWork.execute
    committed = []

    async def commit_between_statements(self, statement, params=None):
        # After the query's first statement, another connection changes what the later
        # (nested) statements would read, and commits.
        result = await original(self, statement, params)
        if not self.write and not committed:
            committed.append(True)
            await _rewrite(app, session_id)
        return result

    monkeypatch.setattr(UnitOfWork, "execute", commit_between_statements)
    during = await gql.ok(NESTED, {"s": session_id})
    monkeypatch.undo()
    assert committed
    assert during == before
    after = await gql.ok(NESTED, {"s": session_id})
    assert after != before and after["session"]["revision"] == before["session"]["revision"] + 1


async def _rewrite(app, session_id: str) -> None:
    """A component's content and a relationship target's label change, in one commit."""
    async with transaction_context(app.state.engine, write=True) as db:
        component_id = (
            await db.execute(select(components.c.id).where(components.c.session_id == session_id))
        ).scalar_one()
        await component_service.update_component(
            db=db,
            session_id=session_id,
            component_id=str(component_id),
            patch=ComponentPatch(content="after"),
        )
        await node_service.update_node(
            db=db, session_id=session_id, node_id="N002", patch=NodePatch(label="renamed")
        )
