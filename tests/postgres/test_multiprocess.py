"""Several `graph-api serve` processes on one PostgreSQL database behave as one server.

Writes through one process are read through the other; eight concurrent writers
spread over both get revisions 1..N with no gap and every change once; a
subscriber on one process receives what the other commits, in order, once.
`serve --workers 2` runs two worker processes, each with its own listener.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from tests.autosave.conftest import HttpGraphQL, serve_process
from tests.autosave.wsclient import graphql_ws
from tests.factories import make_nodes, make_session
from tests.postgres.writers import check_nothing_lost, write_concurrently

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

NODE = """query($s: ID!, $n: String!) { node(sessionId: $s, nodeId: $n) {
  label version components { content } } }"""
RENAME = """mutation($s: ID!, $n: String!, $l: String!) {
  updateNode(sessionId: $s, nodeId: $n, patch: {label: $l}) { version } }"""


async def test_writes_through_one_process_are_read_through_the_other(database_url, tmp_path):
    async with (
        serve_process(database_url, tmp_path) as one,
        serve_process(database_url, tmp_path) as two,
        httpx.AsyncClient(base_url=one.url, timeout=30) as http_one,
        httpx.AsyncClient(base_url=two.url, timeout=30) as http_two,
    ):
        gql_one, gql_two = HttpGraphQL(http_one), HttpGraphQL(http_two)
        session_id = await make_session(gql_one)
        [node_id] = await make_nodes(gql_one, session_id, 1, components=2)
        seen = await gql_two.ok(NODE, {"s": session_id, "n": node_id})
        assert seen["node"] == {
            "label": "Node 0",
            "version": 1,
            "components": [{"content": "c0.0"}, {"content": "c0.1"}],
        }
        await gql_two.ok(RENAME, {"s": session_id, "n": node_id, "l": "renamed by two"})
        seen = await gql_one.ok(NODE, {"s": session_id, "n": node_id})
        assert (seen["node"]["label"], seen["node"]["version"]) == ("renamed by two", 2)


async def test_eight_writers_through_two_processes_lose_nothing_and_a_subscriber_sees_all(
    database_url, tmp_path
):
    async with (
        serve_process(database_url, tmp_path) as one,
        serve_process(database_url, tmp_path) as two,
        httpx.AsyncClient(base_url=one.url, timeout=60) as http_one,
        httpx.AsyncClient(base_url=two.url, timeout=60) as http_two,
    ):
        gql_one, gql_two = HttpGraphQL(http_one), HttpGraphQL(http_two)
        session_id = await make_session(gql_one)
        async with graphql_ws(two.url) as ws:
            await ws.changes(session_id, since=1)
            names = await write_concurrently([gql_one, gql_two], session_id, writers=8, rounds=3)
            # Each request is one revision of two changes: the subscriber on process two
            # gets all of them, in revision order, each once.
            received = await ws.collect(2 * len(names), wait_s=60)
        await check_nothing_lost(gql_two, session_id, names)
        assert_in_revision_order(received, first=2, last=1 + len(names))


async def test_serve_with_two_workers_shares_one_database(database_url, tmp_path, pg):
    async with (
        serve_process(database_url, tmp_path, GRAPH_API_WORKERS="2") as server,
        httpx.AsyncClient(base_url=server.url, timeout=60) as http,
    ):
        listeners = await _wait_for_listeners(pg, 2)
        assert listeners == 2  # one LISTEN connection per worker process
        gql = HttpGraphQL(http)
        session_id = await make_session(gql)
        async with graphql_ws(server.url) as ws:
            await ws.changes(session_id, since=1)
            names = await write_concurrently([gql], session_id, writers=8, rounds=2)
            received = await ws.collect(2 * len(names), wait_s=60)
        await check_nothing_lost(gql, session_id, names)
        assert_in_revision_order(received, first=2, last=1 + len(names))


def assert_in_revision_order(received: list[dict[str, Any]], *, first: int, last: int) -> None:
    revisions = [change["revision"] for change in received]
    assert revisions == sorted(revisions)
    assert sorted(set(revisions)) == list(range(first, last + 1))
    keys = [(change["revision"], change["kind"], change["key"]) for change in received]
    assert len(keys) == len(set(keys))


async def _wait_for_listeners(pg: Any, count: int) -> int:
    """Poll the server until `count` worker processes have opened their LISTEN connection."""
    found = 0
    async with asyncio.timeout(30):
        for _ in range(300):
            found = await pg.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND application_name = 'graph_api_listener'"
            )
            if found >= count:
                break
            await asyncio.sleep(0.1)
    return int(found)
