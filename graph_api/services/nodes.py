"""Nodes: creation (with components and assigned ids), patches, version checks, deletes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Row, delete, func, insert, select, update

from graph_api.db.keysets import chunked
from graph_api.db.models import components, nodes, relationships, sessions
from graph_api.db.transaction import UnitOfWork
from graph_api.errors import Duplicate, NodeNotFound, VersionConflict
from graph_api.services import access, clock
from graph_api.services.changes import log as change_service
from graph_api.services.node_rows import (
    component_rows,
    format_node_id,
    next_node_numbers,
    node_row,
    patch_values,
)
from graph_api.services.specs import STRICT, DeleteCounts, Deletion, NodePatch, NodeSpec
from graph_api.services.validation import (
    changed_values,
    check_list_length,
    check_node_id,
    is_node_id,
)


async def existing_node_ids(
    *, db: UnitOfWork, session_id: str, node_ids: Iterable[str]
) -> set[str]:
    # An id off the nodeId pattern names no node (and may not even be sendable to the
    # database: PostgreSQL rejects U+0000), so it is not looked up.
    wanted = [node_id for node_id in dict.fromkeys(node_ids) if is_node_id(node_id)]
    found: set[str] = set()
    for chunk in chunked(wanted):
        found.update(
            (
                await db.execute(
                    select(nodes.c.node_id).where(
                        nodes.c.session_id == session_id, nodes.c.node_id.in_(chunk)
                    )
                )
            ).scalars()
        )
    return found


async def create_nodes(
    *, db: UnitOfWork, session_id: str, specs: Sequence[NodeSpec], save_id: str | None = None
) -> list[Row[Any]]:
    """Create nodes with their components; ids are assigned where omitted."""
    limits = db.limits
    check_list_length(specs, limits, field="inputs")
    session_id = await access.require_session(db=db, session_id=session_id)
    given = [spec.node_id for spec in specs if spec.node_id is not None]
    for index, spec in enumerate(specs):
        if spec.node_id is not None:
            check_node_id(
                spec.node_id, field=f"inputs[{index}].nodeId" if len(specs) > 1 else "nodeId"
            )
    seen: set[str] = set()
    for given_id in given:
        if given_id in seen:
            raise Duplicate(f"nodeId {given_id} appears twice in the request", field="nodeId")
        seen.add(given_id)
    clash = await existing_node_ids(db=db, session_id=session_id, node_ids=given)
    if clash:
        first = next(node_id for node_id in given if node_id in clash)
        raise Duplicate(f"Node {first} already exists", field="nodeId")
    next_number = (
        await next_node_numbers(db=db, session_id=session_id, taken=given)
        if len(given) < len(specs)
        else 0
    )
    now = clock.now()
    node_rows: list[dict[str, Any]] = []
    comp_rows: list[dict[str, Any]] = []
    for index, spec in enumerate(specs):
        field = f"inputs[{index}]" if len(specs) > 1 else "input"
        node_id = spec.node_id
        if node_id is None:
            node_id = format_node_id(next_number)
            next_number += 1
        node_rows.append(node_row(session_id, node_id, spec, limits, now=now))
        comp_rows += component_rows(
            session_id, node_id, spec.components or [], limits, field=f"{field}.components"
        )
    if not node_rows:
        return []
    created = (
        await db.execute(insert(nodes).returning(*nodes.c, sort_by_parameter_order=True), node_rows)
    ).all()
    if comp_rows:
        await db.execute(insert(components), comp_rows)
    for row in node_rows:
        await change_service.record(
            db, session_id, "NODE", "CREATE", row["node_id"], save_id=save_id
        )
    return list(created)


async def get_node_for_change(
    *, db: UnitOfWork, session_id: str, node_id: str, expected_version: int | None
) -> Row[Any]:
    """The node about to change, after the expectedVersion check (which comes first)."""
    row = None
    if is_node_id(node_id):  # any other id names no node
        row = (
            await db.execute(
                select(nodes).where(nodes.c.session_id == session_id, nodes.c.node_id == node_id)
            )
        ).first()
    if row is None:
        raise NodeNotFound(node_id)
    if expected_version is not None and expected_version != row.version:
        raise VersionConflict(f"Node {node_id}", expected=expected_version, current=row.version)
    return row


async def bump_node(
    *,
    db: UnitOfWork,
    session_id: str,
    node_id: str,
    values: dict[str, Any] | None = None,
    components_changed: bool = False,
    save_id: str | None = None,
) -> Row[Any]:
    """version + 1, updatedAt now, optional new values; records UPDATE NODE with its fields."""
    row = (
        await db.execute(
            update(nodes)
            .where(nodes.c.session_id == session_id, nodes.c.node_id == node_id)
            .values(**(values or {}), version=nodes.c.version + 1, updated_at=clock.now())
            .returning(*nodes.c)
        )
    ).one()
    fields = [*(values or {}), *(["components"] if components_changed else [])]
    await change_service.record(
        db,
        session_id,
        "NODE",
        "UPDATE",
        node_id,
        save_id=save_id,
        fields=fields,
        version=row.version,
    )
    return row


async def update_node(
    db: UnitOfWork,
    session_id: str,
    node_id: str,
    patch: NodePatch,
    *,
    expected_version: int | None = None,
) -> Row[Any]:
    """Apply a patch; a patch that changes nothing bumps nothing."""
    session_id = await access.start_change(db, session_id, expected_version)
    values = patch_values(patch, db.limits)
    row = await get_node_for_change(
        db=db, session_id=session_id, node_id=node_id, expected_version=expected_version
    )
    changed = changed_values(row, values)
    if not changed:
        return row
    return await bump_node(db=db, session_id=session_id, node_id=node_id, values=changed)


async def start_delete(
    db: UnitOfWork, session_id: str, ids: Sequence[str], *, field: str
) -> tuple[str, list[str]]:
    """The canonical session id and the distinct ids (in order) of a delete of `ids`."""
    session_id = await access.require_session(db=db, session_id=session_id)
    check_list_length(ids, db.limits, field=field)
    return session_id, list(dict.fromkeys(ids))


async def delete_nodes(
    db: UnitOfWork, session_id: str, node_ids: Sequence[str], how: Deletion = STRICT
) -> DeleteCounts:
    """Delete nodes with their components and relationships; all must exist unless `how` allows."""
    session_id, wanted = await start_delete(db, session_id, node_ids, field="nodeIds")
    found = await existing_node_ids(db=db, session_id=session_id, node_ids=wanted)
    missing = [node_id for node_id in wanted if node_id not in found]
    if missing and not how.missing_ok:
        raise NodeNotFound(missing[0], field="nodeIds" if len(wanted) > 1 else "nodeId")
    targets = [node_id for node_id in wanted if node_id in found]
    counts = DeleteCounts()
    if not targets:
        counts.revision = await current_revision(db=db, session_id=session_id)
        return counts
    touching = await relationships_touching(db=db, session_id=session_id, node_ids=targets)
    counts.components = await count_components(db=db, session_id=session_id, node_ids=targets)
    counts.relationships = len(touching)
    counts.nodes = len(targets)
    recorded: set[int] = set()
    by_node: dict[str, list[int]] = {}
    for rel in touching:
        by_node.setdefault(rel.source_id, []).append(rel.id)
        by_node.setdefault(rel.target_id, []).append(rel.id)
    for node_id in targets:
        for rel_id in by_node.get(node_id, []):
            if rel_id not in recorded:
                recorded.add(rel_id)
                await change_service.record(
                    db, session_id, "RELATIONSHIP", "DELETE", str(rel_id), save_id=how.save_id
                )
        await change_service.record(db, session_id, "NODE", "DELETE", node_id, save_id=how.save_id)
    for chunk in chunked(targets):
        await db.execute(
            delete(nodes).where(nodes.c.session_id == session_id, nodes.c.node_id.in_(chunk))
        )
    counts.revision = change_service.revision_now(db=db, session_id=session_id)
    return counts


async def relationships_touching(
    *, db: UnitOfWork, session_id: str, node_ids: Sequence[str]
) -> list[Row[Any]]:
    rows: dict[int, Row[Any]] = {}
    for chunk in chunked(node_ids):
        for column in (relationships.c.source_id, relationships.c.target_id):
            for row in await db.execute(
                select(
                    relationships.c.id, relationships.c.source_id, relationships.c.target_id
                ).where(relationships.c.session_id == session_id, column.in_(chunk))
            ):
                rows[row.id] = row
    return [rows[key] for key in sorted(rows)]


async def count_components(*, db: UnitOfWork, session_id: str, node_ids: Sequence[str]) -> int:
    total = 0
    for chunk in chunked(node_ids):
        total += (
            await db.execute(
                select(func.count()).where(
                    components.c.session_id == session_id, components.c.node_id.in_(chunk)
                )
            )
        ).scalar_one()
    return total


async def current_revision(*, db: UnitOfWork, session_id: str) -> int:
    return int(
        (
            await db.execute(select(sessions.c.revision).where(sessions.c.id == session_id))
        ).scalar_one()
    )
