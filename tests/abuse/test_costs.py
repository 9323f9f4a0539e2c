"""Issue 17, item 5: neighbors and autoSave are bounded by what they touch."""

from __future__ import annotations

import time

import httpx
import pytest

from graph_api.config import Limits
from tests.abuse.conftest import health_probe
from tests.graphql.helpers import row_counts

CREATE_SESSION = "mutation { createSession { id } }"
IMPORT = """mutation($s: ID!, $n: String, $r: String) {
  importCsv(sessionId: $s, nodesCsv: $n, relationshipsCsv: $r) { nodesCreated }
}"""
NEIGHBORS = """query($s: ID!, $first: Int, $d: Int) { session(id: $s) {
  nodes(first: $first) { nodes { nodeId neighbors(depth: $d) { nodeId } } } } }"""
SAVE = "mutation($s: ID!, $i: AutoSaveInput!) { autoSave(sessionId: $s, input: $i) { status } }"


def graph_csv(nodes: int, degree: int) -> dict[str, str]:
    node_csv = "node_id\n" + "".join(f"n{i}\n" for i in range(nodes))
    rels = "".join(
        f"n{i},n{(i * 7 + k * 131) % nodes},T{k}\n" for i in range(nodes) for k in range(degree)
    )
    return {"n": node_csv, "r": "source,target,type\n" + rels}


@pytest.fixture
def limits() -> Limits:
    return Limits(max_neighbor_visits=1_000, max_save_entities=5, max_save_components=10)


async def test_neighbors_over_the_visit_bound_is_limit_exceeded(gql):
    session_id = (await gql.ok(CREATE_SESSION))["createSession"]["id"]
    await gql.ok(IMPORT, {"s": session_id, **graph_csv(500, 4)})
    data = await gql.ok(NEIGHBORS, {"s": session_id, "first": 10, "d": 2})
    assert any(node["neighbors"] for node in data["session"]["nodes"]["nodes"])
    error = await gql.error(NEIGHBORS, {"s": session_id, "first": 100, "d": 5})
    assert error["extensions"]["code"] == "LIMIT_EXCEEDED"
    assert error["extensions"]["limit"] == "max_neighbor_visits"


@pytest.mark.parametrize(
    ("save", "limit"),
    [
        (
            {"nodes": [{"nodeId": f"a{i}"} for i in range(4)], "deleteNodeIds": ["x", "y"]},
            "entities",
        ),
        (
            {"nodes": [{"nodeId": f"a{i}", "components": [{"type": "t"}] * 4} for i in range(3)]},
            "components",
        ),
    ],
)
async def test_autosave_over_its_total_size_writes_nothing(gql, engine, save, limit):
    session_id = (await gql.ok(CREATE_SESSION))["createSession"]["id"]
    error = await gql.error(SAVE, {"s": session_id, "i": {"saveId": "s1", **save}})
    assert error["extensions"]["code"] == "LIMIT_EXCEEDED"
    assert error["extensions"]["limit"] == f"max_save_{limit}"
    assert (await row_counts(engine, session_id))["nodes"] == 2
    fits = {"nodes": [{"nodeId": "a", "components": [{"type": "t"}] * 10}]}
    result = await gql.ok(SAVE, {"s": session_id, "i": {"saveId": "s2", **fits}})
    assert result["autoSave"]["status"] == "SAVED"


async def test_a_dense_neighbors_walk_is_refused_promptly_on_a_real_server(server):
    async with (
        server() as proc,
        httpx.AsyncClient(base_url=proc.url, timeout=120) as http,
    ):
        created = await http.post("/graphql", json={"query": CREATE_SESSION})
        session_id = created.json()["data"]["createSession"]["id"]
        seeded = await http.post(
            "/graphql", json={"query": IMPORT, "variables": {"s": session_id, **graph_csv(5000, 6)}}
        )
        assert "errors" not in seeded.json(), seeded.text
        variables = {"s": session_id, "first": 100, "d": 5}
        with health_probe(proc.url):
            started = time.monotonic()
            response = await http.post(
                "/graphql", json={"query": NEIGHBORS, "variables": variables}
            )
            elapsed = time.monotonic() - started
        errors = response.json()["errors"]
        assert errors[0]["extensions"]["code"] == "LIMIT_EXCEEDED"
        assert elapsed < 10, elapsed
