"""Issue 17, item 9: one long write (a big import) does not starve other sessions' writers."""

from __future__ import annotations

import asyncio

import httpx

from tests.abuse.test_run_time import CREATE_SESSION, IMPORT, big_import

RENAME = 'mutation($s: ID!) { updateSession(id: $s, patch: {name: "w"}) { id } }'
CREATE_NODE = 'mutation($s: ID!) { createNode(sessionId: $s, input: {label: "w"}) { nodeId } }'


async def test_writes_to_other_sessions_during_a_long_import_all_succeed(server):
    # A busy timeout far below the import's length: only the writer queue can serve them.
    async with (
        server(
            GRAPH_API_SQLITE_BUSY_TIMEOUT_MS="500", GRAPH_API_LIMITS__MAX_RUN_SECONDS="300"
        ) as proc,
        httpx.AsyncClient(base_url=proc.url, timeout=120) as http,
    ):

        async def new_session() -> str:
            response = await http.post("/graphql", json={"query": CREATE_SESSION})
            return str(response.json()["data"]["createSession"]["id"])

        target = await new_session()
        others = [await new_session() for _ in range(6)]
        payload = {"query": IMPORT, "variables": {"s": target, **big_import(40_000)}}
        importing = asyncio.create_task(http.post("/graphql", json=payload))
        await asyncio.sleep(0.5)

        async def writes(session_id: str) -> list[dict]:
            bodies = []
            for _ in range(5):
                response = await http.post(
                    "/graphql", json={"query": CREATE_NODE, "variables": {"s": session_id}}
                )
                bodies.append(response.json())
                await asyncio.sleep(0.2)
            return bodies

        results = await asyncio.gather(*(writes(s) for s in others))
        imported = (await importing).json()
        assert not importing.cancelled()
        assert imported.get("errors") is None, imported
        assert imported["data"]["importCsv"]["nodesCreated"] == 40_000
        failures = [body for bodies in results for body in bodies if body.get("errors")]
        assert failures == []
        assert sum(len(bodies) for bodies in results) == 30
