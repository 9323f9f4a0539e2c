"""The npm `graphql-ws` client (Node 20 with `ws`), unmodified, against `graph-api serve`.

graphql-ws closes the connection on a binary frame: this fails unless every
graphql-transport-ws message is sent as text.
"""

from __future__ import annotations

from tests.clients.conftest import run_node


async def test_graphql_ws_subscribes_to_live_session_changes(server):
    result = await run_node("graphql_ws.mjs", server.url)
    changes = [change["data"]["sessionChanges"] for change in result["changes"]]
    assert [(c["revision"], c["op"], c["kind"], c["key"]) for c in changes] == [
        (2, "UPDATE", "NODE", "N001"),
        (3, "UPDATE", "NODE", "N002"),
        (4, "UPDATE", "NODE", "N001"),
    ]
    assert result["query"] == {"data": {"session": {"revision": 4}}}
