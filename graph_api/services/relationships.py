"""Typed relationships between two nodes of one session; (source, target, type) is unique."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, delete, insert, select, update

from graph_api.config import Limits
from graph_api.db.keysets import IN_CHUNK, chunked, tuples_in
from graph_api.db.models import relationships
from graph_api.db.transaction import UnitOfWork
from graph_api.errors import Duplicate, NodeNotFound, RelationshipNotFound, VersionConflict
from graph_api.services import access, clock
from graph_api.services import nodes as node_service
from graph_api.services.changes import log as change_service
from graph_api.services.specs import (
    STRICT,
    DeleteCounts,
    Deletion,
    DuplicatePolicy,
    RelationshipPatch,
    RelationshipSpec,
)
from graph_api.services.validation import (
    changed_values,
    check_json_object,
    check_list_length,
    check_type,
    check_weight,
    is_node_id,
    is_storable,
)

_MAX_ID = 2**63 - 1
Key = tuple[str, str, str]


def parse_relationship_id(raw: str) -> int | None:
    """Relationship ids are opaque decimal strings, matched exactly."""
    if not isinstance(raw, str) or not raw.isdigit() or str(int(raw)) != raw:
        return None
    value = int(raw)
    return value if 0 < value <= _MAX_ID else None


def relationship_key_text(source_id: str, target_id: str, type_: str) -> str:
    return f"{source_id}-[{type_}]->{target_id}"


_KEY_COLUMNS = (relationships.c.source_id, relationships.c.target_id, relationships.c.type)


async def find_by_keys(
    *, db: UnitOfWork, session_id: str, keys: Sequence[Key]
) -> dict[Key, Row[Any]]:
    found: dict[Key, Row[Any]] = {}
    # A key no relationship can have is not sent to the database (which may reject it).
    unique = [
        key
        for key in dict.fromkeys(keys)
        if is_node_id(key[0]) and is_node_id(key[1]) and is_storable(key[2])
    ]
    for chunk in chunked(unique, IN_CHUNK // 2):  # three variables a key
        rows = await db.execute(
            select(relationships).where(
                relationships.c.session_id == session_id,
                tuples_in(db.dialect, _KEY_COLUMNS, chunk),
            )
        )
        for row in rows:
            found[(row.source_id, row.target_id, row.type)] = row
    return found


async def find_by_ids(
    *, db: UnitOfWork, session_id: str, ids: Sequence[int]
) -> dict[int, Row[Any]]:
    found: dict[int, Row[Any]] = {}
    for chunk in chunked(ids):
        for row in await db.execute(
            select(relationships).where(
                relationships.c.session_id == session_id, relationships.c.id.in_(chunk)
            )
        ):
            found[row.id] = row
    return found


def _spec_values(spec: RelationshipSpec, limits: Limits) -> dict[str, Any]:
    return {
        "source_id": spec.source_id,
        "target_id": spec.target_id,
        "type": check_type(spec.type, limits),
        "weight": check_weight(spec.weight),
        "properties": check_json_object(spec.properties, limits, field="properties"),
    }


async def check_endpoints(
    *,
    db: UnitOfWork,
    session_id: str,
    specs: Sequence[RelationshipSpec],
    also: set[str] | None = None,
) -> None:
    """Both endpoints of every relationship exist in the session (or in `also`)."""
    wanted = {spec.source_id for spec in specs} | {spec.target_id for spec in specs}
    found = await node_service.existing_node_ids(db=db, session_id=session_id, node_ids=wanted)
    found |= also or set()
    for spec in specs:
        for value, field in ((spec.source_id, "sourceId"), (spec.target_id, "targetId")):
            if value not in found:
                raise NodeNotFound(value, field=field)


async def create_relationships(
    *,
    db: UnitOfWork,
    session_id: str,
    specs: Sequence[RelationshipSpec],
    on_duplicate: DuplicatePolicy = "ERROR",
    save_id: str | None = None,
) -> list[Row[Any]]:
    """Create relationships; an existing (source, target, type) follows `on_duplicate`."""
    check_list_length(specs, db.limits, field="inputs")
    session_id = await access.require_session(db=db, session_id=session_id)
    values = [_spec_values(spec, db.limits) for spec in specs]
    await check_endpoints(db=db, session_id=session_id, specs=specs)
    keys: list[Key] = [(v["source_id"], v["target_id"], v["type"]) for v in values]
    existing = await find_by_keys(db=db, session_id=session_id, keys=keys)
    latest: dict[Key, dict[str, Any]] = {}
    for key, value in zip(keys, values, strict=True):
        if key in latest or key in existing:
            if on_duplicate == "ERROR":
                raise Duplicate(
                    f"Relationship {relationship_key_text(*key)} already exists", field="type"
                )
            if on_duplicate == "SKIP":
                continue
        latest[key] = value  # UPDATE: the last input for a key wins
    now = clock.now()
    new_rows = [
        {"session_id": session_id, **value, "version": 1, "created_at": now, "updated_at": now}
        for key, value in latest.items()
        if key not in existing
    ]
    result: dict[Key, Row[Any]] = dict(existing)
    if new_rows:
        created = (
            await db.execute(
                insert(relationships).returning(*relationships.c, sort_by_parameter_order=True),
                new_rows,
            )
        ).all()
        for row in created:
            result[(row.source_id, row.target_id, row.type)] = row
            await change_service.record(
                db, session_id, "RELATIONSHIP", "CREATE", str(row.id), save_id=save_id
            )
    if on_duplicate == "UPDATE":
        for key, row in existing.items():
            wanted = latest.get(key)
            if wanted is None:
                continue
            changed = changed_values(row, {name: wanted[name] for name in ("weight", "properties")})
            if changed:
                result[key] = await _bump(
                    db=db, session_id=session_id, row=row, values=changed, save_id=save_id
                )
    return [result[key] for key in keys]


async def _bump(
    *,
    db: UnitOfWork,
    session_id: str,
    row: Row[Any],
    values: dict[str, Any],
    save_id: str | None = None,
) -> Row[Any]:
    updated = (
        await db.execute(
            update(relationships)
            .where(relationships.c.id == row.id)
            .values(**values, version=relationships.c.version + 1, updated_at=clock.now())
            .returning(*relationships.c)
        )
    ).one()
    await change_service.record(
        db,
        session_id,
        "RELATIONSHIP",
        "UPDATE",
        str(row.id),
        save_id=save_id,
        fields=values,
        version=updated.version,
    )
    return updated


async def get_relationship_for_change(
    *, db: UnitOfWork, session_id: str, relationship_id: str, expected_version: int | None
) -> Row[Any]:
    numeric = parse_relationship_id(relationship_id)
    row = None
    if numeric is not None:
        row = (await find_by_ids(db=db, session_id=session_id, ids=[numeric])).get(numeric)
    if row is None:
        raise RelationshipNotFound(relationship_id)
    if expected_version is not None and expected_version != row.version:
        raise VersionConflict(
            f"Relationship {relationship_id}", expected=expected_version, current=row.version
        )
    return row


def patch_values(patch: RelationshipPatch, limits: Limits) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if patch.type is not None:
        values["type"] = check_type(patch.type, limits)
    if patch.weight is not None or patch.clear_weight:
        values["weight"] = check_weight(patch.weight)
    if patch.properties is not None:
        values["properties"] = check_json_object(patch.properties, limits, field="properties")
    return values


async def update_relationship(
    db: UnitOfWork,
    session_id: str,
    relationship_id: str,
    patch: RelationshipPatch,
    *,
    expected_version: int | None = None,
    save_id: str | None = None,
) -> Row[Any]:
    """Patch type, weight or properties; a new type must not collide with an existing one."""
    session_id = await access.start_change(db, session_id, expected_version)
    values = patch_values(patch, db.limits)
    row = await get_relationship_for_change(
        db=db,
        session_id=session_id,
        relationship_id=relationship_id,
        expected_version=expected_version,
    )
    changed = changed_values(row, values)
    if not changed:
        return row
    if "type" in changed:
        key = (row.source_id, row.target_id, changed["type"])
        if await find_by_keys(db=db, session_id=session_id, keys=[key]):
            raise Duplicate(
                f"Relationship {relationship_key_text(*key)} already exists", field="type"
            )
    return await _bump(db=db, session_id=session_id, row=row, values=changed, save_id=save_id)


async def delete_relationships(
    db: UnitOfWork, session_id: str, relationship_ids: Sequence[str], how: Deletion = STRICT
) -> DeleteCounts:
    """Delete relationships by id; all must exist unless `how` allows."""
    session_id, wanted = await node_service.start_delete(
        db, session_id, relationship_ids, field="ids"
    )
    numeric = {raw: parse_relationship_id(raw) for raw in wanted}
    found = await find_by_ids(
        db=db, session_id=session_id, ids=[n for n in numeric.values() if n is not None]
    )
    targets: list[int] = []
    for raw, value in numeric.items():
        if value is None or value not in found:
            if not how.missing_ok:
                raise RelationshipNotFound(raw)
            continue
        targets.append(value)
    for rel_id in targets:
        await change_service.record(
            db, session_id, "RELATIONSHIP", "DELETE", str(rel_id), save_id=how.save_id
        )
    for chunk in chunked(targets):
        await db.execute(delete(relationships).where(relationships.c.id.in_(chunk)))
    revision = change_service.revision_now(db=db, session_id=session_id)
    if revision is None:
        revision = await node_service.current_revision(db=db, session_id=session_id)
    return DeleteCounts(relationships=len(targets), revision=revision)
