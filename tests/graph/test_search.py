"""Session.search (CONTRACT.md §12): every write path keeps the index, in the next request.

Each write path (GraphQL mutations, REST, autoSave, CSV import through GraphQL and
REST, component edits, deletes, session delete) is followed by a search that must find
the new words and no longer find the old ones. Then the rules: all words in one
document (label or one component), prefixes, ranking, types, first, isolation, errors.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import make_session
from tests.graphql.helpers import code

SEARCH = """query($s: ID!, $q: String!, $first: Int, $types: [String!]) {
  session(id: $s) { search(query: $q, first: $first, types: $types) {
    node { nodeId label } score matchedIn } }
}"""
CREATE = """mutation($s: ID!, $inputs: [NodeInput!]!) {
  createNodes(sessionId: $s, inputs: $inputs) { nodeId components { id } }
}"""


async def found(gql: Any, session_id: str, query: str, **args: Any) -> list[str]:
    data = await gql.ok(SEARCH, {"s": session_id, "q": query, **args})
    return [hit["node"]["nodeId"] for hit in data["session"]["search"]]


async def hits(gql: Any, session_id: str, query: str, **args: Any) -> list[dict[str, Any]]:
    data = await gql.ok(SEARCH, {"s": session_id, "q": query, **args})
    return [
        {"nodeId": h["node"]["nodeId"], "score": h["score"], "matchedIn": h["matchedIn"]}
        for h in data["session"]["search"]
    ]


async def create(gql: Any, session_id: str, *inputs: dict[str, Any]) -> dict[str, Any]:
    data = await gql.ok(CREATE, {"s": session_id, "inputs": list(inputs)})
    return {node["nodeId"]: node for node in data["createNodes"]}


def comp(content: str) -> dict[str, str]:
    return {"type": "text", "content": content}


# ---------------------------------------------------------------- every write path


async def test_graphql_create_rename_and_delete(gql):
    s = await make_session(gql)
    assert await found(gql, s, "aardvark") == []
    await create(gql, s, {"nodeId": "a", "label": "Aardvark notes"})
    assert await found(gql, s, "aardvark") == ["a"]
    await gql.ok(
        'mutation($s: ID!) { updateNode(sessionId: $s, nodeId: "a", patch: {label: "Badger"}) '
        "{ version } }",
        {"s": s},
    )
    assert await found(gql, s, "aardvark") == []
    assert await found(gql, s, "badger") == ["a"]
    await gql.ok(
        'mutation($s: ID!) { deleteNode(sessionId: $s, nodeId: "a") { deleted } }', {"s": s}
    )
    assert await found(gql, s, "badger") == []


async def test_every_component_mutation(gql):
    s = await make_session(gql)
    created = await create(gql, s, {"nodeId": "a", "label": "x", "components": [comp("alpha")]})
    [first] = created["a"]["components"]
    assert await found(gql, s, "alpha") == ["a"]
    await gql.ok(
        "mutation($s: ID!, $c: ID!) { updateComponent(sessionId: $s, componentId: $c, "
        'patch: {content: "beta"}) { version } }',
        {"s": s, "c": first["id"]},
    )
    assert (await found(gql, s, "alpha"), await found(gql, s, "beta")) == ([], ["a"])
    await gql.ok(
        'mutation($s: ID!) { addComponent(sessionId: $s, nodeId: "a", '
        'component: {type: "t", content: "gamma"}) { version } }',
        {"s": s},
    )
    assert await found(gql, s, "gamma") == ["a"]
    await gql.ok(
        "mutation($s: ID!, $c: ID!) { removeComponent(sessionId: $s, componentId: $c) "
        "{ version } }",
        {"s": s, "c": first["id"]},
    )
    assert (await found(gql, s, "beta"), await found(gql, s, "gamma")) == ([], ["a"])
    await gql.ok(
        'mutation($s: ID!) { setComponents(sessionId: $s, nodeId: "a", '
        'components: [{type: "t", content: "delta"}]) { version } }',
        {"s": s},
    )
    assert (await found(gql, s, "gamma"), await found(gql, s, "delta")) == ([], ["a"])


async def test_rest_create_patch_components_and_delete(client, gql):
    s = await make_session(gql)
    response = await client.post(
        f"/session/{s}/nodes", json={"node_id": "r", "label": "Rest kestrel"}
    )
    assert response.status_code == 201, response.text
    assert await found(gql, s, "kestrel") == ["r"]
    response = await client.patch(f"/session/{s}/nodes/r", json={"label": "Rest osprey"})
    assert response.status_code == 200, response.text
    assert (await found(gql, s, "kestrel"), await found(gql, s, "osprey")) == ([], ["r"])
    response = await client.put(
        f"/session/{s}/nodes/r/components",
        json={"components": [{"type": "t", "content": "heron"}]},
    )
    assert response.status_code == 200, response.text
    assert await found(gql, s, "heron") == ["r"]
    response = await client.delete(f"/session/{s}/nodes/r")
    assert response.status_code == 200, response.text
    assert (await found(gql, s, "osprey"), await found(gql, s, "heron")) == ([], [])


async def test_autosave_creates_changes_and_deletes(gql):
    s = await make_session(gql)
    save = """mutation($s: ID!, $input: AutoSaveInput!) {
      autoSave(sessionId: $s, input: $input) { status } }"""
    node = {"nodeId": "k", "label": "Kiwi", "components": [comp("plover")]}
    await gql.ok(save, {"s": s, "input": {"saveId": "1", "nodes": [node]}})
    assert (await found(gql, s, "kiwi"), await found(gql, s, "plover")) == (["k"], ["k"])
    node = {"nodeId": "k", "label": "Weka", "components": [comp("stilt")]}
    await gql.ok(save, {"s": s, "input": {"saveId": "2", "nodes": [node]}})
    assert await found(gql, s, "kiwi plover") == []
    assert (await found(gql, s, "weka"), await found(gql, s, "stilt")) == (["k"], ["k"])
    await gql.ok(save, {"s": s, "input": {"saveId": "3", "deleteNodeIds": ["k"]}})
    assert await found(gql, s, "weka") == []


async def test_csv_import_graphql_upsert_replace_and_rest(gql, client):
    s = await make_session(gql)
    imported = """mutation($s: ID!, $n: String, $options: ImportOptions) {
      importCsv(sessionId: $s, nodesCsv: $n, options: $options) { nodesCreated } }"""
    nodes_csv = 'node_id,label,components\nc1,Condor,"[{""type"":""t"",""content"":""vulture""}]"\n'
    await gql.ok(imported, {"s": s, "n": nodes_csv})
    assert (await found(gql, s, "condor"), await found(gql, s, "vulture")) == (["c1"], ["c1"])
    await gql.ok(
        imported, {"s": s, "n": "node_id,label\nc1,Falcon\n", "options": {"mode": "UPSERT"}}
    )
    assert (await found(gql, s, "condor"), await found(gql, s, "falcon")) == ([], ["c1"])
    assert await found(gql, s, "vulture") == ["c1"]  # UPSERT keeps components it was not given
    await gql.ok(
        imported, {"s": s, "n": "node_id,label\nc2,Eagle\n", "options": {"mode": "REPLACE"}}
    )
    assert (await found(gql, s, "falcon"), await found(gql, s, "eagle")) == ([], ["c2"])
    response = await client.post(
        f"/session/{s}/bulk/import",
        files={"nodes": ("nodes.csv", b"node_id,label\nc3,Buzzard\n", "text/csv")},
    )
    assert response.status_code == 200, response.text
    assert await found(gql, s, "buzzard") == ["c3"]


async def test_deletes_of_many_nodes_and_of_the_session(gql, client):
    s = await make_session(gql)
    await create(gql, s, *({"nodeId": f"n{i}", "label": f"Heron {i}"} for i in range(3)))
    await gql.ok(
        'mutation($s: ID!) { deleteNodes(sessionId: $s, nodeIds: ["n0", "n1"]) { deleted } }',
        {"s": s},
    )
    assert await found(gql, s, "heron") == ["n2"]
    await gql.ok("mutation($s: ID!) { deleteSession(id: $s) { deleted } }", {"s": s})
    other = await make_session(gql)
    assert await found(gql, other, "heron") == []


async def test_a_rolled_back_request_leaves_the_index_as_it_was(gql):
    s = await make_session(gql)
    await create(gql, s, {"nodeId": "a", "label": "Ibis"})
    error = await gql.error(
        'mutation($s: ID!) { r: updateNode(sessionId: $s, nodeId: "a", patch: {label: "Stork"}) '
        '{ version } f: updateNode(sessionId: $s, nodeId: "missing", patch: {label: "x"}) '
        "{ version } }",
        {"s": s},
    )
    assert code(error) == "NODE_NOT_FOUND"
    assert (await found(gql, s, "ibis"), await found(gql, s, "stork")) == (["a"], [])


# ---------------------------------------------------------------- the rules


async def test_all_words_in_the_label_or_in_one_component(gql):
    s = await make_session(gql)
    await create(
        gql,
        s,
        {"nodeId": "label", "label": "red fox", "components": [comp("other")]},
        {"nodeId": "one", "label": "x", "components": [comp("the fox is red")]},
        {"nodeId": "two", "label": "x", "components": [comp("red"), comp("fox")]},
        {"nodeId": "mixed", "label": "red", "components": [comp("fox")]},
    )
    assert await found(gql, s, "red fox") == ["label", "one"]
    assert await found(gql, s, "FOX, RED!") == ["label", "one"]
    assert await found(gql, s, "fox") == ["label", "mixed", "one", "two"]


async def test_label_matches_rank_above_component_matches_then_node_id(gql):
    s = await make_session(gql)
    await create(
        gql,
        s,
        {"nodeId": "c", "label": "x", "components": [comp("owl")]},
        {"nodeId": "b", "label": "Owl", "components": [comp("owl")]},
        {"nodeId": "a", "label": "x", "components": [comp("owl")]},
        {"nodeId": "d", "label": "owl"},
    )
    assert await hits(gql, s, "owl") == [
        {"nodeId": "b", "score": 3.0, "matchedIn": ["label", "components"]},
        {"nodeId": "d", "score": 2.0, "matchedIn": ["label"]},
        {"nodeId": "a", "score": 1.0, "matchedIn": ["components"]},
        {"nodeId": "c", "score": 1.0, "matchedIn": ["components"]},
    ]


async def test_prefix_words(gql):
    s = await make_session(gql)
    await create(
        gql,
        s,
        {"nodeId": "a", "label": "graphical"},
        {"nodeId": "b", "label": "graph theory"},
        {"nodeId": "c", "label": "paragraph"},
    )
    assert await found(gql, s, "graph") == ["b"]
    assert await found(gql, s, "graph*") == ["a", "b"]
    assert await found(gql, s, "GRA* theo*") == ["b"]


async def test_words_are_letters_and_digits_of_any_script(gql):
    s = await make_session(gql)
    await create(
        gql,
        s,
        {"nodeId": "a", "label": "Café Straße", "components": [comp("hindi: हिन्दी; 日本語")]},
        {"nodeId": "b", "label": "cafe", "components": [comp("user@example.com v1.2")]},
        {"nodeId": "c", "label": "ÉCOLE No. 42"},
    )
    assert await found(gql, s, "CAFÉ") == ["a"]  # case-insensitive, diacritics kept
    assert await found(gql, s, "cafe") == ["b"]
    assert await found(gql, s, "strasse") == ["a"]  # Unicode case folding
    assert await found(gql, s, "हिन्दी") == ["a"]
    assert await found(gql, s, "日本語") == ["a"]
    assert await found(gql, s, "example v1") == ["b"]
    assert await found(gql, s, "école 42") == ["c"]


async def test_types_first_and_isolation(gql):
    s, other = await make_session(gql), await make_session(gql)
    await create(
        gql,
        s,
        *(
            {"nodeId": f"n{i}", "label": "Lark", "type": "bird" if i % 2 else "song"}
            for i in range(5)
        ),
    )
    await create(gql, other, {"nodeId": "z", "label": "Lark"})
    assert await found(gql, s, "lark") == ["n0", "n1", "n2", "n3", "n4"]
    assert await found(gql, s, "lark", first=2) == ["n0", "n1"]
    assert await found(gql, s, "lark", first=0) == []
    assert await found(gql, s, "lark", types=["bird"]) == ["n1", "n3"]
    assert await found(gql, s, "lark", types=[]) == []
    assert await found(gql, other, "lark") == ["z"]


@pytest.mark.parametrize("query", ["", "   ", "*", "!?,.", "_"])
async def test_a_query_without_words_is_bad_user_input(gql, query):
    s = await make_session(gql)
    error = await gql.error(SEARCH, {"s": s, "q": query})
    assert (code(error), error["extensions"]["field"]) == ("BAD_USER_INPUT", "query")


async def test_first_is_bounded_by_the_page_limit(gql):
    s = await make_session(gql)
    error = await gql.error(SEARCH, {"s": s, "q": "x", "first": 5001})
    assert code(error) == "LIMIT_EXCEEDED"
    error = await gql.error(SEARCH, {"s": s, "q": "x", "first": -1})
    assert (code(error), error["extensions"]["field"]) == ("BAD_USER_INPUT", "first")
