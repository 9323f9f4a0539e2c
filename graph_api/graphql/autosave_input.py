"""autoSave's input: AutoSaveInput (graphql/inputs.py) to the service's AutoSaveSpec.

strawberry.UNSET marks a field the client left out. For NodeChange fields and
for properties, null means the same as absent ("unchanged"); a
RelationshipChange's weight sent as null clears it. Lists sent as null are
empty and onConflict null is REJECT: the input "after defaults" (CONTRACT.md §9).

Speed: a save of 50 nodes x 5 components is ~300 input objects, and Strawberry's
generic conversion (type resolution per field and value) costs milliseconds for
them. AutoSaveInput therefore uses the `from_input` hook of its type definition
(Strawberry's documented extension point for building an input from the
GraphQL value): `_from_graphql` builds the same objects directly from the
value graphql-core has already coerced and validated.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import strawberry
from strawberry.types.base import get_object_definition

from graph_api.graphql.inputs import (
    AutoSaveInput,
    ComponentInput,
    ConflictPolicy,
    NodeChange,
    RelationshipChange,
)
from graph_api.services.autosave.specs import AutoSaveSpec, NodeChangeSpec, RelationshipChangeSpec
from graph_api.services.autosave.specs import ConflictPolicy as ConflictPolicyName

UNSET: Any = strawberry.UNSET
_POLICIES: dict[ConflictPolicy, ConflictPolicyName] = {
    ConflictPolicy.REJECT: "REJECT",
    ConflictPolicy.OVERWRITE: "OVERWRITE",
    ConflictPolicy.MERGE: "MERGE",
}


def _given(value: Any) -> Any:
    return None if value is strawberry.UNSET else value


def _node_spec(change: NodeChange) -> NodeChangeSpec:
    components = _given(change.components)
    return NodeChangeSpec(
        node_id=change.node_id,
        label=_given(change.label),
        type=_given(change.type),
        metadata=_given(change.metadata),
        components=[c.to_spec() for c in components] if components is not None else None,
        expected_version=_given(change.expected_version),
    )


def _relationship_spec(change: RelationshipChange) -> RelationshipChangeSpec:
    return RelationshipChangeSpec(
        source_id=change.source_id,
        target_id=change.target_id,
        type=change.type,
        id=_given(change.id),
        weight=_given(change.weight),
        weight_given=change.weight is not strawberry.UNSET,
        properties=_given(change.properties),
        expected_version=_given(change.expected_version),
    )


def to_spec(input: AutoSaveInput) -> AutoSaveSpec:
    """The input after defaults: a list sent as null is empty, onConflict null is REJECT."""
    policy = input.on_conflict or ConflictPolicy.REJECT
    return AutoSaveSpec(
        save_id=str(input.save_id),
        nodes=[_node_spec(change) for change in _given(input.nodes) or []],
        delete_node_ids=list(_given(input.delete_node_ids) or []),
        relationships=[_relationship_spec(c) for c in _given(input.relationships) or []],
        delete_relationship_ids=[str(raw) for raw in _given(input.delete_relationship_ids) or []],
        on_conflict=_POLICIES[policy],
    )


def _components(values: list[Mapping[str, Any]] | None) -> list[ComponentInput] | None:
    if values is None:
        return None
    return [
        ComponentInput(
            type=value["type"], content=value.get("content", ""), properties=value.get("properties")
        )
        for value in values
    ]


def _node_change(value: Mapping[str, Any]) -> NodeChange:
    return NodeChange(
        node_id=value["nodeId"],
        label=value.get("label", UNSET),
        type=value.get("type", UNSET),
        metadata=value.get("metadata", UNSET),
        components=_components(value["components"]) if "components" in value else UNSET,
        expected_version=value.get("expectedVersion", UNSET),
    )


def _relationship_change(value: Mapping[str, Any]) -> RelationshipChange:
    return RelationshipChange(
        source_id=value["sourceId"],
        target_id=value["targetId"],
        type=value["type"],
        id=value.get("id", UNSET),
        weight=value.get("weight", UNSET),
        properties=value.get("properties", UNSET),
        expected_version=value.get("expectedVersion", UNSET),
    )


def _from_graphql(cls: type, value: Mapping[str, Any], _context: Any) -> AutoSaveInput:
    """The AutoSaveInput of an input value already coerced and validated by graphql-core."""
    nodes = value.get("nodes")
    relationships = value.get("relationships")
    return AutoSaveInput(
        save_id=strawberry.ID(value["saveId"]),
        nodes=None if nodes is None else [_node_change(item) for item in nodes],
        delete_node_ids=value.get("deleteNodeIds"),
        relationships=None
        if relationships is None
        else [_relationship_change(item) for item in relationships],
        delete_relationship_ids=value.get("deleteRelationshipIds"),
        on_conflict=value.get("onConflict"),
    )


_definition = get_object_definition(AutoSaveInput, strict=True)
_definition.from_input = _from_graphql
