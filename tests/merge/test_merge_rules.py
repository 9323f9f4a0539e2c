"""autoSave onConflict MERGE (CONTRACT.md §6), rule by rule, through GraphQL.

A stale expectedVersion conflicts only on fields the change sets, that the
change log shows the server changed after that version, and whose current
value differs from the one the change sets. Anything else applies, leaving the
fields the change does not set as the server has them.
"""

from __future__ import annotations

from typing import Any

from tests.factories import make_relationships, make_session
from tests.merge.helpers import node, save

UPDATE_NODE = """mutation($s: ID!, $n: String!, $p: NodePatch!) {
  updateNode(sessionId: $s, nodeId: $n, patch: $p) { version }
}"""


async def _server_sets(gql: Any, session_id: str, node_id: str = "N001", **patch: Any) -> None:
    await gql.ok(UPDATE_NODE, {"s": session_id, "n": node_id, "p": patch})


async def test_different_fields_both_kept(gql):
    session_id = await make_session(gql)
    await _server_sets(gql, session_id, label="Glucose")  # v2
    result = await save(
        gql, session_id, saveId="a", onConflict="MERGE",
        nodes=[{"nodeId": "N001", "type": "molecule", "expectedVersion": 1}],
    )  # fmt: skip
    assert result["status"] == "SAVED"
    assert result["conflicts"] == []
    now = await node(gql, session_id, "N001")
    assert (now["label"], now["type"], now["version"]) == ("Glucose", "molecule", 3)


async def test_same_field_other_value_conflicts_and_writes_nothing(gql):
    session_id = await make_session(gql)
    await _server_sets(gql, session_id, label="Glucose", metadata={"a": 1})  # v2
    result = await save(
        gql, session_id, saveId="a", onConflict="MERGE",
        nodes=[
            {"nodeId": "N001", "label": "Fructose", "type": "sugar", "expectedVersion": 1},
            {"nodeId": "N002", "label": "Fine"},
        ],
    )  # fmt: skip
    assert result["status"] == "CONFLICT"
    (conflict,) = result["conflicts"]
    assert conflict["key"] == "N001"
    assert conflict["fields"] == ["label"]  # type was not changed on the server
    assert (conflict["expectedVersion"], conflict["currentVersion"]) == (1, 2)
    assert conflict["node"] == {"label": "Glucose", "version": 2}
    assert (await node(gql, session_id, "N002"))["label"] == "N002"  # nothing written
    # The saveId was not consumed: the same id with another payload saves.
    again = await save(
        gql, session_id, saveId="a", onConflict="MERGE",
        nodes=[{"nodeId": "N001", "label": "Fructose", "expectedVersion": 2}],
    )  # fmt: skip
    assert again["status"] == "SAVED"


async def test_same_field_same_value_is_no_conflict(gql):
    session_id = await make_session(gql)
    await _server_sets(gql, session_id, label="Glucose")
    result = await save(
        gql, session_id, saveId="a", onConflict="MERGE",
        nodes=[{"nodeId": "N001", "label": "Glucose", "metadata": {"m": 1}, "expectedVersion": 1}],
    )  # fmt: skip
    assert result["status"] == "SAVED"
    now = await node(gql, session_id, "N001")
    assert (now["label"], now["metadata"]) == ("Glucose", {"m": 1})


async def test_a_field_changed_before_the_version_does_not_conflict(gql):
    session_id = await make_session(gql)
    await _server_sets(gql, session_id, label="Old")  # v2: the client saw this
    await _server_sets(gql, session_id, type="t")  # v3: after the client's version
    result = await save(
        gql, session_id, saveId="a", onConflict="MERGE",
        nodes=[{"nodeId": "N001", "label": "Mine", "expectedVersion": 2}],
    )  # fmt: skip
    assert result["status"] == "SAVED"
    now = await node(gql, session_id, "N001")
    assert (now["label"], now["type"]) == ("Mine", "t")


async def test_components_are_one_field(gql):
    session_id = await make_session(gql)
    await gql.ok(
        """mutation($s: ID!) { addComponent(sessionId: $s, nodeId: "N001",
           component: {type: "text", content: "server"}) { version } }""",
        {"s": session_id},
    )
    mine = [{"type": "text", "content": "mine"}]
    result = await save(
        gql, session_id, saveId="a", onConflict="MERGE",
        nodes=[{"nodeId": "N001", "components": mine, "expectedVersion": 1}],
    )  # fmt: skip
    assert result["status"] == "CONFLICT"
    assert result["conflicts"][0]["fields"] == ["components"]
    result = await save(
        gql, session_id, saveId="b", onConflict="MERGE",
        nodes=[{"nodeId": "N001", "label": "L", "expectedVersion": 1}],
    )  # fmt: skip
    assert result["status"] == "SAVED"
    assert result["nodes"][0]["components"][0]["content"] == "server"


async def test_reject_names_every_field_the_change_sets(gql):
    session_id = await make_session(gql)
    await _server_sets(gql, session_id, label="Glucose")
    result = await save(
        gql, session_id, saveId="a",
        nodes=[{"nodeId": "N001", "type": "t", "metadata": {}, "expectedVersion": 1}],
    )  # fmt: skip
    assert result["status"] == "CONFLICT"
    assert result["conflicts"][0]["fields"] == ["type", "metadata"]


async def test_a_node_deleted_on_the_server_conflicts_under_merge(gql):
    session_id = await make_session(gql)
    await gql.ok(
        'mutation($s: ID!) { deleteNode(sessionId: $s, nodeId: "N002") { deleted } }',
        {"s": session_id},
    )
    result = await save(
        gql, session_id, saveId="a", onConflict="MERGE",
        nodes=[{"nodeId": "N002", "label": "Back", "expectedVersion": 1}],
    )  # fmt: skip
    assert result["status"] == "CONFLICT"
    (conflict,) = result["conflicts"]
    assert (conflict["node"], conflict["currentVersion"], conflict["fields"]) == (
        None, None, ["label"],
    )  # fmt: skip


async def test_a_node_deleted_and_created_again_counts_as_changed_everywhere(gql):
    session_id = await make_session(gql)
    for version in range(3):  # N002 at version 4
        await _server_sets(gql, session_id, "N002", label=f"v{version}")
    await gql.ok(
        'mutation($s: ID!) { deleteNode(sessionId: $s, nodeId: "N002") { deleted } }',
        {"s": session_id},
    )
    await gql.ok(
        """mutation($s: ID!) { createNode(sessionId: $s,
           input: {nodeId: "N002", label: "Reborn"}) { version } }""",
        {"s": session_id},
    )
    result = await save(
        gql, session_id, saveId="a", onConflict="MERGE",
        nodes=[{"nodeId": "N002", "label": "Mine", "expectedVersion": 4}],
    )  # fmt: skip
    assert result["conflicts"][0]["fields"] == ["label"]


async def test_relationship_fields_merge(gql):
    session_id = await make_session(gql)
    (rel_id,) = await make_relationships(gql, session_id, [("N001", "N002")])
    await gql.ok(
        f'mutation($s: ID!) {{ updateRelationship(sessionId: $s, id: "{rel_id}", '
        "patch: {weight: 2}) { version } }",
        {"s": session_id},
    )
    change = {"id": rel_id, "sourceId": "N001", "targetId": "N002", "type": "RELATES_TO",
              "expectedVersion": 1}  # fmt: skip
    result = await save(
        gql, session_id, saveId="a", onConflict="MERGE",
        relationships=[{**change, "properties": {"p": 1}}],
    )  # fmt: skip
    assert result["status"] == "SAVED"
    (rel,) = result["relationships"]
    assert (rel["weight"], rel["properties"], rel["version"]) == (2.0, {"p": 1}, 3)
    result = await save(
        gql, session_id, saveId="b", onConflict="MERGE",
        relationships=[{**change, "weight": 5}],
    )  # fmt: skip
    assert result["status"] == "CONFLICT"
    assert result["conflicts"][0]["fields"] == ["weight"]
    assert result["conflicts"][0]["key"] == rel_id


async def test_replayed_under_merge(gql):
    session_id = await make_session(gql)
    await _server_sets(gql, session_id, label="Glucose")
    payload = {"saveId": "a", "onConflict": "MERGE",
               "nodes": [{"nodeId": "N001", "type": "t", "expectedVersion": 1}]}  # fmt: skip
    first = await save(gql, session_id, **payload)
    again = await save(gql, session_id, **payload)
    assert (first["status"], again["status"]) == ("SAVED", "REPLAYED")
    assert again["revision"] == first["revision"]
    assert again["nodes"][0]["version"] == first["nodes"][0]["version"] == 3


async def test_merge_without_a_stale_version_is_a_plain_save(gql):
    session_id = await make_session(gql)
    result = await save(
        gql, session_id, saveId="a", onConflict="MERGE",
        nodes=[{"nodeId": "N001", "label": "L", "expectedVersion": 1}, {"nodeId": "N009"}],
    )  # fmt: skip
    assert result["status"] == "SAVED"
    assert [(n["nodeId"], n["version"]) for n in result["nodes"]] == [("N001", 2), ("N009", 1)]


async def test_a_relationship_deleted_on_the_server_conflicts_under_merge(gql):
    session_id = await make_session(gql)
    (rel_id,) = await make_relationships(gql, session_id, [("N001", "N002")])
    await gql.ok(
        f'mutation($s: ID!) {{ deleteRelationship(sessionId: $s, id: "{rel_id}") {{ deleted }} }}',
        {"s": session_id},
    )
    result = await save(
        gql, session_id, saveId="a", onConflict="MERGE",
        relationships=[{"id": rel_id, "sourceId": "N001", "targetId": "N002",
                        "type": "RELATES_TO", "weight": 3, "expectedVersion": 1}],
    )  # fmt: skip
    assert result["status"] == "CONFLICT"
    (conflict,) = result["conflicts"]
    assert (conflict["kind"], conflict["key"], conflict["currentVersion"]) == (
        "RELATIONSHIP", rel_id, None,
    )  # fmt: skip
    assert conflict["fields"] == ["type", "weight"]
