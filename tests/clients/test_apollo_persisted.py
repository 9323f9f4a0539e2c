"""Apollo Client 4's persisted-queries link, unmodified, under Node against a live server.

The server records each /graphql request as it arrived: after a document is registered
once, asking for it again sends its hash alone (no query text), and a client that never
sent it gets it by hash from the database at once.
"""

from __future__ import annotations

import hashlib
from typing import Any

from tests.clients.conftest import Arrived, run_node


def _sent(arrived: Arrived) -> dict[str, Any]:
    """The GraphQL request in a POST body or GET parameters."""
    if arrived.method == "POST":
        body: dict[str, Any] = arrived.json()
        return body
    return {key: values[0] for key, values in arrived.query_string.items()}


async def test_apollo_sends_hashes_and_the_text_only_once(recording_server):
    result = await run_node("apollo_persisted.mjs", recording_server.url)
    session = result["created"]["data"]["createSession"]
    assert session["name"] == "via Apollo"
    expected = {
        "session": {
            "__typename": "Session",
            "id": session["id"],
            "name": "via Apollo",
            "revision": 1,
        }
    }
    for name in ("first", "second", "fresh"):
        assert result[name] == {"data": expected, "error": None}, name

    sent = [(arrived.method, _sent(arrived)) for arrived in recording_server.requests]
    assert [method for method, _ in sent] == ["POST", "POST", "POST", "POST", "POST", "GET"]
    with_text = [index for index, (_, request) in enumerate(sent) if request.get("query")]
    # Each document's text went once, right after the server answered PERSISTED_QUERY_NOT_FOUND
    # for its hash: the mutation (1) and the query (3). The second read (4) and the fresh
    # client's GET (5) sent the hash alone.
    assert with_text == [1, 3]
    for _, request in sent:
        assert "persistedQuery" in str(request.get("extensions"))
    read_hash = hashlib.sha256(sent[3][1]["query"].encode()).hexdigest()
    assert f'"sha256Hash":"{read_hash}"' in sent[5][1]["extensions"].replace(" ", "")
