"""Issue 17, item 3: numbers a response could not carry are refused on every way in."""

from __future__ import annotations

import pytest

from graph_api.graphql.encoding import encode_response
from tests.factories import make_session
from tests.graphql.helpers import row_counts

CREATE = """mutation($s: ID!, $m: JSON) {
  createNode(sessionId: $s, input: {nodeId: "big", label: "b", metadata: $m}) { metadata }
}"""
SAVE = """mutation($s: ID!, $i: AutoSaveInput!) { autoSave(sessionId: $s, input: $i) { status } }"""
IMPORT = (
    """mutation($s: ID!, $n: String) { importCsv(sessionId: $s, nodesCsv: $n) { nodesCreated } }"""
)

# 2**63 arrives as an integer; 10**40 and -2**70 as floats (orjson reads them so), which
# PostgreSQL's jsonb would give back as 40-digit integers.
TOO_BIG = [2**63, 10**40, -(2**70), 1.5e300]


@pytest.fixture
async def session_id(gql):
    return await make_session(gql)


@pytest.mark.parametrize("number", TOO_BIG)
async def test_graphql_variables_refuse_numbers_beyond_64_bits(gql, engine, session_id, number):
    error = await gql.error(CREATE, {"s": session_id, "m": {"a": [1, {"n": number}]}})
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == "metadata"
    assert (await row_counts(engine, session_id))["nodes"] == 2


async def test_a_graphql_literal_beyond_64_bits_is_refused(gql, session_id):
    query = CREATE.replace("metadata: $m", "metadata: {n: 100000000000000000000000}")
    query = query.replace(", $m: JSON", "")
    error = await gql.error(query, {"s": session_id})
    assert error["extensions"]["code"] == "BAD_USER_INPUT"


async def test_the_largest_64_bit_integers_round_trip(gql, session_id):
    metadata = {"max": 2**63 - 1, "min": -(2**63), "f": 1e18}
    data = await gql.ok(CREATE, {"s": session_id, "m": metadata})
    assert data["createNode"]["metadata"] == metadata


async def test_autosave_refuses_them(gql, engine, session_id):
    changes = {"saveId": "s1", "nodes": [{"nodeId": "x", "metadata": {"n": 10**40}}]}
    error = await gql.error(SAVE, {"s": session_id, "i": changes})
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["field"].endswith("metadata")
    assert (await row_counts(engine, session_id))["nodes"] == 2


async def test_csv_import_refuses_them_with_the_line(gql, engine, session_id):
    nodes_csv = (
        'node_id,metadata,size:long\na,{},1\nb,"{""n"": 1e40}",2\nc,{},99999999999999999999\n'
    )
    error = await gql.error(IMPORT, {"s": session_id, "n": nodes_csv})
    assert error["extensions"]["code"] == "CSV_INVALID"
    lines = sorted(problem["line"] for problem in error["extensions"]["problems"])
    assert lines == [3, 4]
    assert (await row_counts(engine, session_id))["nodes"] == 2


async def test_rest_refuses_them(client, engine, session_id):
    response = await client.post(
        f"/session/{session_id}/nodes", json={"node_id": "r", "metadata": {"n": 2**64}}
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "BAD_USER_INPUT"
    response = await client.post("/session/create", json={"metadata": {"n": 2**63}})
    assert response.status_code == 422
    assert (await row_counts(engine, session_id))["nodes"] == 2


def test_a_response_orjson_cannot_encode_is_still_sent():
    assert (
        encode_response({"data": {"n": 10**40}})
        == b'{"data":{"n":10000000000000000000000000000000000000000}}'
    )
