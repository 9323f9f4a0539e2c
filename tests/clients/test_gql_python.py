"""Python's `gql` client, unmodified, over HTTP and WebSocket against `graph-api serve`.

gql refuses binary WebSocket frames (`Binary data received in the websocket`): the
subscription test fails unless every graphql-transport-ws message is a text frame.
"""

from __future__ import annotations

import asyncio
from typing import Any

from gql import Client, GraphQLRequest
from gql.transport.httpx import HTTPXAsyncTransport
from gql.transport.websockets import WebsocketsTransport

from tests.autosave.conftest import ServerProcess
from tests.clients.conftest import CREATE_SESSION, RENAME_NODE, SESSION_CHANGES

SESSION = "query($s: ID!) { session(id: $s) { id name revision } }"


def _http(server: ServerProcess) -> Client:
    return Client(transport=HTTPXAsyncTransport(url=f"{server.url}/graphql", timeout=30))


def _ws(server: ServerProcess) -> Client:
    url = server.url.replace("http://", "ws://") + "/graphql"
    # graphql-transport-ws only: the server does not speak the legacy Apollo protocol.
    transport = WebsocketsTransport(
        url=url, subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL]
    )
    return Client(transport=transport)


def _request(document: str, **variables: Any) -> GraphQLRequest:
    return GraphQLRequest(document, variable_values=variables)


async def test_query_and_mutation_over_http(server):
    async with _http(server) as session:
        created = await session.execute(_request(CREATE_SESSION, name="gql over HTTP"))
        session_id = created["createSession"]["id"]
        renamed = await session.execute(_request(RENAME_NODE, s=session_id, n="N001", label="a"))
        read = await session.execute(_request(SESSION, s=session_id))
    assert renamed["updateNode"] == {"nodeId": "N001", "label": "a", "version": 2}
    assert read["session"] == {"id": session_id, "name": "gql over HTTP", "revision": 2}


async def test_query_and_mutation_over_websocket(server):
    async with _ws(server) as session:
        created = await session.execute(_request(CREATE_SESSION, name="gql over WebSocket"))
        session_id = created["createSession"]["id"]
        renamed = await session.execute(_request(RENAME_NODE, s=session_id, n="N002", label="b"))
        read = await session.execute(_request(SESSION, s=session_id))
    assert renamed["updateNode"] == {"nodeId": "N002", "label": "b", "version": 2}
    assert read["session"]["revision"] == 2


async def test_session_changes_subscription_receives_live_changes(server):
    async with _http(server) as http:
        created = await http.execute(_request(CREATE_SESSION, name="watched"))
        session_id = created["createSession"]["id"]
        # Made before subscribing: sinceRevision=1 replays it first.
        await http.execute(_request(RENAME_NODE, s=session_id, n="N001", label="before"))
        received: list[dict[str, Any]] = []
        async with _ws(server) as ws:
            changes = ws.subscribe(_request(SESSION_CHANGES, s=session_id, since=1))

            async def collect() -> None:
                async for result in changes:
                    received.append(result["sessionChanges"])
                    if len(received) == 3:
                        return

            collector = asyncio.create_task(collect())
            # Live: made while the subscription is open, through another client.
            await http.execute(_request(RENAME_NODE, s=session_id, n="N002", label="live"))
            await http.execute(_request(RENAME_NODE, s=session_id, n="N001", label="again"))
            await asyncio.wait_for(collector, 20)
    assert [(c["revision"], c["op"], c["kind"], c["key"]) for c in received] == [
        (2, "UPDATE", "NODE", "N001"),
        (3, "UPDATE", "NODE", "N002"),
        (4, "UPDATE", "NODE", "N001"),
    ]
