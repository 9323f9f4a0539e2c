"""Issue 17, items 6 and 11: cross-site writes, trusted hosts, CORS, production switches."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from graph_api.app import create_app
from graph_api.config import Settings
from tests.graphql.helpers import row_counts

EVIL = "https://evil.example"
CREATE_NODE = 'mutation($s: ID!) { createNode(sessionId: $s, input: {label: "x"}) { nodeId } }'


@pytest.fixture
async def session_id(client) -> str:
    response = await client.post("/session/create", json={})
    assert response.status_code == 201
    return str(response.json()["id"])


def forbidden(response: httpx.Response) -> bool:
    if response.status_code != 403:
        return False
    body = response.json()
    if "errors" in body:
        return bool(body["errors"][0]["extensions"]["code"] == "FORBIDDEN")
    return bool(body["error"]["code"] == "FORBIDDEN")


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": EVIL},
        {"Origin": "null"},
        {"Origin": EVIL, "Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
    ],
)
async def test_cross_site_writes_are_refused_and_write_nothing(client, engine, session_id, headers):
    before = await row_counts(engine)
    calls = [
        client.post("/session/create", json={}, headers=headers),
        client.post(f"/session/{session_id}/nodes", json={"label": "x"}, headers=headers),
        client.patch(f"/session/{session_id}/nodes/N001", json={"label": "y"}, headers=headers),
        client.put(f"/session/{session_id}/touch", headers=headers),
        client.delete(f"/session/{session_id}", headers=headers),
        client.post(
            f"/session/{session_id}/bulk/import",
            files={"nodes": ("n.csv", "node_id\nz\n")},
            data={"mode": "REPLACE"},
            headers=headers,
        ),
        client.post(
            "/graphql", json={"query": CREATE_NODE, "variables": {"s": session_id}}, headers=headers
        ),
    ]
    for call in calls:
        response = await call
        assert forbidden(response), (response.status_code, response.text)
    assert await row_counts(engine) == before


@pytest.mark.parametrize(
    "headers",
    [
        {},  # curl, the CLI, gql, Apollo or graphql-ws on Node
        {"Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"},  # the editor, GraphiQL
        {"Sec-Fetch-Site": "none"},  # typed into the address bar
    ],
)
async def test_same_origin_and_non_browser_writes_pass(client, session_id, headers):
    response = await client.post(
        "/graphql", json={"query": CREATE_NODE, "variables": {"s": session_id}}, headers=headers
    )
    assert response.status_code == 200
    assert response.json()["data"]["createNode"]["nodeId"] == "N003"


async def test_reads_from_another_site_are_not_refused_but_get_no_cors_headers(client):
    response = await client.get("/health", headers={"Origin": EVIL})
    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers


async def test_an_untrusted_host_is_refused(client):
    response = await client.get("/health", headers={"Host": "rebind.evil.example"})
    assert forbidden(response)
    response = await client.get("/health", headers={"Host": "localhost:8000"})
    assert response.status_code == 200


async def _app_client(settings: Settings, base_url: str = "http://testserver") -> httpx.AsyncClient:
    app: FastAPI = create_app(settings)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base_url)


async def test_listed_cors_origins_may_write_and_get_cors_headers(settings, engine):
    configured = settings.model_copy(
        update={"cors_origins": ["https://app.example"], "trusted_hosts": ["api.example"]}
    )
    async with await _app_client(configured, "http://api.example") as http:
        preflight = await http.options(
            "/graphql",
            headers={
                "Origin": "https://app.example",
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "content-type",
            },
        )
        assert preflight.status_code == 200
        assert preflight.headers["access-control-allow-origin"] == "https://app.example"
        response = await http.post(
            "/session/create", json={}, headers={"Origin": "https://app.example"}
        )
        assert response.status_code == 201
        assert response.headers["access-control-allow-origin"] == "https://app.example"
        assert forbidden(await http.post("/session/create", json={}, headers={"Origin": EVIL}))
        assert forbidden(await http.get("/health", headers={"Host": "localhost"}))


def test_trusted_hosts_and_origins_read_comma_separated_environment(monkeypatch):
    monkeypatch.setenv("GRAPH_API_TRUSTED_HOSTS", "a.example, b.example")
    monkeypatch.setenv("GRAPH_API_CORS_ORIGINS", "https://app.example")
    settings = Settings()
    assert settings.trusted_hosts == ["a.example", "b.example"]
    assert settings.cors_origins == ["https://app.example"]
    assert (Settings().graphiql, Settings().introspection) == (True, True)


async def test_graphiql_and_introspection_can_be_switched_off(settings, engine):
    introspect = {"query": "{ __schema { queryType { name } } }"}
    async with await _app_client(settings) as http:
        assert "graphiql" in (await http.get("/graphql", headers={"Accept": "text/html"})).text
        assert (await http.post("/graphql", json=introspect)).json()["data"]
    off = settings.model_copy(update={"graphiql": False, "introspection": False})
    async with await _app_client(off) as http:
        page = await http.get("/graphql", headers={"Accept": "text/html"})
        assert "graphiql" not in page.text.lower()
        body = (await http.post("/graphql", json=introspect)).json()
        assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
        assert (await http.post("/graphql", json={"query": "{ __typename }"})).json()["data"]
