"""autoSave: a debounced client's delta applied in one transaction, at most once per saveId.

The order of one save (CONTRACT.md §6, §9):

1. validate the whole delta (no database);
2. lock the session (`require_session`: a row lock on PostgreSQL; on SQLite
   BEGIN IMMEDIATE already admits one writer), so a retry that arrives while
   the first attempt is committing waits here and then sees its receipt;
3. claim the saveId: INSERT the receipt ... ON CONFLICT DO NOTHING. If it
   already existed, the save is REPLAYED (same payload) or BAD_USER_INPUT
   (different payload) and nothing is written. The insert is what makes a
   concurrent duplicate safe even without the lock;
4. read the state of everything the delta mentions (set-based) and plan;
5. with conflicts under REJECT: drop the claim and answer CONFLICT, so the
   transaction wrote nothing and the saveId stays free;
6. apply: node creates, node updates (set-based), node deletes (cascades),
   relationship deletes, updates, creates; every change-log row carries the
   saveId; finally the receipt records the revision and the touched ids.

A save that changes nothing (every value already as sent) bumps no revision
and still keeps its receipt at the current revision: the client is in sync
at that revision, and a retry is REPLAYED with that same revision. Any error
rolls the whole request back, receipt included: a failed save leaves no trace.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Row, bindparam, delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from graph_api.db.models import changes, components, nodes, saves
from graph_api.db.transaction import UnitOfWork
from graph_api.errors import BadUserInput
from graph_api.services import changes as change_service
from graph_api.services import clock, reads
from graph_api.services import nodes as node_service
from graph_api.services import relationships as relationship_service
from graph_api.services import sessions as session_service
from graph_api.services.autosave_plan import Conflict, NodeUpdate, Plan, State, make_plan
from graph_api.services.autosave_specs import AutoSaveSpec, payload_hash, validate
from graph_api.services.specs import NodeSpec, RelationshipPatch, RelationshipSpec

Status = Literal["SAVED", "CONFLICT", "REPLAYED"]
_CHUNK = 10_000


@dataclass
class SaveResult:
    save_id: str
    status: Status
    revision: int
    saved_at: datetime
    conflicts: list[Conflict] = field(default_factory=list)
    nodes: list[Row[Any]] = field(default_factory=list)
    relationships: list[Row[Any]] = field(default_factory=list)


async def auto_save(*, db: UnitOfWork, session_id: str, spec: AutoSaveSpec) -> SaveResult:
    """Apply the delta once per (session, saveId); see the module docstring for the rules."""
    validate(spec, db.limits)
    session_id = await session_service.require_session(db=db, session_id=session_id)
    digest = payload_hash(spec)
    saved_at = clock.now()
    if not await _claim(db, session_id, spec.save_id, digest, saved_at):
        return await _replay(db, session_id, spec.save_id, digest)
    state = await _load(db, session_id, spec)
    plan = make_plan(spec=spec, state=state, session_id=session_id, limits=db.limits)
    if plan.conflicts:
        await _release(db, session_id, spec.save_id)
        return SaveResult(
            save_id=spec.save_id,
            status="CONFLICT",
            revision=await node_service.current_revision(db=db, session_id=session_id),
            saved_at=saved_at,
            conflicts=plan.conflicts,
        )
    relationship_rows = await _apply(db, session_id, spec, plan, state)
    revision = change_service.pending_revision(db=db, session_id=session_id)
    if revision is None:
        revision = await node_service.current_revision(db=db, session_id=session_id)
    node_rows = await _current_nodes(db, session_id, [c.node_id for c in spec.nodes])
    touched = {
        "nodes": [row.node_id for row in node_rows],
        "relationships": [str(row.id) for row in relationship_rows],
    }
    await db.execute(
        update(saves)
        .where(saves.c.session_id == session_id, saves.c.save_id == spec.save_id)
        .values(revision=revision, touched=touched)
    )
    return SaveResult(
        save_id=spec.save_id,
        status="SAVED",
        revision=revision,
        saved_at=saved_at,
        nodes=node_rows,
        relationships=relationship_rows,
    )


# ---------------------------------------------------------------- receipts


async def _claim(
    db: UnitOfWork, session_id: str, save_id: str, digest: str, saved_at: datetime
) -> bool:
    """Insert the receipt; False when this saveId already has one in the session."""
    dialect_insert = postgresql.insert if db.dialect == "postgresql" else sqlite.insert
    statement = (
        dialect_insert(saves)
        .values(
            session_id=session_id,
            save_id=save_id,
            payload_hash=digest,
            revision=0,  # set once the save is applied
            saved_at=saved_at,
            touched={},
        )
        .on_conflict_do_nothing(index_elements=[saves.c.session_id, saves.c.save_id])
        .returning(saves.c.save_id)
    )
    return (await db.execute(statement)).first() is not None


async def _release(db: UnitOfWork, session_id: str, save_id: str) -> None:
    await db.execute(
        delete(saves).where(saves.c.session_id == session_id, saves.c.save_id == save_id)
    )


async def _replay(db: UnitOfWork, session_id: str, save_id: str, digest: str) -> SaveResult:
    """A saveId seen before: the same payload is REPLAYED, another is refused."""
    receipt = (
        await db.execute(
            select(saves).where(saves.c.session_id == session_id, saves.c.save_id == save_id)
        )
    ).one()
    if receipt.payload_hash != digest:
        raise BadUserInput(
            f"saveId {save_id} was already used for a different payload", field="saveId"
        )
    touched = receipt.touched or {}
    node_rows = await _current_nodes(db, session_id, touched.get("nodes", []))
    ids = [int(raw) for raw in touched.get("relationships", [])]
    found = await relationship_service.find_by_ids(db=db, session_id=session_id, ids=ids)
    return SaveResult(
        save_id=save_id,
        status="REPLAYED",
        revision=receipt.revision,
        saved_at=receipt.saved_at,
        nodes=node_rows,
        relationships=[found[rel_id] for rel_id in ids if rel_id in found],
    )


# ---------------------------------------------------------------- reading the state


async def _load(db: UnitOfWork, session_id: str, spec: AutoSaveSpec) -> State:
    """Everything the delta mentions, in one statement per kind (per 10,000 keys)."""
    mentioned = [change.node_id for change in spec.nodes] + list(spec.delete_node_ids)
    for rel in spec.relationships:
        mentioned += (rel.source_id, rel.target_id)
    keys = [(session_id, node_id) for node_id in dict.fromkeys(mentioned)]
    found_nodes = {row.node_id: row for row in await reads.nodes_by_keys(db=db, keys=keys) if row}
    with_components = [
        (session_id, c.node_id)
        for c in spec.nodes
        if c.components is not None and c.node_id in found_nodes
    ]
    sequences = await reads.components_by_nodes(db=db, keys=with_components)
    raw_ids = [rel.id for rel in spec.relationships if rel.id is not None]
    raw_ids += spec.delete_relationship_ids
    numeric = [
        value
        for value in dict.fromkeys(map(relationship_service.parse_relationship_id, raw_ids))
        if value is not None
    ]
    rel_keys = [rel.key for rel in spec.relationships]
    state = State(
        nodes=found_nodes,
        components={key[1]: rows for key, rows in zip(with_components, sequences, strict=True)},
        relationships_by_id=await relationship_service.find_by_ids(
            db=db, session_id=session_id, ids=numeric
        )
        if numeric
        else {},
        relationships_by_key=await relationship_service.find_by_keys(
            db=db, session_id=session_id, keys=rel_keys
        )
        if rel_keys
        else {},
    )
    state.deleted_relationship_ids = await _deleted_relationships(db, session_id, spec, state)
    return state


async def _deleted_relationships(
    db: UnitOfWork, session_id: str, spec: AutoSaveSpec, state: State
) -> set[str]:
    """Of the missing ids sent with an expectedVersion, those the change log shows deleted."""
    if spec.on_conflict != "REJECT":
        return set()
    missing = [
        rel.id
        for rel in spec.relationships
        if rel.id is not None
        and rel.expected_version is not None
        and relationship_service.parse_relationship_id(rel.id) not in state.relationships_by_id
    ]
    if not missing:
        return set()
    rows = await db.execute(
        select(changes.c.key).where(
            changes.c.session_id == session_id,
            changes.c.kind == "RELATIONSHIP",
            changes.c.op == "DELETE",
            changes.c.key.in_(missing),
        )
    )
    return set(rows.scalars())


async def _current_nodes(db: UnitOfWork, session_id: str, node_ids: list[str]) -> list[Row[Any]]:
    if not node_ids:
        return []
    rows = await reads.nodes_by_keys(db=db, keys=[(session_id, node_id) for node_id in node_ids])
    return [row for row in rows if row is not None]


# ---------------------------------------------------------------- writing


async def _apply(
    db: UnitOfWork, session_id: str, spec: AutoSaveSpec, plan: Plan, state: State
) -> list[Row[Any]]:
    """Write the plan; returns the current rows of the delta's relationships, in input order."""
    save_id = spec.save_id
    if plan.node_creates:
        await node_service.create_nodes(
            db=db,
            session_id=session_id,
            specs=[
                NodeSpec(
                    node_id=c.node_id,
                    label=c.label if c.label is not None else c.node_id,
                    type=c.type if c.type is not None else "concept",
                    metadata=c.metadata,
                    components=c.components,
                )
                for c in plan.node_creates
            ],
            save_id=save_id,
        )
    if plan.node_updates:
        await _update_nodes(db, session_id, plan.node_updates, save_id)
    if plan.node_deletes:
        await node_service.delete_nodes(
            db=db,
            session_id=session_id,
            node_ids=plan.node_deletes,
            missing_ok=True,
            save_id=save_id,
        )
    if plan.relationship_deletes:
        await relationship_service.delete_relationships(
            db=db,
            session_id=session_id,
            relationship_ids=plan.relationship_deletes,
            missing_ok=True,
            save_id=save_id,
        )
    return await _apply_relationships(db, session_id, spec, plan, state)


async def _update_nodes(
    db: UnitOfWork, session_id: str, updates: list[NodeUpdate], save_id: str
) -> None:
    """Bump every changed node in one executemany, and replace sequences in two statements."""
    now = clock.now()
    await db.execute(
        update(nodes)
        .where(nodes.c.session_id == bindparam("b_session"), nodes.c.node_id == bindparam("b_node"))
        .values(
            label=bindparam("b_label"),
            type=bindparam("b_type"),
            metadata=bindparam("b_metadata", type_=nodes.c.metadata.type),
            version=nodes.c.version + 1,
            updated_at=bindparam("b_updated_at", type_=nodes.c.updated_at.type),
        ),
        [
            {
                "b_session": session_id,
                "b_node": u.row.node_id,
                "b_label": u.values.get("label", u.row.label),
                "b_type": u.values.get("type", u.row.type),
                "b_metadata": u.values.get("metadata", u.row.metadata),
                "b_updated_at": now,
            }
            for u in updates
        ],
    )
    replaced = [u for u in updates if u.components is not None]
    for start in range(0, len(replaced), _CHUNK):
        chunk = [u.row.node_id for u in replaced[start : start + _CHUNK]]
        await db.execute(
            delete(components).where(
                components.c.session_id == session_id, components.c.node_id.in_(chunk)
            )
        )
    rows = [row for u in replaced for row in u.components or []]
    if rows:
        await db.execute(insert(components), rows)
    for u in updates:
        await change_service.record(
            db=db,
            session_id=session_id,
            kind="NODE",
            op="UPDATE",
            key=u.row.node_id,
            save_id=save_id,
        )


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
        changes_ = [spec.relationships[index] for index in plan.relationship_creates]
        created = await relationship_service.create_relationships(
            db=db,
            session_id=session_id,
            specs=[
                RelationshipSpec(
                    source_id=c.source_id,
                    target_id=c.target_id,
                    type=c.type,
                    weight=c.weight,
                    properties=c.properties,
                )
                for c in changes_
            ],
            save_id=spec.save_id,
        )
        by_index.update(zip(plan.relationship_creates, created, strict=True))
    result: list[Row[Any]] = []
    for index, change in enumerate(spec.relationships):
        row = by_index.get(index)
        if row is None:  # unchanged: as it was read under the lock
            numeric = relationship_service.parse_relationship_id(change.id or "")
            row = (
                state.relationships_by_id.get(numeric)
                if numeric is not None
                else state.relationships_by_key.get(change.key)
            )
        if row is not None:
            result.append(row)
    return result
