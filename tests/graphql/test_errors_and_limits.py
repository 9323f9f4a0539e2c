"""Limits and single values (CONTRACT.md §5, §7): LIMIT_EXCEEDED for the size of a request,
list or page; BAD_USER_INPUT with extensions.field for one value; nothing written.

The limits are configured small here (the `limits` fixture) so that each is cheap to cross.
"""

from __future__ import annotations

import pytest

from graph_api.config import Limits
from tests.factories import make_session
from tests.graphql.helpers import SMALL_LIMITS, code, revision, row_counts


@pytest.fixture
def limits():
    return SMALL_LIMITS


@pytest.fixture
async def session_id(gql):
    return await make_session(gql)


def test_default_limits_are_the_contract_table():
    limits = Limits()
    assert (limits.max_depth, limits.max_aliases) == (15, 500)
    assert (limits.max_page_size, limits.default_page_size) == (5_000, 100)
    assert limits.max_list_length == 10_000
    assert limits.max_body_bytes == 64 * 1024 * 1024
    assert (limits.max_label_length, limits.max_type_length, limits.max_node_id_length) == (
        1_000,
        100,
        64,
    )
    assert limits.max_content_bytes == 1024 * 1024
    assert limits.max_json_bytes == 64 * 1024
    assert limits.max_neighbor_depth == 5


# ---------------------------------------------------------------- depth and aliases


def _nested(depth):
    """A query whose deepest field is `depth` levels below the root field `session`."""
    fields, on_session = [], True
    for _ in range(depth - 1):
        fields.append('node(nodeId: "N001")' if on_session else "session")
        on_session = not on_session
    inner = "id" if on_session else "nodeId"
    for field in reversed(fields):
        inner = f"{field} {{ {inner} }}"
    return f"query($s: ID!) {{ session(id: $s) {{ {inner} }} }}"


async def test_depth_at_the_limit_is_answered(gql, session_id):
    data = await gql.ok(_nested(5), {"s": session_id})
    assert data["session"] is not None


async def test_depth_over_the_limit_is_limit_exceeded(gql, session_id):
    body = await gql(_nested(6), {"s": session_id})
    assert "data" not in body or body["data"] is None
    assert [code(e) for e in body["errors"]] == ["LIMIT_EXCEEDED"]


async def test_aliases_over_the_limit_are_limit_exceeded(gql, session_id, engine):
    fields = " ".join(
        f'a{i}: createNode(sessionId: $s, input: {{label: "x"}}) {{ nodeId }}' for i in range(5)
    )
    body = await gql(f"mutation($s: ID!) {{ {fields} }}", {"s": session_id})
    assert [code(e) for e in body["errors"]] == ["LIMIT_EXCEEDED"]
    assert (await row_counts(engine, session_id))["nodes"] == 2
    fields = " ".join(f"a{i}: __typename" for i in range(4))
    assert await gql.ok(f"{{ {fields} }}")


# ---------------------------------------------------------------- page size and list lengths


@pytest.mark.parametrize(
    "query",
    [
        "query($s: ID!, $f: Int) { session(id: $s) { nodes(first: $f) { totalCount } } }",
        "query($s: ID!, $f: Int) { session(id: $s) { relationships(first: $f) { totalCount } } }",
        "query($s: ID!, $f: Int) { changes(sessionId: $s, sinceRevision: 0, first: $f) { "
        "revision } }",
    ],
    ids=["nodes", "relationships", "changes"],
)
async def test_first_over_the_page_limit_is_limit_exceeded(gql, session_id, query):
    assert await gql.ok(query, {"s": session_id, "f": 10})
    error = await gql.error(query, {"s": session_id, "f": 11})
    assert code(error) == "LIMIT_EXCEEDED"


LIST_CASES = {
    "createNodes": (
        "mutation($s: ID!, $l: [NodeInput!]!) { createNodes(sessionId: $s, inputs: $l) { nodeId "
        "} }",
        lambda n: [{"label": f"x{i}"} for i in range(n)],
    ),
    "createNode.components": (
        """mutation($s: ID!, $l: [ComponentInput!]) {
          createNode(sessionId: $s, input: {label: "x", components: $l}) { nodeId } }""",
        lambda n: [{"type": "t"}] * n,
    ),
    "setComponents": (
        """mutation($s: ID!, $l: [ComponentInput!]!) {
          setComponents(sessionId: $s, nodeId: "N001", components: $l) { version } }""",
        lambda n: [{"type": "t"}] * n,
    ),
    "deleteNodes": (
        "mutation($s: ID!, $l: [String!]!) { deleteNodes(sessionId: $s, nodeIds: $l) { deleted } }",
        lambda n: ["N001", "N002", "a", "b", "c"][:n] if n > 3 else ["N001", "N002"][: min(n, 2)],
    ),
    "createRelationships": (
        """mutation($s: ID!, $l: [RelationshipInput!]!) {
          createRelationships(sessionId: $s, inputs: $l) { id } }""",
        lambda n: [{"sourceId": "N001", "targetId": "N002", "type": f"T{i}"} for i in range(n)],
    ),
    "deleteRelationships": (
        "mutation($s: ID!, $l: [ID!]!) { deleteRelationships(sessionId: $s, ids: $l) { deleted } }",
        lambda n: ["1", "2", "3", "4"][:n] if n > 3 else [],
    ),
    "filter.nodeIds": (
        "query($s: ID!, $l: [String!]) { session(id: $s) { nodes(first: 5, filter: {nodeIds: "
        "$l}) { totalCount } } }",
        lambda n: [f"n{i}" for i in range(n)],
    ),
    "filter.types": (
        "query($s: ID!, $l: [String!]) { session(id: $s) { nodes(first: 5, filter: {types: $l}) "
        "{ totalCount } } }",
        lambda n: [f"t{i}" for i in range(n)],
    ),
    "relationships.filter": (
        """query($s: ID!, $l: [String!]) {
          session(id: $s) { relationships(first: 5, filter: {sourceIds: $l}) { totalCount } } }""",
        lambda n: [f"n{i}" for i in range(n)],
    ),
    "outgoing.types": (
        """query($s: ID!, $l: [String!]) {
          node(sessionId: $s, nodeId: "N001") { outgoing(types: $l) { id } } }""",
        lambda n: [f"t{i}" for i in range(n)],
    ),
    "incoming.types": (
        """query($s: ID!, $l: [String!]) {
          node(sessionId: $s, nodeId: "N001") { incoming(types: $l) { id } } }""",
        lambda n: [f"t{i}" for i in range(n)],
    ),
    "neighbors.types": (
        """query($s: ID!, $l: [String!]) {
          node(sessionId: $s, nodeId: "N001") { neighbors(types: $l) { nodeId } } }""",
        lambda n: [f"t{i}" for i in range(n)],
    ),
}


@pytest.mark.parametrize("case", LIST_CASES)
async def test_list_over_the_limit_is_limit_exceeded(gql, session_id, engine, case):
    query, items = LIST_CASES[case]
    before = await row_counts(engine, session_id)
    error = await gql.error(query, {"s": session_id, "l": items(4)})
    assert code(error) == "LIMIT_EXCEEDED", error
    assert await row_counts(engine, session_id) == before
    body = await gql(query, {"s": session_id, "l": items(3)})
    assert all(code(e) != "LIMIT_EXCEEDED" for e in body.get("errors", [])), body


# ---------------------------------------------------------------- single values


CREATE = """mutation($s: ID!, $input: NodeInput!) {
  createNode(sessionId: $s, input: $input) { nodeId }
}"""


@pytest.mark.parametrize(
    ("input_", "field"),
    [
        ({"label": "x" * 11}, "label"),
        ({"label": ""}, "label"),
        ({"label": "x", "type": "x" * 11}, "type"),
        ({"label": "x", "type": ""}, "type"),
        ({"label": "x", "nodeId": "N" * 65}, "nodeId"),
        ({"label": "x", "metadata": {"k": "x" * 20}}, "metadata"),
        ({"label": "x", "metadata": [1]}, "metadata"),
        (
            {"label": "x", "metadata": None, "components": [{"type": "t", "content": "é" * 5}]},
            "content",
        ),
        ({"label": "x", "components": [{"type": "x" * 11}]}, "type"),
        (
            {"label": "x", "components": [{"type": "t", "properties": {"k": "x" * 20}}]},
            "properties",
        ),
        ({"label": "x", "components": [{"type": "t", "properties": "text"}]}, "properties"),
    ],
)
async def test_one_value_out_of_its_rules_is_bad_user_input(gql, session_id, engine, input_, field):
    error = await gql.error(CREATE, {"s": session_id, "input": input_})
    assert code(error) == "BAD_USER_INPUT", error
    assert error["extensions"]["field"].endswith(field), error
    assert (await row_counts(engine, session_id))["nodes"] == 2


async def test_values_at_their_limits_are_accepted(gql, session_id):
    await gql.ok(
        CREATE,
        {
            "s": session_id,
            "input": {
                "label": "x" * 10,
                "type": "x" * 10,
                "metadata": {"k": "x" * 12},  # {"k":"xxxxxxxxxxxx"} is 20 bytes
                "components": [{"type": "t", "content": "é" * 4}],  # 8 bytes
            },
        },
    )


@pytest.mark.parametrize(
    ("mutation", "field"),
    [
        (
            'updateNode(sessionId: $s, nodeId: "N001", patch: {label: "xxxxxxxxxxx"}) { version }',
            "label",
        ),
        ('updateNode(sessionId: $s, nodeId: "N001", patch: {label: " "}) { version }', "label"),
        ('updateNode(sessionId: $s, nodeId: "N001", patch: {metadata: 1}) { version }', "metadata"),
        (
            'addComponent(sessionId: $s, nodeId: "N001", component: {type: "t", content: '
            '"123456789"}) { version }',
            "content",
        ),
        (
            'updateSession(id: $s, patch: {metadata: {k: "xxxxxxxxxxxxxxxxxxxx"}}) { id }',
            "metadata",
        ),
        (
            'createRelationship(sessionId: $s, input: {sourceId: "N001", targetId: "N002", '
            'type: "TYPES IS 11"}) { id }',
            "type",
        ),
        (
            'createRelationship(sessionId: $s, input: {sourceId: "N001", targetId: "N002", '
            'type: "T", properties: [1]}) { id }',
            "properties",
        ),
    ],
)
async def test_patches_are_checked_too(gql, session_id, mutation, field):
    error = await gql.error(f"mutation($s: ID!) {{ {mutation} }}", {"s": session_id})
    assert code(error) == "BAD_USER_INPUT", error
    assert error["extensions"]["field"].endswith(field), error
    assert await revision(gql, session_id) == 1


async def test_expected_version_below_one_is_bad_user_input(gql, session_id):
    error = await gql.error(
        'mutation($s: ID!) { updateNode(sessionId: $s, nodeId: "N001", patch: {label: "y"}, '
        "expectedVersion: 0) { version } }",
        {"s": session_id},
    )
    assert code(error) == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == "expectedVersion"


@pytest.mark.parametrize(
    "variables",
    [{"s": ["a list"]}, {"s": None}, {}],
    ids=["wrong-type", "null-for-non-null", "missing-non-null"],
)
async def test_a_variable_that_does_not_coerce_is_bad_user_input(gql, variables):
    error = await gql.error("query($s: ID!) { session(id: $s) { id } }", variables)
    assert code(error) == "BAD_USER_INPUT", error
    assert "$s" in error["message"], error
