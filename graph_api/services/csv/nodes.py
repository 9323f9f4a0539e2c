"""A batch of checked node rows against the rest of the file and the session (CONTRACT.md §6).

Finds duplicates in the file and clashes in mode CREATE, works out what UPSERT
changes (only the columns the file has; identical rows change nothing), counts
exactly, and, while the import is still writing, inserts and updates the batch
and records one change per node in file order.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, select

from graph_api.db.bulk import insert_rows
from graph_api.db.keysets import chunked
from graph_api.db.models import components, nodes
from graph_api.services.changes import bulk_log
from graph_api.services.csv import write as csv_write
from graph_api.services.csv.headers import Header
from graph_api.services.csv.mode import ImportMode
from graph_api.services.csv.rows import ComponentRow, NodeRow
from graph_api.services.csv.state import Change, ImportState
from graph_api.services.csv.write import COMPONENT_COLUMNS, NODE_COLUMNS
from graph_api.services.node_rows import same_components
from graph_api.services.validation import json_equal

_CHUNK = 5_000


async def apply_nodes(state: ImportState, header: Header, rows: list[NodeRow]) -> None:
    """Check a batch of node rows against the file and the session; write it if still clean."""
    fresh, matches = _new_and_existing(state, header, rows)
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
            update = updates.get(row.node_id)
            if update is not None:
                version = update.values["_version"]
                changes.append(("NODE", "UPDATE", row.node_id, update.fields, version))
            elif row.node_id not in state.existing:
                changes.append(state.node_change(row.node_id))
        await bulk_log.record_many(db=state.db, session_id=state.session_id, changes=changes)


def _new_and_existing(
    state: ImportState, header: Header, rows: list[NodeRow]
) -> tuple[list[NodeRow], list[NodeRow]]:
    """(rows for new nodes, rows for nodes of the session); problems for duplicates and clashes."""
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
        elif state.mode == ImportMode.CREATE:
            state.problems.add(
                "nodes", row.line, id_column,
                f"node {row.node_id!r} already exists in the session (mode CREATE)",
            )  # fmt: skip
        else:
            matches.append(row)
    return fresh, matches


@dataclass
class _NodeUpdate:
    values: dict[str, Any]
    components: list[ComponentRow] | None  # None: the sequence stays as it is
    fields: frozenset[str]  # what the row changes (Change.fields)


async def _node_updates(state: ImportState, rows: list[NodeRow]) -> dict[str, _NodeUpdate]:
    """UPSERT: what each matching row changes (rows identical to the node are left out)."""
    db, session_id = state.db, state.session_id
    ids = [row.node_id for row in rows]
    current: dict[str, Row[Any]] = {}
    for chunk in chunked(ids, _CHUNK):
        statement = select(nodes).where(
            nodes.c.session_id == session_id, nodes.c.node_id.in_(chunk)
        )
        current.update((node.node_id, node) for node in await db.execute(statement))
    wanted = [row.node_id for row in rows if row.components is not None]
    sequences = await _components_of(state, wanted)
    updates: dict[str, _NodeUpdate] = {}
    for row in rows:
        old = current[row.node_id]
        label = old.label if row.label is None else row.label
        type_ = old.type if row.type is None else row.type
        metadata = old.metadata if row.metadata is None else row.metadata
        new_sequence = row.components
        if new_sequence is not None and _unchanged(sequences[row.node_id], new_sequence):
            new_sequence = None
        fields = frozenset(
            name
            for name, changed in (
                ("label", label != old.label),
                ("type", type_ != old.type),
                ("metadata", not json_equal(metadata, old.metadata)),
                ("components", new_sequence is not None),
            )
            if changed
        )
        if not fields:
            continue
        values = {
            "_s": session_id, "_n": row.node_id, "_label": label, "_type": type_,
            "_metadata": metadata, "_version": old.version + 1, "_updated_at": state.now,
        }  # fmt: skip
        updates[row.node_id] = _NodeUpdate(values, new_sequence, fields)
    return updates


async def _components_of(state: ImportState, node_ids: list[str]) -> dict[str, list[Row[Any]]]:
    found: dict[str, list[Row[Any]]] = defaultdict(list)
    for chunk in chunked(node_ids, _CHUNK):
        statement = (
            select(components.c.node_id, components.c.type, components.c.content,
                   components.c.properties)
            .where(
                components.c.session_id == state.session_id,
                components.c.node_id.in_(chunk),
            )
            .order_by(components.c.node_id, components.c.position)
        )  # fmt: skip
        for component in await state.db.execute(statement):
            found[component.node_id].append(component)
    return found


def _unchanged(old: list[Row[Any]], new: list[ComponentRow]) -> bool:
    rows = [{"type": c.type, "content": c.content, "properties": c.properties} for c in new]
    return same_components(old, rows)


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
