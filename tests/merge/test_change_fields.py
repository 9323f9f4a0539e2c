"""Change.fields is exact on every write path: GraphQL mutations, REST, autoSave, CSV UPSERT.

An UPDATE names the fields it changed (canonical order); CREATE and DELETE have
null fields; a request records one Change per entity whose fields are the union
of what its writes changed.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.autosave.wsclient import graphql_ws
from tests.factories import make_relationships, make_session
from tests.merge.helpers import changes_since, last_change, save
from tests.rest.helpers import ok

UPDATE_NODE = """mutation($s: ID!, $n: String!, $p: NodePatch!) {
  updateNode(sessionId: $s, nodeId: $n, patch: $p) { version }
}"""
ADD = """mutation($s: ID!, $n: String!) {
  addComponent(sessionId: $s, nodeId: $n, component: {type: "text", content: "x"}) {
    components { id } }
}"""
CSV = """mutation($s: ID!, $n: String, $r: String) {
  importCsv(sessionId: $s, nodesCsv: $n, relationshipsCsv: $r, options: {mode: UPSERT}) {
    nodesUpdated relationshipsUpdated }
}"""


async def _revision(gql: Any, session_id: str) -> int:
    data = await gql.ok("query($s: ID!) { session(id: $s) { revision } }", {"s": session_id})
    value: int = data["session"]["revision"]
    return value


@pytest.mark.parametrize(
    ("patch", "fields"),
    [
        ({"label": "Glucose"}, ["label"]),
        ({"type": "molecule", "label": "Glucose"}, ["label", "type"]),
        ({"metadata": {"a": 1}}, ["metadata"]),
        ({"label": "N001", "metadata": {"a": 1}}, ["metadata"]),  # the label is as it was
    ],
)
async def test_update_node_names_exactly_the_changed_fields(gql, patch, fields):
    session_id = await make_session(gql)
    await gql.ok(UPDATE_NODE, {"s": session_id, "n": "N001", "p": patch})
    assert await last_change(gql, session_id) == ("UPDATE", "NODE", "N001", fields)


async def test_create_and_delete_have_no_fields(gql):
    session_id = await make_session(gql)
    assert await changes_since(gql, session_id, 0) == [
        ("CREATE", "SESSION", session_id, None),
        ("CREATE", "NODE", "N001", None),
        ("CREATE", "NODE", "N002", None),
    ]
    await gql.ok(
        'mutation($s: ID!) { deleteNode(sessionId: $s, nodeId: "N002") { deleted } }',
        {"s": session_id},
    )
    assert await last_change(gql, session_id) == ("DELETE", "NODE", "N002", None)


async def test_every_component_mutation_names_components(gql):
    session_id = await make_session(gql)
    data = await gql.ok(ADD, {"s": session_id, "n": "N001"})
    first = data["addComponent"]["components"][0]["id"]
    await gql.ok(ADD, {"s": session_id, "n": "N001"})
    steps = [
        f'updateComponent(sessionId: $s, componentId: "{first}", patch: {{content: "y"}})',
        f'moveComponent(sessionId: $s, componentId: "{first}", toPosition: 1)',
        f'removeComponent(sessionId: $s, componentId: "{first}")',
        'setComponents(sessionId: $s, nodeId: "N001", components: [{type: "t"}])',
    ]
    for step in steps:
        before = await _revision(gql, session_id)
        await gql.ok(f"mutation($s: ID!) {{ {step} {{ version }} }}", {"s": session_id})
        assert await changes_since(gql, session_id, before) == [
            ("UPDATE", "NODE", "N001", ["components"])
        ], step


async def test_one_request_records_the_union_of_its_writes(gql):
    session_id = await make_session(gql)
    before = await _revision(gql, session_id)
    # Set back to the original within the request: label stays listed (documented choice).
    await gql.ok(
        """mutation($s: ID!) {
          a: updateNode(sessionId: $s, nodeId: "N001", patch: {label: "X"}) { version }
          b: addComponent(sessionId: $s, nodeId: "N001", component: {type: "t"}) { version }
          c: updateNode(sessionId: $s, nodeId: "N001", patch: {label: "N001"}) { version }
        }""",
        {"s": session_id},
    )
    assert await changes_since(gql, session_id, before) == [
        ("UPDATE", "NODE", "N001", ["label", "components"])
    ]


async def test_relationship_updates_name_their_fields(gql):
    session_id = await make_session(gql)
    (rel_id,) = await make_relationships(gql, session_id, [("N001", "N002")])
    for patch, fields in (
        ("{weight: 2.5}", ["weight"]),
        ('{type: "OTHER", properties: {k: 1}}', ["type", "properties"]),
        ('{type: "OTHER", weight: 2.5, properties: {k: 2}}', ["properties"]),
    ):
        await gql.ok(
            f'mutation($s: ID!) {{ updateRelationship(sessionId: $s, id: "{rel_id}", '
            f"patch: {patch}) {{ version }} }}",
            {"s": session_id},
        )
        assert await last_change(gql, session_id) == ("UPDATE", "RELATIONSHIP", rel_id, fields)
    await gql.ok(
        """mutation($s: ID!) { createRelationships(sessionId: $s, onDuplicate: UPDATE,
          inputs: [{sourceId: "N001", targetId: "N002", type: "OTHER", weight: 7,
                    properties: {k: 2}}]) { id } }""",
        {"s": session_id},
    )
    assert await last_change(gql, session_id) == ("UPDATE", "RELATIONSHIP", rel_id, ["weight"])


async def test_rest_writes_name_their_fields(client, gql):
    session_id = await make_session(gql)
    base = f"/session/{session_id}"
    ok(await client.patch(f"{base}/nodes/N001", json={"label": "L", "metadata": {"m": 1}}))
    assert await last_change(gql, session_id) == ("UPDATE", "NODE", "N001", ["label", "metadata"])
    ok(
        await client.put(
            f"{base}/nodes/N001/components", json={"components": [{"type": "t", "content": "c"}]}
        )
    )
    assert await last_change(gql, session_id) == ("UPDATE", "NODE", "N001", ["components"])
    body = {"component": {"type": "t"}}
    ok(await client.post(f"{base}/nodes/N001/components", json=body), 201)
    assert await last_change(gql, session_id) == ("UPDATE", "NODE", "N001", ["components"])
    (rel_id,) = await make_relationships(gql, session_id, [("N001", "N002")])
    ok(await client.patch(f"{base}/relationships/{rel_id}", json={"weight": 1.0}))
    assert await last_change(gql, session_id) == ("UPDATE", "RELATIONSHIP", rel_id, ["weight"])


async def test_autosave_names_the_fields_it_changed(gql):
    session_id = await make_session(gql)
    (rel_id,) = await make_relationships(gql, session_id, [("N001", "N002")])
    before = await _revision(gql, session_id)
    result = await save(
        gql,
        session_id,
        saveId="s1",
        nodes=[
            {"nodeId": "N001", "label": "N001", "type": "t2", "components": [{"type": "x"}]},
            {"nodeId": "N002", "label": "Two", "metadata": {}},  # metadata as it was
        ],
        relationships=[
            {"id": rel_id, "sourceId": "N001", "targetId": "N002", "type": "RELATES_TO",
             "weight": None, "properties": {"p": 1}},
        ],
    )  # fmt: skip
    assert result["status"] == "SAVED"
    assert await changes_since(gql, session_id, before) == [
        ("UPDATE", "NODE", "N001", ["type", "components"]),
        ("UPDATE", "NODE", "N002", ["label"]),
        ("UPDATE", "RELATIONSHIP", rel_id, ["properties"]),
    ]


async def test_csv_upsert_names_the_fields_each_row_changed(gql):
    session_id = await make_session(gql)
    (rel_id,) = await make_relationships(gql, session_id, [("N001", "N002")])
    before = await _revision(gql, session_id)
    nodes_csv = (
        "node_id,label,type,components\n"
        'N001,N001,concept,"[{""type"": ""t"", ""content"": ""c""}]"\n'
        "N002,Renamed,concept,\n"
        "N003,New,concept,\n"
    )
    rels_csv = "source,target,type,weight\nN001,N002,RELATES_TO,3\n"
    data = await gql.ok(CSV, {"s": session_id, "n": nodes_csv, "r": rels_csv})
    assert data["importCsv"] == {"nodesUpdated": 2, "relationshipsUpdated": 1}
    assert await changes_since(gql, session_id, before) == [
        ("UPDATE", "NODE", "N001", ["components"]),
        ("UPDATE", "NODE", "N002", ["label"]),
        ("CREATE", "NODE", "N003", None),
        ("UPDATE", "RELATIONSHIP", rel_id, ["weight"]),
    ]
    # The file has a metadata column: metadata is replaced as a whole, and named when it differs.
    before = await _revision(gql, session_id)
    await gql.ok(CSV, {"s": session_id, "n": 'node_id,metadata\nN003,"{""k"": 1}"\nN002,{}\n'})
    assert await changes_since(gql, session_id, before) == [
        ("UPDATE", "NODE", "N003", ["metadata"])
    ]


async def test_the_live_feed_carries_the_fields(live_server, settings):
    """sessionChanges (replay and live) gives each UPDATE its fields, as changes() does."""
    async with live_server(settings) as server:
        session_id = await make_session(server.gql)
        await server.gql.ok(UPDATE_NODE, {"s": session_id, "n": "N001", "p": {"label": "A"}})
        async with graphql_ws(server.url) as ws:
            await ws.subscribe(
                "subscription($s: ID!, $r: Int) { sessionChanges(sessionId: $s, "
                "sinceRevision: $r) { revision op key fields } }",
                {"s": session_id, "r": 1},
            )
            replayed = await ws.next_change()
            await save(server.gql, session_id, saveId="s", nodes=[{"nodeId": "N002", "type": "t"}])
            live = await ws.next_change()
        assert (replayed["key"], replayed["fields"]) == ("N001", ["label"])
        assert (live["key"], live["fields"]) == ("N002", ["type"])
