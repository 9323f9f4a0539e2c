"""Nodes (CONTRACT.md §4): ids and their assignment, patches, versions, deletes and cascades."""

from __future__ import annotations

import asyncio

import pytest

from tests.factories import make_nodes, make_relationships, make_session
from tests.graphql.helpers import change_list, code, dt, get_node, revision, row_counts

CREATE = """mutation($s: ID!, $input: NodeInput!) {
  createNode(sessionId: $s, input: $input) {
    sessionId nodeId label type metadata version createdAt updatedAt componentCount
    components { position type content properties }
  }
}"""
CREATE_MANY = """mutation($s: ID!, $inputs: [NodeInput!]!) {
  createNodes(sessionId: $s, inputs: $inputs) { nodeId }
}"""
UPDATE = """mutation($s: ID!, $n: String!, $patch: NodePatch!, $v: Int) {
  updateNode(sessionId: $s, nodeId: $n, patch: $patch, expectedVersion: $v) {
    nodeId label type metadata version updatedAt
  }
}"""
DELETE = """mutation($s: ID!, $n: String!) {
  deleteNode(sessionId: $s, nodeId: $n) { deleted nodes components relationships revision }
}"""
DELETE_MANY = """mutation($s: ID!, $ids: [String!]!) {
  deleteNodes(sessionId: $s, nodeIds: $ids) { deleted nodes components relationships revision }
}"""


async def _create(gql, session_id, **input_):
    return (await gql.ok(CREATE, {"s": session_id, "input": input_}))["createNode"]


async def test_create_node_with_components(gql):
    session_id = await make_session(gql)
    node = await _create(
        gql,
        session_id,
        label="Photosynthesis",
        type="process",
        metadata={"tags": ["bio"], "n": 1.5},
        components=[{"type": "text", "content": "a"}, {"type": "formula", "properties": {"x": 1}}],
    )
    assert node["sessionId"] == session_id
    assert node["nodeId"] == "N003"
    assert (node["label"], node["type"], node["metadata"]) == (
        "Photosynthesis",
        "process",
        {"tags": ["bio"], "n": 1.5},
    )
    assert node["version"] == 1
    assert node["createdAt"] == node["updatedAt"]
    assert node["componentCount"] == 2
    assert node["components"] == [
        {"position": 0, "type": "text", "content": "a", "properties": {}},
        {"position": 1, "type": "formula", "content": "", "properties": {"x": 1}},
    ]
    assert await change_list(gql, session_id, since=1) == [(2, "CREATE", "NODE", "N003")]


async def test_create_node_defaults(gql):
    session_id = await make_session(gql)
    node = await _create(gql, session_id, label="x")
    assert (node["type"], node["metadata"], node["components"]) == ("concept", {}, [])


@pytest.mark.parametrize("node_id", ["a", "Z", "7", "a_b.c:d-e", "A" * 64, "N001x", "x" + "-" * 63])
async def test_valid_node_ids_are_accepted(gql, node_id):
    session_id = await make_session(gql)
    assert (await _create(gql, session_id, nodeId=node_id, label="x"))["nodeId"] == node_id


@pytest.mark.parametrize(
    "node_id", ["", "_a", "-a", ".a", ":a", "A" * 65, "a b", "é", "a/b", "a\n", "a#", "\uff41"]
)
async def test_invalid_node_ids_are_bad_user_input(gql, engine, node_id):
    session_id = await make_session(gql)
    error = await gql.error(CREATE, {"s": session_id, "input": {"nodeId": node_id, "label": "x"}})
    assert code(error) == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == "nodeId"
    assert (await row_counts(engine, session_id))["nodes"] == 2


async def test_assigned_ids_continue_after_the_highest_n_number(gql):
    session_id = await make_session(gql)
    assert (await _create(gql, session_id, label="x"))["nodeId"] == "N003"
    await _create(gql, session_id, nodeId="N999", label="x")
    # Ids that are not N<digits> do not count, whatever they look like.
    for other in ("N01a", "n5000", "N", "M2000", "N_3000", "X9999"):
        await _create(gql, session_id, nodeId=other, label="x")
    assert (await _create(gql, session_id, label="x"))["nodeId"] == "N1000"
    assert (await _create(gql, session_id, label="x"))["nodeId"] == "N1001"


async def test_assigned_ids_read_zero_padded_numbers(gql):
    session_id = await make_session(gql, withDefaultNodes=False)
    assert (await _create(gql, session_id, label="x"))["nodeId"] == "N001"
    await _create(gql, session_id, nodeId="N0050", label="x")
    assert (await _create(gql, session_id, label="x"))["nodeId"] == "N051"


async def test_assigned_ids_skip_ids_given_in_the_same_request(gql):
    session_id = await make_session(gql)
    data = await gql.ok(
        CREATE_MANY,
        {
            "s": session_id,
            "inputs": [{"label": "a"}, {"nodeId": "N010", "label": "b"}, {"label": "c"}],
        },
    )
    assert [n["nodeId"] for n in data["createNodes"]] == ["N011", "N010", "N012"]


async def test_existing_node_id_is_duplicate(gql, engine):
    session_id = await make_session(gql)
    error = await gql.error(CREATE, {"s": session_id, "input": {"nodeId": "N001", "label": "x"}})
    assert code(error) == "DUPLICATE"
    error = await gql.error(
        CREATE_MANY,
        {"s": session_id, "inputs": [{"nodeId": "a", "label": "x"}, {"nodeId": "a", "label": "y"}]},
    )
    assert code(error) == "DUPLICATE"
    assert (await row_counts(engine, session_id))["nodes"] == 2
    assert await revision(gql, session_id) == 1


async def test_node_ids_are_case_sensitive(gql):
    session_id = await make_session(gql)
    assert (await _create(gql, session_id, nodeId="n001", label="lower"))["nodeId"] == "n001"
    assert (await get_node(gql, session_id, "n001"))["label"] == "lower"
    assert (await get_node(gql, session_id, "N001"))["label"] == "N001"


async def test_update_node_bumps_version_and_updated_at(gql):
    session_id = await make_session(gql)
    before = await get_node(gql, session_id, "N001")
    data = await gql.ok(
        UPDATE,
        {"s": session_id, "n": "N001", "patch": {"label": "New", "metadata": {"a": 1}}, "v": 1},
    )
    node = data["updateNode"]
    assert (node["label"], node["type"], node["metadata"], node["version"]) == (
        "New",
        "concept",
        {"a": 1},
        2,
    )
    assert dt(node["updatedAt"]) > dt(before["updatedAt"])
    # metadata is replaced as a whole; absent fields stay.
    node = (await gql.ok(UPDATE, {"s": session_id, "n": "N001", "patch": {"metadata": {"b": 2}}}))[
        "updateNode"
    ]
    assert (node["label"], node["metadata"], node["version"]) == ("New", {"b": 2}, 3)
    assert await change_list(gql, session_id, since=1) == [
        (2, "UPDATE", "NODE", "N001"),
        (3, "UPDATE", "NODE", "N001"),
    ]


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ({"a": 1}, {"a": True}),
        ({"a": 0}, {"a": False}),
        ({"a": [1]}, {"a": [True]}),
        ({"a": "1"}, {"a": 1}),
    ],
)
async def test_a_different_json_value_is_a_change(gql, old, new):
    session_id = await make_session(gql)
    await gql.ok(UPDATE, {"s": session_id, "n": "N001", "patch": {"metadata": old}})
    node = (await gql.ok(UPDATE, {"s": session_id, "n": "N001", "patch": {"metadata": new}}))[
        "updateNode"
    ]
    assert node["version"] == 3
    assert (await get_node(gql, session_id, "N001"))["metadata"] == new
    assert repr((await get_node(gql, session_id, "N001"))["metadata"]) == repr(new)


async def test_no_op_patch_bumps_nothing(gql):
    session_id = await make_session(gql)
    await gql.ok(UPDATE, {"s": session_id, "n": "N001", "patch": {"metadata": {"a": 1, "b": [2]}}})
    before = await get_node(gql, session_id, "N001")
    for patch in ({}, {"label": "N001"}, {"type": "concept", "metadata": {"b": [2], "a": 1}}):
        data = await gql.ok(UPDATE, {"s": session_id, "n": "N001", "patch": patch, "v": 2})
        assert data["updateNode"]["version"] == 2
    after = await get_node(gql, session_id, "N001")
    assert after == before
    assert await revision(gql, session_id) == 2
    assert len(await change_list(gql, session_id, since=2)) == 0


async def test_stale_expected_version_conflicts_and_writes_nothing(gql, engine):
    session_id = await make_session(gql)
    await gql.ok(UPDATE, {"s": session_id, "n": "N001", "patch": {"label": "v2"}})
    before = await row_counts(engine, session_id)
    body = await gql(UPDATE, {"s": session_id, "n": "N001", "patch": {"label": "v3"}, "v": 1})
    assert body["data"] is None
    error = body["errors"][0]
    assert code(error) == "VERSION_CONFLICT"
    assert error["extensions"]["currentVersion"] == 2
    node = await get_node(gql, session_id, "N001")
    assert (node["label"], node["version"]) == ("v2", 2)
    assert await revision(gql, session_id) == 2
    assert await row_counts(engine, session_id) == before


async def test_stale_expected_version_conflicts_even_for_a_no_op(gql):
    session_id = await make_session(gql)
    await gql.ok(UPDATE, {"s": session_id, "n": "N001", "patch": {"label": "v2"}})
    error = await gql.error(
        UPDATE, {"s": session_id, "n": "N001", "patch": {"label": "v2"}, "v": 1}
    )
    assert code(error) == "VERSION_CONFLICT"
    assert error["extensions"]["currentVersion"] == 2


async def test_update_of_a_missing_node_is_node_not_found(gql):
    session_id = await make_session(gql)
    error = await gql.error(UPDATE, {"s": session_id, "n": "N404", "patch": {"label": "x"}})
    assert code(error) == "NODE_NOT_FOUND"


async def test_nodes_of_another_session_are_invisible(gql):
    one, two = await make_session(gql), await make_session(gql)
    await _create(gql, one, nodeId="only-in-one", label="x")
    assert await get_node(gql, two, "only-in-one") is None
    error = await gql.error(UPDATE, {"s": two, "n": "only-in-one", "patch": {"label": "y"}})
    assert code(error) == "NODE_NOT_FOUND"
    error = await gql.error(DELETE, {"s": two, "n": "only-in-one"})
    assert code(error) == "NODE_NOT_FOUND"
    assert (await get_node(gql, one, "only-in-one"))["label"] == "x"


async def test_delete_node_cascades_and_logs_relationships_first(gql, engine):
    session_id = await make_session(gql)
    (hub,) = await make_nodes(gql, session_id, 1, components=3)
    rel_ids = await make_relationships(
        gql, session_id, [(hub, "N001"), ("N002", hub), (hub, hub), ("N001", "N002")]
    )
    data = await gql.ok(DELETE, {"s": session_id, "n": hub})
    assert data["deleteNode"] == {
        "deleted": True,
        "nodes": 1,
        "components": 3,
        "relationships": 3,
        "revision": 4,
    }
    log = await change_list(gql, session_id, since=3)
    assert log == [(4, "DELETE", "RELATIONSHIP", rel_id) for rel_id in rel_ids[:3]] + [
        (4, "DELETE", "NODE", hub)
    ]
    counts = await row_counts(engine, session_id)
    assert (counts["nodes"], counts["components"], counts["relationships"]) == (2, 0, 1)


async def test_delete_nodes_logs_each_shared_relationship_once(gql):
    session_id = await make_session(gql)
    (rel_id,) = await make_relationships(gql, session_id, [("N001", "N002")])
    data = await gql.ok(DELETE_MANY, {"s": session_id, "ids": ["N001", "N002"]})
    assert data["deleteNodes"] == {
        "deleted": True,
        "nodes": 2,
        "components": 0,
        "relationships": 1,
        "revision": 3,
    }
    assert await change_list(gql, session_id, since=2) == [
        (3, "DELETE", "RELATIONSHIP", rel_id),
        (3, "DELETE", "NODE", "N001"),
        (3, "DELETE", "NODE", "N002"),
    ]


async def test_delete_nodes_fails_whole_when_one_is_missing(gql, engine):
    session_id = await make_session(gql)
    await make_relationships(gql, session_id, [("N001", "N002")])
    before = await row_counts(engine, session_id)
    body = await gql(DELETE_MANY, {"s": session_id, "ids": ["N001", "missing", "N002"]})
    assert body["data"] is None
    assert code(body["errors"][0]) == "NODE_NOT_FOUND"
    assert await row_counts(engine, session_id) == before
    assert await revision(gql, session_id) == 2


async def test_delete_missing_node_is_node_not_found(gql):
    session_id = await make_session(gql)
    error = await gql.error(DELETE, {"s": session_id, "n": "N404"})
    assert code(error) == "NODE_NOT_FOUND"


async def test_relationship_changes_leave_endpoint_versions_alone(gql):
    session_id = await make_session(gql)
    (rel_id,) = await make_relationships(gql, session_id, [("N001", "N002")])
    await gql.ok(
        "mutation($s: ID!, $id: ID!) { deleteRelationship(sessionId: $s, id: $id) { deleted } }",
        {"s": session_id, "id": rel_id},
    )
    for node_id in ("N001", "N002"):
        node = await get_node(gql, session_id, node_id)
        assert node["version"] == 1
        assert node["updatedAt"] == node["createdAt"]


async def test_later_fields_of_a_mutation_see_its_earlier_writes(gql):
    """Loaders cache per request; a mutation's writes must not leave its later fields stale."""
    session_id = await make_session(gql)
    data = await gql.ok(
        """mutation($s: ID!) {
          a: addComponent(sessionId: $s, nodeId: "N001", component: {type: "t", content: "1"}) {
            componentCount components { content } outgoing { id } }
          r: createRelationship(sessionId: $s,
               input: {sourceId: "N001", targetId: "N002", type: "T"}) { source { label } }
          u: updateNode(sessionId: $s, nodeId: "N001", patch: {label: "new"}) { version }
          b: addComponent(sessionId: $s, nodeId: "N001", component: {type: "t", content: "2"}) {
            componentCount components { content } outgoing { target { nodeId } } }
          r2: createRelationship(sessionId: $s,
               input: {sourceId: "N002", targetId: "N001", type: "T"}) {
            target { label version } }
        }""",
        {"s": session_id},
    )
    assert data["a"] == {"componentCount": 1, "components": [{"content": "1"}], "outgoing": []}
    assert data["b"] == {
        "componentCount": 2,
        "components": [{"content": "1"}, {"content": "2"}],
        "outgoing": [{"target": {"nodeId": "N002"}}],
    }
    assert data["r2"]["target"] == {"label": "new", "version": 4}


async def test_create_nodes_with_an_empty_list_changes_nothing(gql):
    session_id = await make_session(gql)
    data = await gql.ok(CREATE_MANY, {"s": session_id, "inputs": []})
    assert data["createNodes"] == []
    assert await revision(gql, session_id) == 1


async def test_concurrent_creates_get_distinct_ids_and_revisions(gql):
    session_id = await make_session(gql)

    async def create():
        return (await _create(gql, session_id, label="x"))["nodeId"]

    created = await asyncio.gather(*(create() for _ in range(8)))
    assert sorted(created) == [f"N{n:03d}" for n in range(3, 11)]
    assert await revision(gql, session_id) == 9
    assert [entry[0] for entry in await change_list(gql, session_id, since=1)] == list(range(2, 10))
