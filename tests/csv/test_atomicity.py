"""All or nothing: a bad last row leaves the session exactly as it was, whatever was written."""

from __future__ import annotations

import pytest

from tests.csv.conftest import EXPORT, IMPORT, problems_of

COUNT = 12_000  # more than two write batches before the bad row


def big_files(bad_last: str) -> tuple[str, str]:
    nodes = "node_id,label,components\n" + "".join(
        f'n{i},Node {i},"[{{""type"": ""t"", ""content"": ""{i}""}}]"\n' for i in range(COUNT)
    )
    relationships = "source,target,type,weight\n" + "".join(
        f"n{i},n{(i + 1) % COUNT},NEXT,{i}\n" for i in range(COUNT)
    )
    if bad_last == "nodes":
        nodes += "bad id!,x,\n"
    else:
        relationships += "n1,n2,NEXT,not a number\n"
    return nodes, relationships


@pytest.mark.parametrize("mode", ["CREATE", "UPSERT", "REPLACE"])
@pytest.mark.parametrize("bad_last", ["nodes", "relationships"])
async def test_a_bad_last_row_leaves_the_session_as_it_was(
    new_session, run_import, snapshot, mode, bad_last
):
    session_id = await new_session(with_default_nodes=True)
    await run_import(
        session_id,
        nodes="node_id,label\nkeep,Keep\n",
        relationships="source,target,type\nN001,keep,R\n",
    )
    before = await snapshot(session_id)
    nodes, relationships = big_files(bad_last)
    problems = await problems_of(
        run_import, session_id, nodes=nodes, relationships=relationships, mode=mode
    )
    assert [(p["file"], p["line"]) for p in problems] == [(bad_last, COUNT + 2)]
    assert await snapshot(session_id) == before


async def test_graphql_import_failure_rolls_back_the_whole_mutation(gql):
    session = await gql.ok("mutation { createSession { id revision } }")
    session_id = session["createSession"]["id"]
    before = await gql.ok(EXPORT, {"s": session_id})
    body = await gql(
        """mutation($s: ID!, $n: String) {
          a: createNode(sessionId: $s, input: {label: "first"}) { nodeId }
          b: importCsv(sessionId: $s, nodesCsv: $n) { rowsRead }
        }""",
        {"s": session_id, "n": "node_id,label\nx,X\n" * 1 + "y,Y\n,empty\n"},
    )
    assert body["data"] is None
    error = body["errors"][0]
    assert error["extensions"]["code"] == "CSV_INVALID"
    assert error["extensions"]["problems"] == [
        {"file": "nodes", "line": 4, "column": "node_id", "message": "node id is empty"}
    ]
    assert await gql.ok(EXPORT, {"s": session_id}) == before


async def test_graphql_import_and_export(gql):
    data = await gql.ok("mutation { createSession(input: {withDefaultNodes: false}) { id } }")
    session_id = data["createSession"]["id"]
    result = await gql.ok(
        IMPORT,
        {
            "s": session_id,
            "n": "node_id,label\na,A\nb,B\n",
            "r": "source,target,type,weight\na,b,R,1.5\n",
            "o": {"mode": "UPSERT"},
        },
    )
    assert result["importCsv"] == {
        "dryRun": False, "rowsRead": 3, "nodesCreated": 2, "nodesUpdated": 0,
        "componentsCreated": 0, "relationshipsCreated": 1, "relationshipsUpdated": 0,
        "revision": 2,
    }  # fmt: skip
    exported = (await gql.ok(EXPORT, {"s": session_id}))["session"]
    assert exported["revision"] == 2
    assert exported["exportCsv"] == {
        "nodesCsv": "node_id,label,type,metadata,components\r\n"
        "a,A,concept,{},[]\r\nb,B,concept,{},[]\r\n",
        "relationshipsCsv": "source,target,type,weight,properties\r\na,b,R,1.5,{}\r\n",
    }
    dry = await gql.ok(IMPORT, {"s": session_id, "n": "id\nc\n", "o": {"dryRun": True}})
    assert (dry["importCsv"]["nodesCreated"], dry["importCsv"]["revision"]) == (1, 2)
    missing = await gql.error(IMPORT, {"s": "nope", "n": "id\nc\n"})
    assert missing["extensions"]["code"] == "SESSION_NOT_FOUND"
