"""HTTP behaviour of /graphql and /health (CONTRACT.md §1, §7, §9), through the real ASGI app."""

from __future__ import annotations

import logging
import threading

import httpx
import pytest

from graph_api.app import create_app
from graph_api.config import Limits, Settings
from tests.graphql.helpers import row_counts

LIMIT = 4096
JSON = {"content-type": "application/json"}


@pytest.fixture
def limits():
    return Limits(max_body_bytes=LIMIT)


def _assert_json_errors(response, status):
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert isinstance(body["errors"], list) and body["errors"]
    assert all(isinstance(error["message"], str) and error["message"] for error in body["errors"])
    return body


async def test_post_query_and_mutation(client):
    response = await client.post("/graphql", json={"query": "mutation { createSession { id } }"})
    assert response.status_code == 200
    session_id = response.json()["data"]["createSession"]["id"]
    response = await client.post(
        "/graphql",
        json={
            "query": "query($s: ID!) { session(id: $s) { id } }",
            "variables": {"s": session_id},
        },
    )
    assert response.json() == {"data": {"session": {"id": session_id}}}


async def test_get_runs_queries(client):
    response = await client.get(
        "/graphql",
        params={
            "query": "query($s: ID!) { session(id: $s) { id } }",
            "variables": '{"s": "6f1c2a9e-1d2b-4c3d-8e4f-5a6b7c8d9e0f"}',
        },
        headers={"accept": "application/json"},
    )
    assert response.status_code == 200
    assert response.json() == {"data": {"session": None}}


async def test_get_refuses_mutations_with_405_and_does_not_run_them(client, engine):
    response = await client.get(
        "/graphql",
        params={"query": "mutation { createSession { id } }"},
        headers={"accept": "application/json"},
    )
    _assert_json_errors(response, 405)
    assert (await row_counts(engine))["sessions"] == 0


async def test_graphiql_for_a_browser(client):
    response = await client.get("/graphql", headers={"accept": "text/html,application/xhtml+xml"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "graphiql" in response.text.lower()


@pytest.mark.parametrize(
    ("content", "headers", "status"),
    [
        (b"{not json", JSON, 400),
        (b"", JSON, 400),
        (b'"a string"', JSON, 400),
        (b"3", JSON, 400),
        (b"null", JSON, 400),
        (b"[1]", JSON, 400),
        (b"{}", JSON, 400),
        (b'{"query": null}', JSON, 400),
        (b'{"query": 3}', JSON, 400),  # a query that is not a string counts as none
        (b'{"query": ["{ __typename }"]}', JSON, 400),
        (b'{"query": "{ __typename }", "variables": [1]}', JSON, 400),
        (b'{"query": "{ __typename }"}', {"content-type": "text/plain"}, 415),
        (b'{"query": "{ __typename }"}', {}, 415),
    ],
    ids=lambda value: value.decode()[:20] if isinstance(value, bytes) else str(value),
)
async def test_malformed_requests_answer_4xx_json(client, content, headers, status):
    response = await client.post("/graphql", content=content, headers=headers)
    _assert_json_errors(response, status)


async def test_body_over_the_limit_is_413_with_limit_exceeded(client, engine):
    query = 'mutation { createSession(input: {name: "%s"}) { id } }' % ("x" * LIMIT)
    response = await client.post("/graphql", json={"query": query})
    body = _assert_json_errors(response, 413)
    assert body["errors"][0]["extensions"]["code"] == "LIMIT_EXCEEDED"
    assert (await row_counts(engine))["sessions"] == 0


async def test_streamed_body_over_the_limit_is_413_too(client, engine):
    """Without a Content-Length the bytes received are counted."""

    async def chunks():
        yield b'{"query": "mutation { createSession(input: {name: \\"'
        for _ in range(LIMIT // 512 + 1):
            yield b"x" * 512
        yield b'\\"}) { id } }"}'

    response = await client.post("/graphql", content=chunks(), headers=JSON)
    body = _assert_json_errors(response, 413)
    assert body["errors"][0]["extensions"]["code"] == "LIMIT_EXCEEDED"
    assert (await row_counts(engine))["sessions"] == 0


async def test_body_just_under_the_limit_is_served(client):
    padding = LIMIT - 200
    query = 'mutation { createSession(input: {name: "%s"}) { id } }' % ("x" * padding)
    response = await client.post("/graphql", json={"query": query})
    assert response.status_code == 200, response.text
    assert "errors" not in response.json()


async def test_unexpected_errors_are_json_not_500_html(client, monkeypatch):
    from graph_api.services import sessions as session_service

    async def broken(**_kwargs):
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(session_service, "create_session", broken)
    response = await client.post("/graphql", json={"query": "mutation { createSession { id } }"})
    assert response.status_code == 200
    assert response.json()["errors"][0]["extensions"]["code"] == "INTERNAL_ERROR"


async def test_health_ok(client):
    response = await client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


@pytest.mark.parametrize(
    "url",
    [
        "sqlite+aiosqlite:////nonexistent/directory/graph.db",
        "postgresql+asyncpg://nobody@127.0.0.1:1/nothing",
    ],
    ids=["sqlite", "postgresql"],
)
async def test_health_503_when_the_database_cannot_be_reached(url, caplog):
    settings = Settings(database_url=url, migrate_on_start=False, connect_timeout_s=2)
    app = create_app(settings)
    caplog.set_level(logging.ERROR)
    threads = set(threading.enumerate())
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://testserver"
        ) as http,
    ):
        response = await http.get("/health")
        assert response.status_code == 503
        assert response.json() == {"status": "degraded", "database": "unavailable"}
        # The detail goes to the server log, not to the client.
        assert caplog.records
        graphql = await http.post("/graphql", json={"query": "mutation { createSession { id } }"})
        assert graphql.status_code == 200
        assert graphql.json()["errors"][0]["extensions"]["code"] == "INTERNAL_ERROR"
        assert "nonexistent" not in graphql.text and "127.0.0.1" not in graphql.text
    # aiosqlite stops the thread of a failed connect asynchronously; let it finish while
    # this test's event loop still exists (it reports back to that loop).
    for thread in set(threading.enumerate()) - threads:
        if "_connection_worker_thread" in thread.name:
            thread.join(timeout=5)


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
async def test_other_methods_answer_405_json(client, method):
    response = await client.request(method, "/graphql", json={"query": "{ __typename }"})
    _assert_json_errors(response, 405)
    assert response.headers["allow"] == "GET, POST"
