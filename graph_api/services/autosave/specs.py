"""autoSave's input records, their validation and the identity of a payload.

`validate()` checks the whole delta against the contract's rules and limits
without touching the database; `payload_hash()` says whether a retried saveId
carries the same save (CONTRACT.md §9).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, Literal

import orjson

from graph_api.config import Limits
from graph_api.errors import BadUserInput, LimitExceeded
from graph_api.services.specs import ComponentSpec, RelationshipSpec
from graph_api.services.validation import (
    check_json_object,
    check_label,
    check_list_length,
    check_node_id,
    check_type,
    check_version,
    check_weight,
)

ConflictPolicy = Literal["REJECT", "OVERWRITE", "MERGE"]
MAX_SAVE_ID_LENGTH = 255


@dataclass(frozen=True)
class NodeChangeSpec:
    """Upsert of one node; None means absent (unchanged on update, defaulted on create)."""

    node_id: str
    label: str | None = None
    type: str | None = None
    metadata: dict[str, Any] | None = None
    components: list[ComponentSpec] | None = None
    expected_version: int | None = None


@dataclass(frozen=True)
class RelationshipChangeSpec(RelationshipSpec):
    """Upsert of one relationship, by id when given, else by (source, target, type)."""

    id: str | None = None
    # weight may be sent as null (clear it) or left out (keep it): None cannot say which.
    weight_given: bool = False
    expected_version: int | None = None

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.source_id, self.target_id, self.type)


@dataclass(frozen=True)
class AutoSaveSpec:
    save_id: str
    nodes: list[NodeChangeSpec] = field(default_factory=list)
    delete_node_ids: list[str] = field(default_factory=list)
    relationships: list[RelationshipChangeSpec] = field(default_factory=list)
    delete_relationship_ids: list[str] = field(default_factory=list)
    on_conflict: ConflictPolicy = "REJECT"


def _component_doc(spec: ComponentSpec) -> dict[str, Any]:
    properties = _canonical(spec.properties) if spec.properties else {}
    return {"type": spec.type, "content": spec.content or "", "properties": properties}


def _node_doc(change: NodeChangeSpec) -> dict[str, Any]:
    doc: dict[str, Any] = {"nodeId": change.node_id}
    for name, value in (
        ("label", change.label),
        ("type", change.type),
        ("metadata", _canonical(change.metadata)),
        ("expectedVersion", change.expected_version),
    ):
        if value is not None:
            doc[name] = value
    if change.components is not None:
        doc["components"] = [_component_doc(spec) for spec in change.components]
    return doc


def _relationship_doc(change: RelationshipChangeSpec) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "sourceId": change.source_id,
        "targetId": change.target_id,
        "type": change.type,
    }
    if change.id is not None:
        doc["id"] = change.id
    if change.weight_given:
        doc["weight"] = _canonical(change.weight)
    if change.properties is not None:
        doc["properties"] = _canonical(change.properties)
    if change.expected_version is not None:
        doc["expectedVersion"] = change.expected_version
    return doc


def payload_hash(spec: AutoSaveSpec) -> str:
    """Identity of a save's input after defaults (CONTRACT.md §9).

    Structural JSON equality: object keys in any order, list order significant;
    a field sent as null where null means "unchanged" equals a field left out.
    """
    doc = {
        "nodes": [_node_doc(change) for change in spec.nodes],
        "deleteNodeIds": spec.delete_node_ids,
        "relationships": [_relationship_doc(change) for change in spec.relationships],
        "deleteRelationshipIds": spec.delete_relationship_ids,
        "onConflict": spec.on_conflict,
    }
    return hashlib.sha256(orjson.dumps(doc, option=orjson.OPT_SORT_KEYS)).hexdigest()


def _canonical(value: Any) -> Any:
    """JSON has one kind of number: 1.0 and 1 are the same value (true stays true).

    Applied to the JSON-valued fields only; the others have one type each."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: _canonical(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_canonical(item) for item in value]
    return value


def validate(spec: AutoSaveSpec, limits: Limits) -> None:
    """Every rule that needs no database, for the whole delta, before anything is read."""
    if not spec.save_id or len(spec.save_id) > MAX_SAVE_ID_LENGTH:
        raise BadUserInput(
            f"saveId must be 1 to {MAX_SAVE_ID_LENGTH} characters long", field="saveId"
        )
    for items, name in (
        (spec.nodes, "nodes"),
        (spec.delete_node_ids, "deleteNodeIds"),
        (spec.relationships, "relationships"),
        (spec.delete_relationship_ids, "deleteRelationshipIds"),
    ):
        check_list_length(items, limits, field=name)
    _check_save_size(spec, limits)
    _validate_nodes(spec, limits)
    _validate_relationships(spec, limits)


def _check_save_size(spec: AutoSaveSpec, limits: Limits) -> None:
    """The cost of a save scales with everything it touches, not only each list's length."""
    entities = (
        len(spec.nodes)
        + len(spec.delete_node_ids)
        + len(spec.relationships)
        + len(spec.delete_relationship_ids)
    )
    if entities > limits.max_save_entities:
        raise LimitExceeded(
            f"The save touches {entities} entities; at most {limits.max_save_entities}",
            limit="max_save_entities",
        )
    components = sum(len(change.components or ()) for change in spec.nodes)
    if components > limits.max_save_components:
        raise LimitExceeded(
            f"The save holds {components} components; at most {limits.max_save_components}",
            limit="max_save_components",
        )


def _validate_nodes(spec: AutoSaveSpec, limits: Limits) -> None:
    seen: set[str] = set()
    for index, change in enumerate(spec.nodes):
        where = f"nodes[{index}]"
        check_node_id(change.node_id, field=f"{where}.nodeId")
        if change.node_id in seen:
            raise BadUserInput(
                f"node {change.node_id} appears twice in nodes", field=f"{where}.nodeId"
            )
        seen.add(change.node_id)
        if change.label is not None:
            check_label(change.label, limits, field=f"{where}.label")
        if change.type is not None:
            check_type(change.type, limits, field=f"{where}.type")
        check_json_object(change.metadata, limits, field=f"{where}.metadata")
        check_version(change.expected_version, field=f"{where}.expectedVersion")
        # Components are checked with their rows (node_rows.component_rows).
    for index, node_id in enumerate(spec.delete_node_ids):
        if node_id in seen:
            raise BadUserInput(
                f"node {node_id} is both saved and deleted", field=f"deleteNodeIds[{index}]"
            )


def _validate_relationships(spec: AutoSaveSpec, limits: Limits) -> None:
    ids: set[str] = set()
    keys: set[tuple[str, str, str]] = set()
    for index, change in enumerate(spec.relationships):
        where = f"relationships[{index}]"
        check_node_id(change.source_id, field=f"{where}.sourceId")
        check_node_id(change.target_id, field=f"{where}.targetId")
        check_type(change.type, limits, field=f"{where}.type")
        check_weight(change.weight, field=f"{where}.weight")
        check_json_object(change.properties, limits, field=f"{where}.properties")
        check_version(change.expected_version, field=f"{where}.expectedVersion")
        if change.id is not None:
            if change.id in ids:
                raise BadUserInput(f"relationship {change.id} appears twice", field=f"{where}.id")
            ids.add(change.id)
        elif change.key in keys:
            raise BadUserInput("this (sourceId, targetId, type) appears twice", field=where)
        else:
            keys.add(change.key)
    for index, raw in enumerate(spec.delete_relationship_ids):
        if raw in ids:
            raise BadUserInput(
                f"relationship {raw} is both saved and deleted",
                field=f"deleteRelationshipIds[{index}]",
            )
