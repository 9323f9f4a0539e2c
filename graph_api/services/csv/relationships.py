"""A batch of checked relationship rows against the file and the session (CONTRACT.md §6).

Finds duplicate keys in the file, endpoints that exist nowhere (or makes them,
with createMissingNodes), clashes in mode CREATE and what UPSERT changes;
counts exactly and, while the import is still writing, writes the batch and
records its changes in file order (made endpoints first).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, select

from graph_api.db.bulk import insert_rows
from graph_api.db.models import nodes, relationships
from graph_api.services import relationships as relationship_service
from graph_api.services.changes import bulk_log
from graph_api.services.csv import write as csv_write
from graph_api.services.csv.headers import Header
from graph_api.services.csv.mode import ImportMode
from graph_api.services.csv.rows import EMPTY_JSON, RelationshipRow
from graph_api.services.csv.state import Change, ImportState, Key
from graph_api.services.csv.write import NODE_COLUMNS, RELATIONSHIP_COLUMNS
from graph_api.services.validation import json_equal


async def apply_relationships(
    state: ImportState, header: Header, rows: list[RelationshipRow]
) -> None:
    """Check a batch of relationship rows; write it (and missing endpoints) if still clean."""
    keys: dict[Key, int] = {}
    unique = await _unique(state, rows, keys)
    missing: list[str] = []
    checked = [row for row in unique if _endpoints_ok(state, header, row, missing)]
    found = await _existing(state, checked)
    # An UPSERT rewrites them in place, so the database cannot tell they were in the file.
    state.relationship_lines.update((key, keys[key]) for key in found)
    updates = _changes_to_existing(state, header, checked, found) if found else {}
    fresh = [row for row in checked if _key(row) not in found] if found else checked
    state.counts.nodes_created += len(missing)
    state.counts.relationships_created += len(fresh)
    state.counts.relationships_updated += len(updates)
    if state.writing:
        await _write_relationships(state, missing, fresh, updates)
        await _record_relationships(state, missing, checked, found, updates, fresh)
    else:
        state.relationship_lines.update(keys)  # not written: only memory knows them


async def _unique(
    state: ImportState, rows: list[RelationshipRow], keys: dict[Key, int]
) -> list[RelationshipRow]:
    """The rows whose key is new to the file (problems for the others); `keys`: key -> line."""
    kept: list[RelationshipRow] = []
    again: list[RelationshipRow] = []
    maybe: list[Key] = []
    for row in rows:
        key = _key(row)
        if key in keys or key in state.relationship_lines:
            again.append(row)
            continue
        keys[key] = row.line
        kept.append(row)
        if state.seen_keys.add(key):
            maybe.append(key)
    firsts = await _written_lines(state, maybe) if maybe and state.written_lines else {}
    for row in again:
        key = _key(row)
        firsts.setdefault(key, state.relationship_lines.get(key) or keys[key])
    if not firsts:
        return kept
    for row in sorted((row for row in [*kept, *again] if _key(row) in firsts),
                      key=lambda row: row.line):  # fmt: skip
        first = firsts[_key(row)]
        if first != row.line:
            state.problems.add(
                "relationships", row.line, None,
                f"relationship {_text(row)} appears twice in the file (first on line {first})",
            )  # fmt: skip
    return [row for row in kept if firsts.get(_key(row), row.line) == row.line]


async def _written_lines(state: ImportState, keys: list[Key]) -> dict[Key, int]:
    """Keys of rows this import wrote already -> the line of that row."""
    found = await relationship_service.find_by_keys(
        db=state.db, session_id=state.session_id, keys=keys
    )
    lines = {key: state.written_lines.line(row.id) for key, row in found.items()}
    return {key: line for key, line in lines.items() if line is not None}


async def _existing(state: ImportState, rows: list[RelationshipRow]) -> dict[Key, Row[Any]]:
    """The session's relationships with the keys of these rows."""
    if not state.session_has_relationships:
        return {}
    # Only a relationship between two nodes of the session can exist already.
    existing = state.existing
    keys = [_key(row) for row in rows if row.source in existing and row.target in existing]
    if not keys:
        return {}
    return await relationship_service.find_by_keys(
        db=state.db, session_id=state.session_id, keys=keys
    )


def _changes_to_existing(
    state: ImportState, header: Header, rows: list[RelationshipRow], found: dict[Key, Row[Any]]
) -> dict[Key, dict[str, Any]]:
    """CREATE: a problem per clash. UPSERT: the updates (identical rows left out)."""
    updates: dict[Key, dict[str, Any]] = {}
    for row in rows:
        old = found.get(_key(row))
        if old is None:
            continue
        if state.mode == ImportMode.CREATE:
            state.problems.add(
                "relationships", row.line, None,
                f"relationship {_text(row)} already exists in the session (mode CREATE)",
            )  # fmt: skip
            continue
        update = _relationship_update(state, header, row, old)
        if update is not None:
            updates[_key(row)] = update
    return updates


def _key(row: RelationshipRow) -> Key:
    return (row.source, row.target, row.type)


def _text(row: RelationshipRow) -> str:
    return relationship_service.relationship_key_text(row.source, row.target, row.type)


def _endpoints_ok(
    state: ImportState, header: Header, row: RelationshipRow, missing: list[str]
) -> bool:
    """Endpoints known (or to be made); else problems."""
    in_file = state.file_nodes
    if not state.nodes_usable or (row.source in in_file and row.target in in_file):
        return True  # (an unusable nodes file is rejected already: its ids are unknown)
    ok = True
    for node_id, name in ((row.source, "source"), (row.target, "target")):
        if node_id in in_file or node_id in state.existing or node_id in state.added:
            continue
        rejected = state.rejected.get(node_id)
        if rejected is not None:
            state.problems.add(
                "relationships", row.line, header.column(name),
                f"node {node_id!r} was rejected on line {rejected} of the nodes file",
            )  # fmt: skip
            ok = False
            continue
        if state.create_missing_nodes:
            state.added.add(node_id)
            missing.append(node_id)
            continue
        state.problems.add(
            "relationships", row.line, header.column(name),
            f"node {node_id!r} exists neither in the session nor in the nodes file",
        )  # fmt: skip
        ok = False
    return ok


def _relationship_update(
    state: ImportState, header: Header, row: RelationshipRow, old: Row[Any]
) -> dict[str, Any] | None:
    """UPSERT: the new values of an existing relationship, or None when nothing changes."""
    weight = row.weight if "weight" in header.known else old.weight
    properties = old.properties if row.properties is None else row.properties
    if weight == old.weight and json_equal(properties, old.properties):
        return None
    return {
        "_id": old.id, "_weight": weight, "_properties": properties,
        "_version": old.version + 1, "_updated_at": state.now,
    }  # fmt: skip


async def _write_relationships(
    state: ImportState,
    missing: list[str],
    fresh: list[RelationshipRow],
    updates: dict[Key, dict[str, Any]],
) -> None:
    db, session_id, stamp = state.db, state.session_id, state.stamp
    missing_rows = [
        (session_id, node_id, node_id, "concept", EMPTY_JSON, state.version(node_id), stamp, stamp)
        for node_id in missing
    ]
    await insert_rows(db=db, target=nodes, columns=NODE_COLUMNS, rows=missing_rows)
    rel_rows = [
        (session_id, row.source, row.target, row.type, row.weight, row.properties_text, 1,
         stamp, stamp)
        for row in fresh
    ]  # fmt: skip
    await insert_rows(db=db, target=relationships, columns=RELATIONSHIP_COLUMNS, rows=rel_rows)
    await csv_write.update_relationships(db=db, values=list(updates.values()))


async def _record_relationships(
    state: ImportState,
    missing: list[str],
    checked: list[RelationshipRow],
    found: dict[Key, Row[Any]],
    updates: dict[Key, dict[str, Any]],
    fresh: list[RelationshipRow],
) -> None:
    """Changes in file order: made endpoints first, then each relationship created or updated."""
    changes: list[Change] = [state.node_change(node_id) for node_id in missing]
    new_ids = await _new_relationship_ids(state)
    state.written_lines.extend(new_ids, [row.line for row in fresh])
    if not found:
        changes += [("RELATIONSHIP", "CREATE", str(rel_id), None, None) for rel_id in new_ids]
        await bulk_log.record_many(db=state.db, session_id=state.session_id, changes=changes)
        return
    created = iter(new_ids)
    for row in checked:
        key = _key(row)
        update = updates.get(key)
        if update is not None:
            fields = _changed_fields(found[key], update)
            changes.append(
                ("RELATIONSHIP", "UPDATE", str(update["_id"]), fields, update["_version"])
            )
        elif key not in found:
            changes.append(("RELATIONSHIP", "CREATE", str(next(created)), None, None))
    await bulk_log.record_many(db=state.db, session_id=state.session_id, changes=changes)


def _changed_fields(old: Row[Any], update: dict[str, Any]) -> frozenset[str]:
    """What an UPSERT row changes of a relationship (its type is its key: never)."""
    return frozenset(
        name
        for name, changed in (
            ("weight", update["_weight"] != old.weight),
            ("properties", not json_equal(update["_properties"], old.properties)),
        )
        if changed
    )


async def _new_relationship_ids(state: ImportState) -> list[int]:
    """Ids of the relationships just inserted, in insertion order (= file order)."""
    ids = list(
        (
            await state.db.execute(
                select(relationships.c.id)
                .where(
                    relationships.c.session_id == state.session_id,
                    relationships.c.id > state.last_relationship_id,
                )
                .order_by(relationships.c.id)
            )
        ).scalars()
    )
    if ids:
        state.last_relationship_id = ids[-1]
    return ids
