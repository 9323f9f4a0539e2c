"""autoSave's plan: the delta compared with the server's state, before any write.

`make_plan()` takes what the server holds for everything the delta mentions
(read under the write lock in a few set-based statements) and decides what to
create, update and delete, which expectedVersions are stale (conflicts) and
which references are wrong (errors). It reads and writes nothing itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import Row

from graph_api.config import Limits
from graph_api.errors import BadUserInput, Duplicate, NodeNotFound, RelationshipNotFound
from graph_api.services import node_rows
from graph_api.services import relationships as relationship_service
from graph_api.services.autosave import merge
from graph_api.services.autosave.merge import Histories
from graph_api.services.autosave.specs import AutoSaveSpec, NodeChangeSpec, RelationshipChangeSpec
from graph_api.services.validation import changed_values


@dataclass
class Conflict:
    kind: Literal["NODE", "RELATIONSHIP"]
    key: str
    expected_version: int | None
    current_version: int | None
    node: Row[Any] | None = None
    relationship: Row[Any] | None = None
    # Under MERGE the conflicting fields; otherwise every field the change sets.
    fields: list[str] = field(default_factory=list)


@dataclass
class NodeUpdate:
    row: Row[Any]
    values: dict[str, Any]
    # Validated component rows replacing the sequence; None: the sequence stays.
    components: list[dict[str, Any]] | None


@dataclass
class RelationshipUpdate:
    index: int
    row: Row[Any]
    values: dict[str, Any]


@dataclass
class Plan:
    conflicts: list[Conflict] = field(default_factory=list)
    node_creates: list[NodeChangeSpec] = field(default_factory=list)
    node_updates: list[NodeUpdate] = field(default_factory=list)
    node_deletes: list[str] = field(default_factory=list)
    relationship_deletes: list[str] = field(default_factory=list)
    relationship_updates: list[RelationshipUpdate] = field(default_factory=list)
    relationship_creates: list[int] = field(default_factory=list)  # indexes into the changes

    @property
    def writes(self) -> bool:
        return bool(
            self.node_creates
            or self.node_updates
            or self.node_deletes
            or self.relationship_deletes
            or self.relationship_updates
            or self.relationship_creates
        )


@dataclass
class State:
    """What the server holds for everything the delta mentions, read under the write lock."""

    nodes: dict[str, Row[Any]]
    components: dict[str, list[Row[Any]]]
    relationships_by_id: dict[int, Row[Any]]
    relationships_by_key: dict[tuple[str, str, str], Row[Any]]
    # Relationship ids that the change log shows as deleted (asked only for missing ids).
    deleted_relationship_ids: set[str] = field(default_factory=set)
    # Under MERGE: the change log of the stale entities.
    histories: Histories = field(default_factory=Histories)


def make_plan(*, spec: AutoSaveSpec, state: State, session_id: str, limits: Limits) -> Plan:
    """Decide every write, collect every conflict; raises for references that are wrong."""
    plan = Plan()
    _plan_nodes(spec, state, session_id, limits, plan)
    _plan_relationships(spec, state, plan)
    return plan


def _plan_nodes(
    spec: AutoSaveSpec, state: State, session_id: str, limits: Limits, plan: Plan
) -> None:
    checked = spec.on_conflict != "OVERWRITE"
    for index, change in enumerate(spec.nodes):
        node_id = change.node_id
        rows = None
        if change.components is not None:
            rows = node_rows.component_rows(
                session_id, node_id, change.components, limits, field=f"nodes[{index}].components"
            )
        row = state.nodes.get(node_id)
        expected = change.expected_version if checked else None
        sets = merge.listed("NODE", merge.node_sets(change))
        if row is None:
            if expected is not None:
                plan.conflicts.append(Conflict("NODE", node_id, expected, None, fields=sets))
            else:
                plan.node_creates.append(change)
            continue
        if rows is not None and node_rows.same_components(state.components.get(node_id, []), rows):
            rows = None
        differs = merge.node_differs(row, change, components_differ=rows is not None)
        if expected is not None and expected != row.version:
            conflicting = (
                merge.merge_conflicts(
                    "NODE", state.histories.nodes.get(node_id, []), expected, row.version, differs
                )
                if spec.on_conflict == "MERGE"
                else sets
            )
            if spec.on_conflict != "MERGE" or conflicting:
                plan.conflicts.append(
                    Conflict("NODE", node_id, expected, row.version, node=row, fields=conflicting)
                )
                continue
        values: dict[str, Any] = {
            name: getattr(change, name) for name in ("label", "type", "metadata") if name in differs
        }
        if values or rows is not None:
            plan.node_updates.append(NodeUpdate(row, values, rows))
    plan.node_deletes = [
        node_id for node_id in dict.fromkeys(spec.delete_node_ids) if node_id in state.nodes
    ]


def _plan_relationships(spec: AutoSaveSpec, state: State, plan: Plan) -> None:
    checked = spec.on_conflict != "OVERWRITE"
    deleting: set[int] = set()
    for raw in dict.fromkeys(spec.delete_relationship_ids):
        numeric = relationship_service.parse_relationship_id(raw)
        if numeric is not None and numeric in state.relationships_by_id:
            deleting.add(numeric)
            plan.relationship_deletes.append(raw)
    available = (set(state.nodes) - set(plan.node_deletes)) | {c.node_id for c in spec.nodes}
    claimed: set[int] = set()
    new_keys: set[tuple[str, str, str]] = set()
    for index, change in enumerate(spec.relationships):
        where = f"relationships[{index}]"
        expected = change.expected_version if checked else None
        row, key_text = _resolve(change, state, deleting, where)
        # An id that names nothing is an error, unless an expected version says
        # "I had it" and the change log says it was deleted: then it is a conflict.
        if (
            row is None
            and change.id is not None
            and (expected is None or change.id not in state.deleted_relationship_ids)
        ):
            raise RelationshipNotFound(change.id)
        if expected is not None and (row is None or expected != row.version):
            conflicting = _relationship_conflicts(spec, state, change, row, expected)
            if conflicting is not None:
                current = row.version if row is not None else None
                plan.conflicts.append(
                    Conflict(
                        "RELATIONSHIP", key_text, expected, current, relationship=row,
                        fields=conflicting,
                    )
                )  # fmt: skip
                continue
        for value, name in ((change.source_id, "sourceId"), (change.target_id, "targetId")):
            if value not in available:
                raise NodeNotFound(value, field=f"{where}.{name}")
        if row is None:
            _claim_key(change.key, new_keys, state, deleting, where)
            plan.relationship_creates.append(index)
            continue
        if row.id in claimed:
            raise BadUserInput(f"relationship {row.id} is changed twice", field=where)
        claimed.add(row.id)
        values = _relationship_values(change, row)
        if "type" in values:
            _claim_key(change.key, new_keys, state, deleting, f"{where}.type")
        if values:
            plan.relationship_updates.append(RelationshipUpdate(index, row, values))


def _relationship_conflicts(
    spec: AutoSaveSpec,
    state: State,
    change: RelationshipChangeSpec,
    row: Row[Any] | None,
    expected: int,
) -> list[str] | None:
    """A stale change's conflicting fields (every field it sets unless MERGE clears some);
    None when MERGE finds none and the change applies."""
    sets = merge.listed("RELATIONSHIP", merge.relationship_sets(change))
    if spec.on_conflict != "MERGE" or row is None:
        return sets
    history = state.histories.relationships.get(str(row.id), [])
    differs = merge.relationship_differs(row, change)
    conflicting = merge.merge_conflicts("RELATIONSHIP", history, expected, row.version, differs)
    return conflicting or None


def _resolve(
    change: RelationshipChangeSpec, state: State, deleting: set[int], where: str
) -> tuple[Row[Any] | None, str]:
    """The relationship a change targets (None: none), and its conflict key."""
    if change.id is None:
        row = state.relationships_by_key.get(change.key)
        if row is not None and row.id in deleting:
            row = None  # deleted by this delta first, then created anew
        return row, relationship_service.relationship_key_text(*change.key)
    numeric = relationship_service.parse_relationship_id(change.id)
    row = state.relationships_by_id.get(numeric) if numeric is not None else None
    if row is not None:
        for value, current, name in (
            (change.source_id, row.source_id, "sourceId"),
            (change.target_id, row.target_id, "targetId"),
        ):
            if value != current:
                raise BadUserInput(
                    f"relationship {change.id} has {name} {current}: endpoints never change",
                    field=f"{where}.{name}",
                )
    return row, change.id


def _claim_key(
    key: tuple[str, str, str],
    new_keys: set[tuple[str, str, str]],
    state: State,
    deleting: set[int],
    field: str,
) -> None:
    """A (source, target, type) about to be created or renamed to must be free."""
    taken = state.relationships_by_key.get(key)
    if key in new_keys or (taken is not None and taken.id not in deleting):
        raise Duplicate(
            f"Relationship {relationship_service.relationship_key_text(*key)} already exists",
            field=field,
        )
    new_keys.add(key)


def _relationship_values(change: RelationshipChangeSpec, row: Row[Any]) -> dict[str, Any]:
    values: dict[str, Any] = {"type": change.type}
    if change.weight_given:
        values["weight"] = change.weight
    if change.properties is not None:
        values["properties"] = change.properties
    return changed_values(row, values)
