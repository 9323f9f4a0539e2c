"""One batch of checked CSV rows against the rest of the file and the session (CONTRACT.md §6).

`ImportState` is what an import remembers between batches: node ids (of the
session and of the file), relationship keys of the file, counts and problems.
`apply_nodes()` / `apply_relationships()` find what needs other rows or the
database (duplicates, clashes in mode CREATE, missing endpoints, what UPSERT
changes), count it exactly, and write it while `state.writing` holds (not a dry
run, no problem yet). Changes are recorded in file order, one per entity.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Row, select

from graph_api.db.models import components, nodes, relationships
from graph_api.db.transaction import UnitOfWork
from graph_api.services import changes as change_service
from graph_api.services import csv_write
from graph_api.services import relationships as relationship_service
from graph_api.services.bulk import insert_rows
from graph_api.services.csv_headers import Header, Problems
from graph_api.services.csv_rows import EMPTY_JSON, ComponentRow, NodeRow, RelationshipRow
from graph_api.services.csv_write import COMPONENT_COLUMNS, NODE_COLUMNS, RELATIONSHIP_COLUMNS
from graph_api.services.validation import json_equal

Mode = Literal["CREATE", "UPSERT", "REPLACE"]
Key = tuple[str, str, str]
Change = tuple[Literal["NODE", "RELATIONSHIP"], Literal["CREATE", "UPDATE", "DELETE"], str]
_CHUNK = 5_000


@dataclass
class Counts:
    rows_read: int = 0
    nodes_created: int = 0
    nodes_updated: int = 0
    components_created: int = 0
    relationships_created: int = 0
    relationships_updated: int = 0


@dataclass
class ImportState:
    db: UnitOfWork
    session_id: str
    mode: Mode
    dry_run: bool
    create_missing_nodes: bool
    now: datetime
    stamp: Any  # `now` as insert_rows() stores it
    problems: Problems = field(default_factory=Problems)
    counts: Counts = field(default_factory=Counts)
    existing: set[str] = field(default_factory=set)  # the session's node ids (none in REPLACE)
    replaced: dict[str, int] = field(default_factory=dict)  # REPLACE: deleted id -> its version
    file_nodes: dict[str, int] = field(default_factory=dict)  # node id -> line in the file
    added: set[str] = field(default_factory=set)  # nodes made for missing endpoints
    relationship_lines: dict[Key, int] = field(default_factory=dict)
    nodes_usable: bool = True  # False: the nodes file's header is unusable
    session_has_relationships: bool = False
    last_relationship_id: int = 0

    @property
    def writing(self) -> bool:
        return not self.dry_run and not self.problems

    def version(self, node_id: str) -> int:
        """A new node's version: 1, or one past the node REPLACE deleted under that id."""
        return self.replaced.get(node_id, 0) + 1

    def node_op(self, node_id: str) -> Literal["CREATE", "UPDATE"]:
        # Deleted and created again in one request: the node lives on, so its net change is UPDATE.
        return "UPDATE" if node_id in self.replaced else "CREATE"


# ---------------------------------------------------------------- nodes


async def apply_nodes(state: ImportState, header: Header, rows: list[NodeRow]) -> None:
    """Check a batch of node rows against the file and the session; write it if still clean."""
    id_column = header.column("node_id")
    fresh: list[NodeRow] = []
    matches: list[NodeRow] = []
    for row in rows:
        first = state.file_nodes.get(row.node_id)
        if first is not None:
            state.problems.add(
                "nodes", row.line, id_column,
                f"node id {row.node_id!r} appears twice in the file (first on line {first})",
            )  # fmt: skip
            continue
        state.file_nodes[row.node_id] = row.line
        if row.node_id not in state.existing:
            fresh.append(row)
        elif state.mode == "CREATE":
            state.problems.add(
                "nodes", row.line, id_column,
                f"node {row.node_id!r} already exists in the session (mode CREATE)",
            )  # fmt: skip
        else:
            matches.append(row)
    updates = await _node_updates(state, matches) if matches else {}
    counts = state.counts
    counts.nodes_created += len(fresh)
    counts.nodes_updated += len(updates)
    counts.components_created += sum(len(row.components or ()) for row in fresh)
    counts.components_created += sum(len(u.components or ()) for u in updates.values())
    if state.writing:
        await _write_nodes(state, fresh, updates)
        # Writing means no problem so far: every row is new, an update, or identical.
        changes: list[Change] = []
        for row in rows:
            if row.node_id in updates:
                changes.append(("NODE", "UPDATE", row.node_id))
            elif row.node_id not in state.existing:
                changes.append(("NODE", state.node_op(row.node_id), row.node_id))
        await change_service.record_many(db=state.db, session_id=state.session_id, changes=changes)


@dataclass
class _NodeUpdate:
    values: dict[str, Any]
    components: list[ComponentRow] | None  # None: the sequence stays as it is


async def _node_updates(state: ImportState, rows: list[NodeRow]) -> dict[str, _NodeUpdate]:
    """UPSERT: what each matching row changes (rows identical to the node are left out)."""
    db, session_id = state.db, state.session_id
    ids = [row.node_id for row in rows]
    current: dict[str, Row[Any]] = {}
    for start in range(0, len(ids), _CHUNK):
        statement = select(nodes).where(
            nodes.c.session_id == session_id, nodes.c.node_id.in_(ids[start : start + _CHUNK])
        )
        current.update((node.node_id, node) for node in await db.execute(statement))
    sequences = await _components_of(state, [row.node_id for row in rows if row.components])
    updates: dict[str, _NodeUpdate] = {}
    for row in rows:
        old = current[row.node_id]
        label = old.label if row.label is None else row.label
        type_ = old.type if row.type is None else row.type
        metadata = old.metadata if row.metadata is None else row.metadata
        new_sequence = row.components
        if new_sequence is not None and _same_sequence(sequences[row.node_id], new_sequence):
            new_sequence = None
        if (
            new_sequence is None
            and (label, type_) == (old.label, old.type)
            and json_equal(metadata, old.metadata)
        ):
            continue
        values = {
            "_s": session_id, "_n": row.node_id, "_label": label, "_type": type_,
            "_metadata": metadata, "_version": old.version + 1, "_updated_at": state.now,
        }  # fmt: skip
        updates[row.node_id] = _NodeUpdate(values, new_sequence)
    return updates


async def _components_of(state: ImportState, node_ids: list[str]) -> dict[str, list[Row[Any]]]:
    found: dict[str, list[Row[Any]]] = defaultdict(list)
    for start in range(0, len(node_ids), _CHUNK):
        statement = (
            select(components.c.node_id, components.c.type, components.c.content,
                   components.c.properties)
            .where(
                components.c.session_id == state.session_id,
                components.c.node_id.in_(node_ids[start : start + _CHUNK]),
            )
            .order_by(components.c.node_id, components.c.position)
        )  # fmt: skip
        for component in await state.db.execute(statement):
            found[component.node_id].append(component)
    return found


def _same_sequence(old: list[Row[Any]], new: list[ComponentRow]) -> bool:
    return len(old) == len(new) and all(
        (a.type, a.content) == (b.type, b.content) and json_equal(a.properties, b.properties)
        for a, b in zip(old, new, strict=True)
    )


async def _write_nodes(
    state: ImportState, fresh: list[NodeRow], updates: dict[str, _NodeUpdate]
) -> None:
    db, session_id, stamp = state.db, state.session_id, state.stamp
    node_rows = [
        (session_id, row.node_id, row.label or row.node_id, row.type or "concept",
         row.metadata_text, state.version(row.node_id), stamp, stamp)
        for row in fresh
    ]  # fmt: skip
    await insert_rows(db=db, target=nodes, columns=NODE_COLUMNS, rows=node_rows)
    replaced = [node_id for node_id, update in updates.items() if update.components is not None]
    await csv_write.update_nodes(db=db, values=[update.values for update in updates.values()])
    await csv_write.delete_components(db=db, session_id=session_id, node_ids=replaced)
    sequences = [(row.node_id, row.components) for row in fresh]
    sequences += [(node_id, updates[node_id].components) for node_id in replaced]
    component_rows = [
        (session_id, node_id, position, c.type, c.content, c.properties_text, stamp, stamp)
        for node_id, sequence in sequences
        if sequence
        for position, c in enumerate(sequence)
    ]
    await insert_rows(db=db, target=components, columns=COMPONENT_COLUMNS, rows=component_rows)


# ---------------------------------------------------------------- relationships


async def apply_relationships(
    state: ImportState, header: Header, rows: list[RelationshipRow]
) -> None:
    """Check a batch of relationship rows; write it (and missing endpoints) if still clean."""
    missing: list[str] = []
    checked = [row for row in rows if _relationship_ok(state, header, row, missing)]
    found: dict[Key, Row[Any]] = {}
    if state.session_has_relationships:
        # Only a relationship between two nodes of the session can exist already.
        existing = state.existing
        keys = [_key(row) for row in checked if row.source in existing and row.target in existing]
        if keys:
            found = await relationship_service.find_by_keys(
                db=state.db, session_id=state.session_id, keys=keys
            )
    updates: dict[Key, dict[str, Any]] = {}
    fresh = checked
    if found:
        fresh = [row for row in checked if _key(row) not in found]
        for row in checked:
            old = found.get(_key(row))
            if old is None:
                continue
            if state.mode == "CREATE":
                state.problems.add(
                    "relationships", row.line, None,
                    f"relationship {_text(row)} already exists in the session (mode CREATE)",
                )  # fmt: skip
                continue
            update = _relationship_update(state, header, row, old)
            if update is not None:
                updates[_key(row)] = update
    state.counts.nodes_created += len(missing)
    state.counts.relationships_created += len(fresh)
    state.counts.relationships_updated += len(updates)
    if state.writing:
        await _write_relationships(state, missing, fresh, updates)
        await _record_relationships(state, missing, checked, found, updates)


def _key(row: RelationshipRow) -> Key:
    return (row.source, row.target, row.type)


def _text(row: RelationshipRow) -> str:
    return relationship_service.relationship_key_text(row.source, row.target, row.type)


def _relationship_ok(
    state: ImportState, header: Header, row: RelationshipRow, missing: list[str]
) -> bool:
    """Unique in the file, endpoints known (or to be made); else problems."""
    key = (row.source, row.target, row.type)
    first = state.relationship_lines.get(key)
    if first is not None:
        state.problems.add(
            "relationships", row.line, None,
            f"relationship {_text(row)} appears twice in the file (first on line {first})",
        )  # fmt: skip
        return False
    state.relationship_lines[key] = row.line
    in_file = state.file_nodes
    if not state.nodes_usable or (row.source in in_file and row.target in in_file):
        return True  # (an unusable nodes file is rejected already: its ids are unknown)
    ok = True
    for node_id, name in ((row.source, "source"), (row.target, "target")):
        if node_id in in_file or node_id in state.existing or node_id in state.added:
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
) -> None:
    """Changes in file order: made endpoints first, then each relationship created or updated."""
    changes: list[Change] = [("NODE", state.node_op(node_id), node_id) for node_id in missing]
    new_ids = await _new_relationship_ids(state)
    if not found:
        changes += [("RELATIONSHIP", "CREATE", str(rel_id)) for rel_id in new_ids]
        await change_service.record_many(db=state.db, session_id=state.session_id, changes=changes)
        return
    created = iter(new_ids)
    for row in checked:
        key = _key(row)
        if key in updates:
            changes.append(("RELATIONSHIP", "UPDATE", str(updates[key]["_id"])))
        elif key not in found:
            changes.append(("RELATIONSHIP", "CREATE", str(next(created))))
    await change_service.record_many(db=state.db, session_id=state.session_id, changes=changes)


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
