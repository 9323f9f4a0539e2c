"""autoSave's writes: a plan with no conflicts, applied in the request's transaction.

Order: node creates, node updates, node deletes (with their cascades), then
relationship deletes, updates and creates, so a relationship deleted and
re-created by key in one delta frees its key first. Node updates are
set-based (one executemany UPDATE, one DELETE and one INSERT of all the
replaced components, whose new ids come back with RETURNING); the rest reuse
the node and relationship services. Every change-log row carries the saveId.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

import orjson
from sqlalchemy import Row

from graph_api.db import bulk
from graph_api.db.models import components
from graph_api.db.transaction import UnitOfWork
from graph_api.services import clock
from graph_api.services import nodes as node_service
from graph_api.services import relationships as relationship_service
from graph_api.services.autosave.plan import NodeUpdate, Plan, State
from graph_api.services.autosave.specs import AutoSaveSpec
from graph_api.services.changes import log as change_service
from graph_api.services.csv import write as table_writes
from graph_api.services.csv.write import COMPONENT_COLUMNS
from graph_api.services.records import ComponentRecord, NodeRecord, record_of
from graph_api.services.specs import (
    Deletion,
    NodeSpec,
    RelationshipPatch,
    RelationshipSpec,
    spec_from,
)

# COMPONENT_COLUMNS is (plain columns..., properties, created_at, updated_at).
_PLAIN = itemgetter(*COMPONENT_COLUMNS[:-3])
_STAMPED = itemgetter(*COMPONENT_COLUMNS[-2:])


@dataclass
class Applied:
    """What the delta's nodes and relationships are now, in input order."""

    nodes: list[Row[Any] | NodeRecord] = field(default_factory=list)
    relationships: list[Row[Any]] = field(default_factory=list)
    # The new components of every node whose sequence was replaced, by nodeId.
    components: dict[str, list[ComponentRecord]] = field(default_factory=dict)


async def apply_plan(
    *, db: UnitOfWork, session_id: str, spec: AutoSaveSpec, plan: Plan, state: State
) -> Applied:
    """Write the plan; nothing in it conflicts and every reference in it is valid."""
    applied = Applied()
    save_id = spec.save_id
    written: dict[str, Any] = {}
    if plan.node_creates:
        rows = await node_service.create_nodes(
            db=db,
            session_id=session_id,
            specs=[
                spec_from(
                    NodeSpec,
                    c,
                    label=c.label if c.label is not None else c.node_id,
                    type=c.type if c.type is not None else "concept",
                )
                for c in plan.node_creates
            ],
            save_id=save_id,
        )
        written = {row.node_id: row for row in rows}
    if plan.node_updates:
        written.update(await _update_nodes(db, session_id, plan.node_updates, save_id, applied))
    # Unchanged nodes are as read under the lock; the others as just written.
    applied.nodes = [
        written[c.node_id] if c.node_id in written else state.nodes[c.node_id] for c in spec.nodes
    ]
    how = Deletion(missing_ok=True, save_id=save_id)
    if plan.node_deletes:
        await node_service.delete_nodes(db, session_id, plan.node_deletes, how)
    if plan.relationship_deletes:
        rel_ids = plan.relationship_deletes
        await relationship_service.delete_relationships(db, session_id, rel_ids, how)
    applied.relationships = await _apply_relationships(db, session_id, spec, plan, state)
    return applied


async def _update_nodes(
    db: UnitOfWork, session_id: str, updates: list[NodeUpdate], save_id: str, applied: Applied
) -> dict[str, NodeRecord]:
    """Bump every changed node in one executemany and replace sequences in two statements.

    Returns the nodes as they now are, records of the rows read under the lock
    (version + 1, the new values, updatedAt now), so no statement reads them back.
    """
    now = clock.now()
    await table_writes.update_nodes(
        db=db,
        values=[
            {
                "_s": session_id,
                "_n": u.row.node_id,
                "_label": u.values.get("label", u.row.label),
                "_type": u.values.get("type", u.row.type),
                "_metadata": u.values.get("metadata", u.row.metadata),
                "_version": u.row.version + 1,
                "_updated_at": now,
            }
            for u in updates
        ],
    )
    await _replace_components(
        db, session_id, [u for u in updates if u.components is not None], applied
    )
    for u in updates:
        await change_service.record(
            db,
            session_id,
            "NODE",
            "UPDATE",
            u.row.node_id,
            save_id=save_id,
            fields=[*u.values, *(["components"] if u.components is not None else [])],
            version=u.row.version + 1,
        )
    return {
        u.row.node_id: record_of(
            NodeRecord, u.row, **u.values, version=u.row.version + 1, updated_at=now
        )
        for u in updates
    }


async def _replace_components(
    db: UnitOfWork, session_id: str, replaced: list[NodeUpdate], applied: Applied
) -> None:
    node_ids = [u.row.node_id for u in replaced]
    await table_writes.delete_components(db=db, session_id=session_id, node_ids=node_ids)
    applied.components = {u.row.node_id: [] for u in replaced}
    rows = [row for u in replaced for row in u.components or []]
    if not rows:
        return
    # Tuples in one statement, as the bulk writers send them: no bind processing per value.
    stamps = {at: bulk.db_timestamp(db, at) for row in rows for at in _STAMPED(row)}
    values = [
        (
            *_PLAIN(row),
            orjson.dumps(row["properties"]).decode(),
            *(stamps[at] for at in _STAMPED(row)),
        )
        for row in rows
    ]
    # The database assigns the ids: (node, position) places each one.
    inserted = await bulk.insert_returning(
        db=db,
        target=components,
        columns=COMPONENT_COLUMNS,
        rows=values,
        returning=("id", "node_id", "position"),
    )
    ids = {(node_id, position): id_ for id_, node_id, position in inserted}
    for row in rows:
        full = ComponentRecord(**row, id=ids[(row["node_id"], row["position"])])
        applied.components[row["node_id"]].append(full)


async def _apply_relationships(
    db: UnitOfWork, session_id: str, spec: AutoSaveSpec, plan: Plan, state: State
) -> list[Row[Any]]:
    by_index: dict[int, Row[Any]] = {}
    for item in plan.relationship_updates:
        values = item.values
        by_index[item.index] = await relationship_service.update_relationship(
            db=db,
            session_id=session_id,
            relationship_id=str(item.row.id),
            patch=RelationshipPatch(
                type=values.get("type"),
                weight=values.get("weight"),
                properties=values.get("properties"),
                clear_weight="weight" in values and values["weight"] is None,
            ),
            save_id=spec.save_id,
        )
    if plan.relationship_creates:
        wanted = [spec.relationships[index] for index in plan.relationship_creates]
        created = await relationship_service.create_relationships(
            db=db,
            session_id=session_id,
            specs=[spec_from(RelationshipSpec, c) for c in wanted],
            save_id=spec.save_id,
        )
        by_index.update(zip(plan.relationship_creates, created, strict=True))
    result: list[Row[Any]] = []
    for index, change in enumerate(spec.relationships):
        row = by_index.get(index)
        if row is None:  # unchanged: as read under the lock
            numeric = relationship_service.parse_relationship_id(change.id or "")
            row = (
                state.relationships_by_id.get(numeric)
                if numeric is not None
                else state.relationships_by_key.get(change.key)
            )
        if row is not None:
            result.append(row)
    return result
