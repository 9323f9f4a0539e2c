"""Real `graph-api serve` processes: a restart keeps receipts; two processes share changes."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from tests.autosave.conftest import AUTO_SAVE, HttpGraphQL, auto_save, serve_process
from tests.autosave.wsclient import graphql_ws
from tests.conftest import ENGINE
from tests.factories import make_session

pytestmark = pytest.mark.slow


async def test_saves_are_replayed_after_a_server_restart(database_url, tmp_path):
    input_ = {"saveId": "survives", "nodes": [{"nodeId": "N001", "label": "before the crash"}]}
    async with (
        serve_process(database_url, tmp_path) as server,
        httpx.AsyncClient(base_url=server.url, timeout=30) as http,
    ):
        gql = HttpGraphQL(http)
        session_id = await make_session(gql)
        first = await auto_save(gql, session_id, **input_)
    assert first["status"] == "SAVED"
    # A new process: only the database remembers the saveId.
    async with (
        serve_process(database_url, tmp_path) as server,
        httpx.AsyncClient(base_url=server.url, timeout=30) as http,
    ):
        gql = HttpGraphQL(http)
        again = await auto_save(gql, session_id, **input_)
        assert (again["status"], again["revision"], again["savedAt"]) == (
            "REPLAYED",
            first["revision"],
            first["savedAt"],
        )
        error = await gql.error(
            AUTO_SAVE, {"s": session_id, "input": {**input_, "deleteNodeIds": ["N002"]}}
        )
        assert (error["extensions"]["code"], error["extensions"]["field"]) == (
            "BAD_USER_INPUT",
            "saveId",
        )


@pytest.mark.skipif(
    ENGINE != "postgresql",
    reason="two server processes share changes only through PostgreSQL LISTEN/NOTIFY: "
    "set GRAPH_API_TEST_DATABASE_URL to run it",
)
async def test_two_processes_on_one_postgresql_database(database_url, tmp_path):
    async with (
        serve_process(database_url, tmp_path) as one,
        serve_process(database_url, tmp_path) as two,
        httpx.AsyncClient(base_url=one.url, timeout=30) as http_one,
        httpx.AsyncClient(base_url=two.url, timeout=30) as http_two,
    ):
        gql_one, gql_two = HttpGraphQL(http_one), HttpGraphQL(http_two)
        session_id = await make_session(gql_one)
        async with graphql_ws(two.url) as ws:
            op_id = await ws.changes(session_id, since=1)
            # Written through process one, delivered by process two.
            await auto_save(
                gql_one, session_id, saveId="p1", nodes=[{"nodeId": "N001", "label": "a"}]
            )
            change = await ws.next_change()
            assert (change["revision"], change["key"], change["saveId"]) == (2, "N001", "p1")

            # Both processes race on one node: one wins, the other conflicts, nothing is lost.
            results = await asyncio.gather(
                *(
                    auto_save(
                        gql,
                        session_id,
                        saveId=f"race-{index}",
                        nodes=[{"nodeId": "N002", "label": f"p{index}", "expectedVersion": 1}],
                    )
                    for index, gql in enumerate((gql_one, gql_two, gql_one, gql_two))
                )
            )
            assert sorted(r["status"] for r in results) == ["CONFLICT"] * 3 + ["SAVED"]
            change = await ws.next_change()
            assert (change["revision"], change["key"]) == (3, "N002")

            # Deleting the session through process one ends process two's subscription.
            await gql_one.ok(
                "mutation($s: ID!) { deleteSession(id: $s) { deleted } }", {"s": session_id}
            )
            last = await ws.next_change()
            assert (last["revision"], last["op"], last["kind"]) == (4, "DELETE", "SESSION")
            assert await ws.receive() == {"id": op_id, "type": "complete"}
        assert (
            await gql_two.ok("query($s: ID!) { session(id: $s) { id } }", {"s": session_id})
        ) == {"session": None}
