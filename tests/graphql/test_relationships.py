"""Relationships (CONTRACT.md §4): endpoints, uniqueness, duplicate policies, versions, deletes."""

from __future__ import annotations

import pytest

from tests.factories import make_relationships, make_session
from tests.graphql.helpers import change_list, code, get_node, revision, row_counts

FIELDS = """id sessionId sourceId targetId type weight properties version createdAt updatedAt
  source { nodeId } target { nodeId }"""
CREATE = f"""mutation($s: ID!, $input: RelationshipInput!) {{
  createRelationship(sessionId: $s, input: $input) {{ {FIELDS} }}
}}"""
CREATE_MANY = """mutation($s: ID!, $inputs: [RelationshipInput!]!, $policy: DuplicatePolicy) {
  createRelationships(sessionId: $s, inputs: $inputs, onDuplicate: $policy) {
    id sourceId targetId type weight properties version
  }
}"""
UPDATE = f"""mutation($s: ID!, $id: ID!, $patch: RelationshipPatch!, $v: Int) {{
  updateRelationship(sessionId: $s, id: $id, patch: $patch, expectedVersion: $v) {{ {FIELDS} }}
}}"""
DELETE = """mutation($s: ID!, $id: ID!) {
  deleteRelationship(sessionId: $s, id: $id) { deleted nodes components relationships revision }
}"""
DELETE_MANY = """mutation($s: ID!, $ids: [ID!]!) {
  deleteRelationships(sessionId: $s, ids: $ids) { deleted nodes components relationships revision }
}"""


def rel(source="N001", target="N002", type_="KNOWS", **extra):
    return {"sourceId": source, "targetId": target, "type": type_, **extra}


@pytest.fixture
async def session_id(gql):
    return await make_session(gql)


async def test_create_relationship(gql, session_id):
    data = await gql.ok(
        CREATE, {"s": session_id, "input": rel(weight=0.5, properties={"since": 2020})}
    )
    created = data["createRelationship"]
    assert created["sessionId"] == session_id
    assert (created["sourceId"], created["targetId"], created["type"]) == ("N001", "N002", "KNOWS")
    assert (created["weight"], created["properties"], created["version"]) == (
        0.5,
        {"since": 2020},
        1,
    )
    assert created["source"] == {"nodeId": "N001"}
    assert created["target"] == {"nodeId": "N002"}
    assert created["createdAt"] == created["updatedAt"]
    assert await change_list(gql, session_id, since=1) == [
        (2, "CREATE", "RELATIONSHIP", created["id"])
    ]
    # Creating a relationship leaves its endpoints' versions alone.
    for node_id in ("N001", "N002"):
        assert (await get_node(gql, session_id, node_id))["version"] == 1


async def test_relationship_defaults(gql, session_id):
    created = (await gql.ok(CREATE, {"s": session_id, "input": rel()}))["createRelationship"]
    assert (created["weight"], created["properties"]) == (None, {})


async def test_self_loops_are_allowed(gql, session_id):
    created = (await gql.ok(CREATE, {"s": session_id, "input": rel("N001", "N001")}))[
        "createRelationship"
    ]
    assert created["source"] == created["target"] == {"nodeId": "N001"}


@pytest.mark.parametrize(
    ("source", "target", "field"), [("N404", "N002", "sourceId"), ("N001", "N404", "targetId")]
)
async def test_endpoints_must_exist(gql, session_id, engine, source, target, field):
    error = await gql.error(CREATE, {"s": session_id, "input": rel(source, target)})
    assert code(error) == "NODE_NOT_FOUND"
    assert error["extensions"]["field"] == field
    assert (await row_counts(engine, session_id))["relationships"] == 0


async def test_endpoints_must_be_in_the_same_session(gql, session_id):
    other = await make_session(gql)
    await gql.ok(
        'mutation($s: ID!) { createNode(sessionId: $s, input: {nodeId: "elsewhere", label: "x"}) '
        "{ nodeId } }",
        {"s": other},
    )
    error = await gql.error(CREATE, {"s": session_id, "input": rel("N001", "elsewhere")})
    assert code(error) == "NODE_NOT_FOUND"


async def test_source_target_type_is_unique(gql, session_id):
    await gql.ok(CREATE, {"s": session_id, "input": rel()})
    error = await gql.error(CREATE, {"s": session_id, "input": rel()})
    assert code(error) == "DUPLICATE"
    # Another type or the reverse direction is another relationship.
    await gql.ok(CREATE, {"s": session_id, "input": rel(type_="OTHER")})
    await gql.ok(CREATE, {"s": session_id, "input": rel("N002", "N001")})
    assert await revision(gql, session_id) == 4


async def test_create_relationships_on_duplicate_error_fails_whole(gql, session_id, engine):
    await make_relationships(gql, session_id, [("N001", "N002")], type_="KNOWS")
    before = await row_counts(engine, session_id)
    body = await gql(
        CREATE_MANY, {"s": session_id, "inputs": [rel(type_="NEW"), rel()], "policy": "ERROR"}
    )
    assert body["data"] is None
    assert code(body["errors"][0]) == "DUPLICATE"
    assert await row_counts(engine, session_id) == before
    # The default policy is ERROR; a duplicate within one request is a duplicate too.
    error = await gql.error(
        CREATE_MANY, {"s": session_id, "inputs": [rel(type_="X"), rel(type_="X")]}
    )
    assert code(error) == "DUPLICATE"


async def test_create_relationships_on_duplicate_skip(gql, session_id):
    (existing,) = await make_relationships(gql, session_id, [("N001", "N002")], type_="KNOWS")
    data = await gql.ok(
        CREATE_MANY,
        {
            "s": session_id,
            "inputs": [rel(weight=9.0), rel(type_="NEW", weight=1.0), rel(type_="NEW", weight=2.0)],
            "policy": "SKIP",
        },
    )
    rows = data["createRelationships"]
    assert rows[0]["id"] == existing
    assert (rows[0]["weight"], rows[0]["version"]) == (None, 1)
    assert rows[1]["id"] == rows[2]["id"] != existing
    assert rows[1]["weight"] == 1.0
    assert await change_list(gql, session_id, since=2) == [
        (3, "CREATE", "RELATIONSHIP", rows[1]["id"])
    ]


async def test_create_relationships_on_duplicate_update(gql, session_id):
    (existing,) = await make_relationships(gql, session_id, [("N001", "N002")], type_="KNOWS")
    data = await gql.ok(
        CREATE_MANY,
        {
            "s": session_id,
            "inputs": [rel(weight=9.0, properties={"a": 1}), rel(type_="NEW")],
            "policy": "UPDATE",
        },
    )
    updated, created = data["createRelationships"]
    assert updated["id"] == existing
    assert (updated["weight"], updated["properties"], updated["version"]) == (9.0, {"a": 1}, 2)
    assert created["version"] == 1
    assert sorted(await change_list(gql, session_id, since=2)) == sorted(
        [(3, "CREATE", "RELATIONSHIP", created["id"]), (3, "UPDATE", "RELATIONSHIP", existing)]
    )
    # Identical values again: nothing changes.
    again = await gql.ok(
        CREATE_MANY,
        {"s": session_id, "inputs": [rel(weight=9.0, properties={"a": 1})], "policy": "UPDATE"},
    )
    assert again["createRelationships"][0]["version"] == 2
    assert await revision(gql, session_id) == 3


async def test_update_relationship(gql, session_id):
    (rel_id,) = await make_relationships(gql, session_id, [("N001", "N002")])
    data = await gql.ok(
        UPDATE,
        {"s": session_id, "id": rel_id, "patch": {"weight": 2.5, "properties": {"x": 1}}, "v": 1},
    )
    updated = data["updateRelationship"]
    assert (updated["weight"], updated["properties"], updated["version"]) == (2.5, {"x": 1}, 2)
    assert updated["updatedAt"] > updated["createdAt"]
    data = await gql.ok(UPDATE, {"s": session_id, "id": rel_id, "patch": {"type": "RENAMED"}})
    assert (data["updateRelationship"]["type"], data["updateRelationship"]["weight"]) == (
        "RENAMED",
        2.5,
    )
    # An explicit null clears the weight; an absent weight stays.
    data = await gql.ok(UPDATE, {"s": session_id, "id": rel_id, "patch": {"weight": None}})
    assert data["updateRelationship"]["weight"] is None
    assert data["updateRelationship"]["version"] == 4
    assert await change_list(gql, session_id, since=2) == [
        (3, "UPDATE", "RELATIONSHIP", rel_id),
        (4, "UPDATE", "RELATIONSHIP", rel_id),
        (5, "UPDATE", "RELATIONSHIP", rel_id),
    ]
    for node_id in ("N001", "N002"):
        assert (await get_node(gql, session_id, node_id))["version"] == 1


async def test_update_relationship_no_op_and_conflicts(gql, session_id, engine):
    (rel_id,) = await make_relationships(gql, session_id, [("N001", "N002")])
    data = await gql.ok(
        UPDATE, {"s": session_id, "id": rel_id, "patch": {"type": "RELATES_TO", "weight": None}}
    )
    assert data["updateRelationship"]["version"] == 1
    assert await revision(gql, session_id) == 2
    error = await gql.error(UPDATE, {"s": session_id, "id": rel_id, "patch": {}, "v": 2})
    assert code(error) == "VERSION_CONFLICT"
    assert error["extensions"]["currentVersion"] == 1
    await make_relationships(gql, session_id, [("N001", "N002")], type_="TAKEN")
    before = await row_counts(engine, session_id)
    error = await gql.error(UPDATE, {"s": session_id, "id": rel_id, "patch": {"type": "TAKEN"}})
    assert code(error) == "DUPLICATE"
    assert await row_counts(engine, session_id) == before


async def test_relationship_properties_must_be_an_object(gql, session_id):
    error = await gql.error(CREATE, {"s": session_id, "input": rel(properties="text")})
    assert code(error) == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == "properties"


@pytest.mark.parametrize("mutation", ["update", "delete", "delete_many"])
async def test_relationship_of_another_session_is_not_found(gql, session_id, engine, mutation):
    (rel_id,) = await make_relationships(gql, session_id, [("N001", "N002")])
    other = await make_session(gql)
    await make_relationships(gql, other, [("N001", "N002")])
    query, variables = {
        "update": (UPDATE, {"s": other, "id": rel_id, "patch": {"weight": 1.0}}),
        "delete": (DELETE, {"s": other, "id": rel_id}),
        "delete_many": (DELETE_MANY, {"s": other, "ids": [rel_id]}),
    }[mutation]
    error = await gql.error(query, variables)
    assert code(error) == "RELATIONSHIP_NOT_FOUND"
    assert (await row_counts(engine, session_id))["relationships"] == 1


@pytest.mark.parametrize("bad", ["abc", "0", "-1", "01", "1.0", "99999999999999999999999"])
async def test_unknown_relationship_ids_are_not_found(gql, session_id, bad):
    await make_relationships(gql, session_id, [("N001", "N002")])
    error = await gql.error(DELETE, {"s": session_id, "id": bad})
    assert code(error) == "RELATIONSHIP_NOT_FOUND"


async def test_delete_relationship(gql, session_id, engine):
    (rel_id,) = await make_relationships(gql, session_id, [("N001", "N002")])
    data = await gql.ok(DELETE, {"s": session_id, "id": rel_id})
    assert data["deleteRelationship"] == {
        "deleted": True,
        "nodes": 0,
        "components": 0,
        "relationships": 1,
        "revision": 3,
    }
    assert await change_list(gql, session_id, since=2) == [(3, "DELETE", "RELATIONSHIP", rel_id)]
    assert (await row_counts(engine, session_id))["nodes"] == 2
    error = await gql.error(DELETE, {"s": session_id, "id": rel_id})
    assert code(error) == "RELATIONSHIP_NOT_FOUND"


async def test_delete_relationships_fails_whole_when_one_is_missing(gql, session_id, engine):
    ids = await make_relationships(gql, session_id, [("N001", "N002"), ("N002", "N001")])
    before = await row_counts(engine, session_id)
    body = await gql(DELETE_MANY, {"s": session_id, "ids": [ids[0], "999", ids[1]]})
    assert body["data"] is None
    assert code(body["errors"][0]) == "RELATIONSHIP_NOT_FOUND"
    assert await row_counts(engine, session_id) == before
    data = await gql.ok(DELETE_MANY, {"s": session_id, "ids": ids})
    assert data["deleteRelationships"]["relationships"] == 2
    assert data["deleteRelationships"]["revision"] == 3
