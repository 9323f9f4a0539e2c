"""Small shared helpers for the GraphQL tests: reading state back and inspecting tables."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from graph_api.config import Limits
from graph_api.db.models import changes, components, nodes, relationships, saves, sessions
from graph_api.db.transaction import UnitOfWork, transaction_context
from graph_api.services import nodes as node_service
from graph_api.services.specs import NodeSpec

# Small limits, so that each is cheap to cross in a test.
SMALL_LIMITS = Limits(
    max_depth=5,
    max_aliases=4,
    max_page_size=10,
    default_page_size=5,
    max_list_length=3,
    max_label_length=10,
    max_type_length=10,  # RELATES_TO (the factories' type) fits
    max_content_bytes=8,
    max_json_bytes=20,
)

TABLES = {
    "sessions": sessions,
    "nodes": nodes,
    "components": components,
    "relationships": relationships,
    "changes": changes,
    "saves": saves,
}

CHANGES = """query($s: ID!, $since: Int!, $first: Int) {
  changes(sessionId: $s, sinceRevision: $since, first: $first) {
    sessionId sinceRevision revision hasMore changes { revision at op kind key saveId }
  }
}"""

NODE = """query($s: ID!, $n: String!) {
  node(sessionId: $s, nodeId: $n) {
    nodeId label type metadata version createdAt updatedAt
    components { id nodeId position type content properties }
  }
}"""

SESSION_STATE = """query($s: ID!) {
  session(id: $s) { id revision nodeCount relationshipCount lastAccessed }
}"""


def dt(value: str) -> datetime:
    return datetime.fromisoformat(value)


async def row_counts(engine: AsyncEngine, session_id: str | None = None) -> dict[str, int]:
    """Rows per table, for the whole database or for one session."""
    counts: dict[str, int] = {}
    async with engine.connect() as conn:
        for name, table in TABLES.items():
            column = table.c.id if name == "sessions" else table.c.session_id
            statement = select(func.count()).select_from(table)
            if session_id is not None:
                statement = statement.where(column == session_id)
            counts[name] = (await conn.execute(statement)).scalar_one()
    return counts


async def change_list(gql: Any, session_id: str, since: int = 0) -> list[tuple[Any, ...]]:
    """(revision, op, kind, key) of every change after `since`."""
    data = await gql.ok(CHANGES, {"s": session_id, "since": since, "first": 5000})
    return [(c["revision"], c["op"], c["kind"], c["key"]) for c in data["changes"]["changes"]]


async def revision(gql: Any, session_id: str) -> int:
    data = await gql.ok(SESSION_STATE, {"s": session_id})
    value: int = data["session"]["revision"]
    return value


async def get_node(gql: Any, session_id: str, node_id: str) -> dict[str, Any] | None:
    data = await gql.ok(NODE, {"s": session_id, "n": node_id})
    node: dict[str, Any] | None = data["node"]
    return node


def code(error: dict[str, Any]) -> str:
    value: str = error["extensions"]["code"]
    return value


def commit_a_node_after_the_first_read(
    monkeypatch: Any, engine: AsyncEngine, session_id: str
) -> None:
    """Make another transaction commit node `late` right after a read request's first
    statement: a request reading one snapshot must not see it."""
    original = UnitOfWork.execute
    wrote: list[bool] = []

    async def execute_then_write(self: UnitOfWork, statement: Any, params: Any = None) -> Any:
        result = await original(self, statement, params)
        if not self.write and not wrote:
            wrote.append(True)
            async with transaction_context(engine, write=True, limits=self.limits) as writer:
                await node_service.create_nodes(
                    db=writer, session_id=session_id, specs=[NodeSpec(label="late", node_id="late")]
                )
        return result

    monkeypatch.setattr(UnitOfWork, "execute", execute_then_write)
    return wrote
