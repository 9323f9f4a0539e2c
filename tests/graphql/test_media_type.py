"""application/graphql-response+json as the GraphQL-over-HTTP spec describes (CONTRACT.md §10).

A client preferring it gets that type, 4xx without `data` when the request never ran,
and 200 when it did; `application/json` (and no Accept, or */*) is unchanged.
"""

from __future__ import annotations

import threading
from pathlib import Path

import httpx
import pytest

from graph_api.app import create_app
from graph_api.config import Settings
from graph_api.graphql.media import GRAPHQL_RESPONSE_JSON, JSON, response_media_type

GRAPHQL_JSON = {"accept": GRAPHQL_RESPONSE_JSON}
UNKNOWN_SESSION = "6f1c2a9e-1d2b-4c3d-8e4f-5a6b7c8d9e0f"


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, JSON),
        ("", JSON),
        ("*/*", JSON),
        ("application/json", JSON),
        ("application/*", JSON),
        ("text/html", JSON),
        (GRAPHQL_RESPONSE_JSON, GRAPHQL_RESPONSE_JSON),
        ("Application/GraphQL-Response+JSON", GRAPHQL_RESPONSE_JSON),
        # Apollo Client 4 and GraphiQL's fetcher
        (f"{GRAPHQL_RESPONSE_JSON},application/json;q=0.9", GRAPHQL_RESPONSE_JSON),
        (f"{GRAPHQL_RESPONSE_JSON}, multipart/mixed", GRAPHQL_RESPONSE_JSON),
        (f"application/json, {GRAPHQL_RESPONSE_JSON}", GRAPHQL_RESPONSE_JSON),
        (f"application/json, {GRAPHQL_RESPONSE_JSON};q=0.5", JSON),
        (f"{GRAPHQL_RESPONSE_JSON};q=0", JSON),
        (f"{GRAPHQL_RESPONSE_JSON};q=oops, */*", JSON),
    ],
)
def test_response_media_type_follows_accept(accept, expected):
    assert response_media_type(accept) == expected


async def test_success_is_200_with_the_negotiated_type(client):
    query = "query($s: ID!) { session(id: $s) { id } }"
    response = await client.post(
        "/graphql", json={"query": query, "variables": {"s": UNKNOWN_SESSION}}, headers=GRAPHQL_JSON
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == f"{GRAPHQL_RESPONSE_JSON}; charset=utf-8"
    assert response.json() == {"data": {"session": None}}


@pytest.mark.parametrize(
    ("query", "variables", "code"),
    [
        ("{ session(id: ", None, "GRAPHQL_PARSE_FAILED"),
        ("{ nope }", None, "GRAPHQL_VALIDATION_FAILED"),
        # Variable coercion: its code is ErrorCodes' business; here only the status matters.
        ("query($s: ID!) { session(id: $s) { id } }", {"s": {"not": "an id"}}, None),
        ("query($s: ID!) { session(id: $s) { id } }", {}, None),
    ],
    ids=["parse", "validation", "variable-type", "variable-missing"],
)
async def test_requests_that_never_ran_are_400_without_data(client, query, variables, code):
    body = {"query": query, "variables": variables}
    response = await client.post("/graphql", json=body, headers=GRAPHQL_JSON)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith(GRAPHQL_RESPONSE_JSON)
    answer = response.json()
    assert "data" not in answer
    assert answer["errors"][0]["extensions"]["code"] == code or code is None
    # application/json is unchanged: 200, data null.
    response = await client.post("/graphql", json=body, headers={"accept": "application/json"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json()["data"] is None


async def test_a_field_error_keeps_data_and_200(client):
    mutation = (
        'mutation { updateNode(sessionId: "%s", nodeId: "N1", patch: {label: "x"}) { nodeId } }'
    )
    response = await client.post(
        "/graphql", json={"query": mutation % UNKNOWN_SESSION}, headers=GRAPHQL_JSON
    )
    assert response.status_code == 200
    answer = response.json()
    assert answer["data"] is None
    assert answer["errors"][0]["extensions"]["code"] == "SESSION_NOT_FOUND"


async def test_malformed_http_requests_carry_the_negotiated_type(client):
    response = await client.post(
        "/graphql",
        content=b"{not json",
        headers={**GRAPHQL_JSON, "content-type": "application/json"},
    )
    assert response.status_code == 400
    assert response.headers["content-type"].startswith(GRAPHQL_RESPONSE_JSON)
    assert response.json()["errors"][0]["message"]


async def test_get_queries_negotiate_too(client):
    response = await client.get("/graphql", params={"query": "{ nope }"}, headers=GRAPHQL_JSON)
    assert response.status_code == 400
    assert "data" not in response.json()


async def test_a_server_failure_before_any_data_is_500(caplog):
    """The database cannot be reached: the operation never ran, and it is not the client's fault."""
    threads = set(threading.enumerate())
    missing = Path("/nonexistent/directory/graph.db")
    settings = Settings(database_url=f"sqlite+aiosqlite:///{missing}", migrate_on_start=False)
    app = create_app(settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://testserver"
        ) as http,
    ):
        response = await http.post(
            "/graphql", json={"query": "mutation { createSession { id } }"}, headers=GRAPHQL_JSON
        )
    assert response.status_code == 500
    body = response.json()
    assert "data" not in body
    assert body["errors"][0]["extensions"]["code"] == "INTERNAL_ERROR"
    # As in test_http: let aiosqlite's failed-connect thread finish while this loop exists.
    for thread in set(threading.enumerate()) - threads:
        if "_connection_worker_thread" in thread.name:
            thread.join(timeout=5)
