"""A small graphql-transport-ws client over `websockets`, written by hand for the tests."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

SESSION_CHANGES = """subscription($s: ID!, $since: Int) {
  sessionChanges(sessionId: $s, sinceRevision: $since) { revision at op kind key saveId }
}"""


class GraphQLWebSocket:
    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self._ids = 0

    async def subscribe(self, query: str, variables: dict[str, Any]) -> str:
        self._ids += 1
        op_id = str(self._ids)
        await self.send(
            {"id": op_id, "type": "subscribe", "payload": {"query": query, "variables": variables}}
        )
        return op_id

    async def changes(self, session_id: str, since: int | None = None) -> str:
        return await self.subscribe(SESSION_CHANGES, {"s": session_id, "since": since})

    async def send(self, message: dict[str, Any]) -> None:
        await self.ws.send(json.dumps(message))

    async def receive(self, wait_s: float = 10.0) -> dict[str, Any]:
        """The next protocol message other than ping/pong."""
        while True:
            raw = await asyncio.wait_for(self.ws.recv(), wait_s)
            message: dict[str, Any] = json.loads(raw)
            if message["type"] == "ping":
                await self.send({"type": "pong"})
                continue
            if message["type"] == "pong":
                continue
            return message

    async def next_change(self, wait_s: float = 10.0) -> dict[str, Any]:
        message = await self.receive(wait_s)
        assert message["type"] == "next", message
        assert "errors" not in message["payload"], message
        change: dict[str, Any] = message["payload"]["data"]["sessionChanges"]
        return change

    async def collect(self, count: int, wait_s: float = 20.0) -> list[dict[str, Any]]:
        """The next `count` changes."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait_s
        return [await self.next_change(max(0.1, deadline - loop.time())) for _ in range(count)]


@asynccontextmanager
async def graphql_ws(base_url: str, **options: Any) -> AsyncIterator[GraphQLWebSocket]:
    url = base_url.replace("http://", "ws://") + "/graphql"
    async with connect(
        url, subprotocols=["graphql-transport-ws"], open_timeout=10, **options
    ) as ws:  # type: ignore[list-item]
        client = GraphQLWebSocket(ws)
        await client.send({"type": "connection_init", "payload": {}})
        ack = await client.receive()
        assert ack["type"] == "connection_ack", ack
        yield client
