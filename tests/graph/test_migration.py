"""Migration 0005 indexes the nodes that existed before it (backfill), on both engines."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from sqlalchemy import insert
from sqlalchemy.engine import Connection

from graph_api.config import Settings
from graph_api.db.engine import create_engine
from graph_api.db.migrations import alembic_config
from graph_api.db.models import components, nodes, sessions
from graph_api.db.transaction import transaction_context
from graph_api.services.graph.search import search
from tests.postgres.test_migrations import empty_database_url  # noqa: F401 (a fixture)

SESSION = "6f0c6b4e-3c1e-4e0a-9a43-1f1b2b0c0d5e"


def _upgrade(connection: Connection, revision: str) -> None:
    command.upgrade(alembic_config(connection), revision)


async def test_existing_nodes_are_found_after_the_upgrade(empty_database_url):  # noqa: F811
    engine = create_engine(Settings(database_url=empty_database_url))
    now = datetime(2026, 1, 1, tzinfo=UTC)
    stamps = {"created_at": now, "updated_at": now}
    try:
        async with engine.connect() as conn:
            conn = await conn.execution_options(graph_api_write=True)
            await conn.run_sync(_upgrade, "0001")
            await conn.execute(
                insert(sessions),
                {"id": SESSION, "metadata": {}, "created_at": now, "last_accessed": now,
                 "expires_at": now},
            )  # fmt: skip
            await conn.execute(
                insert(nodes),
                [
                    {"session_id": SESSION, "node_id": n, "label": label, "type": "t",
                     "metadata": {}, **stamps}
                    for n, label in (("a", "Old Heron"), ("b", "x"))
                ],
            )  # fmt: skip
            await conn.execute(
                insert(components),
                {"session_id": SESSION, "node_id": "b", "position": 0, "type": "t",
                 "content": "a heron by the river", "properties": {}, **stamps},
            )  # fmt: skip
            await conn.run_sync(_upgrade, "head")
            await conn.commit()
        async with transaction_context(engine, write=False) as db:
            hits = await search(db=db, session_id=SESSION, query="heron", first=None, types=None)
            assert [(hit.node.node_id, hit.matched_in) for hit in hits] == [
                ("a", ["label"]),
                ("b", ["components"]),
            ]
            assert await search(
                db=db, session_id=SESSION, query="river heron", first=None, types=None
            )
    finally:
        await engine.dispose()
