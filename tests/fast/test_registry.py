"""What the compiled read path answers comes from the types (issue 11): scalar fields
are the columns of the type's record, nested fields the batch resolvers registered
beside their Strawberry fields."""

from __future__ import annotations

import pytest
from graphql import parse
from strawberry.types.base import get_object_definition

from graph_api.graphql.fast.plan import Unsupported, plan_operation
from graph_api.graphql.fast.registry import BATCH, READS, batch
from graph_api.graphql.schema import build_schema
from graph_api.graphql.types.change import Change
from graph_api.graphql.types.identity import SessionMember
from graph_api.graphql.types.node import Component, Node
from graph_api.graphql.types.records import record_columns
from graph_api.graphql.types.relationship import Relationship
from graph_api.graphql.types.session import Session
from graph_api.services.records import (
    ChangeRecord,
    ComponentRecord,
    MemberRecord,
    NodeRecord,
    RelationshipRecord,
    SessionRecord,
    field_names,
)

SCHEMA = build_schema()
VIEWS = [
    (Session, SessionRecord, ()),
    (Node, NodeRecord, ()),
    (Component, ComponentRecord, ("session_id",)),
    (Relationship, RelationshipRecord, ()),
    (Change, ChangeRecord, ()),
    (SessionMember, MemberRecord, ()),
]


def _plan(query: str):
    return plan_operation(SCHEMA, parse(query), None, None)


@pytest.mark.parametrize(("view", "record", "hidden"), VIEWS)
def test_a_types_data_fields_are_its_records_fields_in_order(view, record, hidden):
    definition = get_object_definition(view, strict=True)
    data = [f.python_name for f in definition.fields if f.base_resolver is None]
    expected = [name for name in field_names(record) if name not in hidden]
    assert data == expected
    assert record_columns(view) == frozenset(expected)


def test_registering_a_batch_resolver_for_a_missing_field_fails():
    with pytest.raises(LookupError, match="no_such_field"):
        batch(Node, "no_such_field")


def test_every_registered_resolver_answers_a_field_of_the_schema():
    schema = SCHEMA._schema
    for type_name, python_name in BATCH:
        fields = schema.get_type(type_name).fields.values()  # type: ignore[union-attr]
        names = {f.extensions["strawberry-definition"].python_name for f in fields}
        assert python_name in names, (type_name, python_name)


def test_scalars_plan_as_record_columns_and_nested_fields_as_their_resolvers():
    [node] = _plan(
        'query { node(sessionId: "s", nodeId: "N1") { updatedAt label components { content } } }'
    ).fields
    assert node.resolver is BATCH[("Query", "node")]
    assert node.selection is not None
    # The keys the Node resolvers read, then the scalar fields asked, as stored columns.
    assert READS["Node"] == ("session_id", "node_id")
    assert node.selection.columns == ["session_id", "node_id", "updated_at", "label"]
    [updated, label, components] = node.selection.fields
    assert (updated.column, label.column, components.column) == ("updated_at", "label", None)
    assert components.resolver is BATCH[("Node", "components")]
    assert components.selection is not None
    assert components.selection.columns == ["content"]


def test_a_field_with_neither_column_nor_resolver_is_left_to_the_general_path():
    with pytest.raises(Unsupported, match=r"Node\.neighbors"):
        _plan('query { node(sessionId: "s", nodeId: "N1") { neighbors { nodeId } } }')
