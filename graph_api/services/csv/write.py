"""The write step of a CSV import: checked rows into the tables, in batches.

Inserts go through `bulk.insert_rows()` (one function per dialect, so a
PostgreSQL COPY path replaces it in one place) as tuples in the order of the
`*_COLUMNS` below. Updates (UPSERT only) are Core `update()` statements run as
executemany; deletes are one statement per chunk of ids.
"""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import bindparam, delete, update

from graph_api.db import bulk
from graph_api.db.bulk import BATCH
from graph_api.db.keysets import chunked
from graph_api.db.models import components, nodes, relationships
from graph_api.db.transaction import UnitOfWork

NODE_COLUMNS = (
    "session_id", "node_id", "label", "type", "metadata", "version", "created_at", "updated_at",
)  # fmt: skip
COMPONENT_COLUMNS = (
    "session_id", "node_id", "position", "type", "content", "properties", "created_at",
    "updated_at",
)  # fmt: skip
RELATIONSHIP_COLUMNS = (
    "session_id", "source_id", "target_id", "type", "weight", "properties", "version",
    "created_at", "updated_at",
)  # fmt: skip


# Built once (autoSave rewrites nodes on every save); bulk.execute_many binds its values.
_UPDATE_NODE = (
    update(nodes)
    .where(nodes.c.session_id == bindparam("_s"), nodes.c.node_id == bindparam("_n"))
    .values(
        label=bindparam("_label"),
        type=bindparam("_type"),
        metadata=bindparam("_metadata"),
        version=bindparam("_version"),
        updated_at=bindparam("_updated_at"),
    )
)


async def update_nodes(*, db: UnitOfWork, values: list[dict[str, Any]]) -> None:
    """Rewrite changed nodes: keys _s, _n, _label, _type, _metadata, _version, _updated_at."""
    rows = [
        {
            **row,
            "_metadata": orjson.dumps(row["_metadata"]).decode(),
            "_updated_at": bulk.db_timestamp(db, row["_updated_at"]),
        }
        for row in values
    ]
    for chunk in chunked(rows, BATCH):
        await bulk.execute_many(db=db, statement=_UPDATE_NODE, rows=chunk)


async def update_relationships(*, db: UnitOfWork, values: list[dict[str, Any]]) -> None:
    """Rewrite changed relationships: keys _id, weight, properties, version, updated_at."""
    if not values:
        return
    statement = (
        update(relationships)
        .where(relationships.c.id == bindparam("_id"))
        .values(
            weight=bindparam("_weight", type_=relationships.c.weight.type),
            properties=bindparam("_properties", type_=relationships.c.properties.type),
            version=bindparam("_version"),
            updated_at=bindparam("_updated_at", type_=relationships.c.updated_at.type),
        )
    )
    for chunk in chunked(values, BATCH):
        await db.execute(statement, chunk)


_DELETE_COMPONENTS = delete(components).where(
    components.c.session_id == bindparam("_s"),
    components.c.node_id.in_(bindparam("_nodes", expanding=True)),
)


async def delete_components(*, db: UnitOfWork, session_id: str, node_ids: list[str]) -> None:
    """Remove the component sequences of these nodes (they are about to be replaced)."""
    for chunk in chunked(node_ids, BATCH):
        await db.execute(_DELETE_COMPONENTS, {"_s": session_id, "_nodes": chunk})


async def clear_session(*, db: UnitOfWork, session_id: str) -> None:
    """Delete every relationship, component and node of the session (mode REPLACE)."""
    for target in (relationships, components, nodes):
        await db.execute(delete(target).where(target.c.session_id == session_id))
