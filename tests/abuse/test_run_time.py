"""Issue 17, item 4: a request's run time limit ends its work; SIGTERM is honoured promptly."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import time

import httpx
import pytest

from graph_api.config import Limits
from tests.abuse.conftest import health_probe
from tests.graphql.helpers import row_counts

IMPORT = """mutation($s: ID!, $n: String, $r: String) {
  importCsv(sessionId: $s, nodesCsv: $n, relationshipsCsv: $r) { nodesCreated }
}"""
CREATE_SESSION = "mutation { createSession { id } }"


def big_import(rows: int) -> dict[str, str]:
    nodes = "node_id,label,metadata\n" + "".join(
        f'n{i},label {i},"{{""k"": {i}}}"\n' for i in range(rows)
    )
    rels = "source,target,type\n" + "".join(f"n{i},n{(i * 7) % rows},T\n" for i in range(rows))
    return {"n": nodes, "r": rels}


@pytest.fixture
def limits() -> Limits:
    return Limits(max_run_seconds=0.5, max_list_length=1_000_000)


async def test_a_request_over_its_run_time_is_ended_and_rolled_back(gql, client, engine):
    session_id = (await gql.ok(CREATE_SESSION))["createSession"]["id"]
    started = time.monotonic()
    body = await gql(IMPORT, {"s": session_id, **big_import(60_000)})
    elapsed = time.monotonic() - started
    assert body["data"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["LIMIT_EXCEEDED"]
    assert elapsed < 5, elapsed
    assert (await row_counts(engine, session_id))["nodes"] == 2
    # The transaction is gone: a write to the same session goes through at once.
    data = await gql.ok(
        'mutation($s: ID!) { createNode(sessionId: $s, input: {label: "after"}) { nodeId } }',
        {"s": session_id},
    )
    assert data["createNode"]["nodeId"] == "N003"
    response = await client.post(
        f"/session/{session_id}/bulk/import",
        files={"nodes": ("n.csv", big_import(60_000)["n"])},
        data={"mode": "UPSERT"},
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "LIMIT_EXCEEDED"
    assert (await row_counts(engine, session_id))["nodes"] == 3


async def test_sigterm_stops_the_server_within_seconds_during_a_long_request(server):
    async with (
        server(GRAPH_API_SHUTDOWN_TIMEOUT_S="2") as proc,
        httpx.AsyncClient(base_url=proc.url, timeout=120) as http,
    ):
        created = await http.post("/graphql", json={"query": CREATE_SESSION})
        session_id = created.json()["data"]["createSession"]["id"]
        payload = {"query": IMPORT, "variables": {"s": session_id, **big_import(300_000)}}
        with health_probe(proc.url):
            request = asyncio.create_task(http.post("/graphql", json=payload))
            await asyncio.sleep(1.5)
        assert not request.done(), "the import must still be running"
        started = time.monotonic()
        proc.process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(proc.process.wait(), 15)
        assert time.monotonic() - started < 6
        # Ended by the shutdown (no answer), or finished within its grace period.
        with contextlib.suppress(httpx.HTTPError):
            await request
