"""autoSave's field-level view of a change: what it sets, what differs, what conflicts.

Under REJECT a stale expectedVersion is a conflict on every field the change
sets. Under MERGE (CONTRACT.md §6) a field conflicts only when the change sets
it, the change log shows the server changed it after expectedVersion
(change_history.fields_changed_after) and the server's current value differs from the
one the change sets. `load_histories()` reads the change log of the stale
entities only, under the save's lock, in one statement per kind.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import Row

from graph_api.db.transaction import UnitOfWork
from graph_api.services import relationships as relationship_service
from graph_api.services.autosave.specs import AutoSaveSpec, NodeChangeSpec, RelationshipChangeSpec
from graph_api.services.changes import history as change_history
from graph_api.services.changes import log as change_service
from graph_api.services.validation import changed_values, json_equal

if TYPE_CHECKING:  # autosave_plan imports this module
    from graph_api.services.autosave.plan import State


@dataclass
class Histories:
    """Change-log rows (UPDATE and DELETE, oldest first) of the stale entities, by key."""

    nodes: dict[str, list[Row[Any]]] = field(default_factory=dict)
    relationships: dict[str, list[Row[Any]]] = field(default_factory=dict)


def node_sets(change: NodeChangeSpec) -> dict[str, Any]:
    """The node fields a change sets, with their values (components as given)."""
    return {
        name: value
        for name, value in (
            ("label", change.label),
            ("type", change.type),
            ("metadata", change.metadata),
            ("components", change.components),
        )
        if value is not None
    }


def relationship_sets(change: RelationshipChangeSpec) -> dict[str, Any]:
    """The relationship fields a change sets: its type always (the input requires it)."""
    values: dict[str, Any] = {"type": change.type}
    if change.weight_given:
        values["weight"] = change.weight
    if change.properties is not None:
        values["properties"] = change.properties
    return values


def listed(kind: str, names: Iterable[str]) -> list[str]:
    """Field names in canonical order (Conflict.fields, Change.fields)."""
    wanted = set(names)
    return [name for name in change_service.FIELDS[kind] if name in wanted]


def node_differs(row: Row[Any], change: NodeChangeSpec, components_differ: bool) -> set[str]:
    """The fields the change sets to a value other than the server's current one."""
    sets = node_sets(change)
    sets.pop("components", None)
    differs = set(changed_values(row, sets))
    if components_differ:
        differs.add("components")
    return differs


def merge_conflicts(
    kind: str,
    history: list[Row[Any]],
    expected_version: int,
    current_version: int,
    differs: set[str],
) -> list[str]:
    """Under MERGE: the fields set to another value that the server changed since the version."""
    changed = change_history.fields_changed_after(kind, history, expected_version, current_version)
    return listed(kind, differs & changed)


def relationship_differs(row: Row[Any], change: RelationshipChangeSpec) -> set[str]:
    return {
        name
        for name, value in relationship_sets(change).items()
        if not json_equal(getattr(row, name), value)
    }


def _stale_relationship_key(change: RelationshipChangeSpec, state: State) -> str | None:
    if change.expected_version is None:
        return None
    if change.id is not None:
        numeric = relationship_service.parse_relationship_id(change.id)
        row = state.relationships_by_id.get(numeric) if numeric is not None else None
    else:
        row = state.relationships_by_key.get(change.key)
    if row is None or row.version == change.expected_version:
        return None
    return str(row.id)


async def load_histories(
    *, db: UnitOfWork, session_id: str, spec: AutoSaveSpec, state: State
) -> Histories:
    """Under MERGE, the change log of every entity whose expectedVersion is stale."""
    histories = Histories()
    if spec.on_conflict != "MERGE":
        return histories
    stale_nodes = [
        c.node_id
        for c in spec.nodes
        if c.expected_version is not None
        and c.node_id in state.nodes
        and state.nodes[c.node_id].version != c.expected_version
    ]
    if stale_nodes:
        histories.nodes = await change_history.history(
            db=db, session_id=session_id, kind="NODE", keys=stale_nodes
        )
    stale_relationships = [
        key
        for key in (_stale_relationship_key(c, state) for c in spec.relationships)
        if key is not None
    ]
    if stale_relationships:
        histories.relationships = await change_history.history(
            db=db, session_id=session_id, kind="RELATIONSHIP", keys=stale_relationships
        )
    return histories
