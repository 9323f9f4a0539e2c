"""Automatic persisted queries over HTTP (CONTRACT.md §10), through the real ASGI app.

`extensions.persistedQuery = {version: 1, sha256Hash}`: without the query the stored
document runs or PERSISTED_QUERY_NOT_FOUND answers; with it the hash is checked and
the document stored in the database (another app on that database knows it); GET works;
GRAPH_API_PERSISTED_ONLY refuses every document not stored before.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from graph_api.app import create_app
from graph_api.cli import app as cli
from graph_api.config import Settings
from graph_api.db.models import persisted_queries
from graph_api.graphql.media import GRAPHQL_RESPONSE_JSON

QUERY = "query Typename { __typename }"
MUTATION = "mutation { createSession { id } }"
JSON_ACCEPT = {"accept": "application/json"}


def sha256(document: str) -> str:
    return hashlib.sha256(document.encode()).hexdigest()


def apq(document: str, *, version: int = 1) -> dict[str, Any]:
    return {"persistedQuery": {"version": version, "sha256Hash": sha256(document)}}


async def stored_count(engine) -> int:
    async with engine.connect() as conn:
        count: int = (
            await conn.execute(select(func.count()).select_from(persisted_queries))
        ).scalar_one()
        return count


@asynccontextmanager
async def serving(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """Another app (another server process, as far as it knows) on the same database."""
    application = create_app(settings)
    async with (
        application.router.lifespan_context(application),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=application), base_url="http://testserver"
        ) as http,
    ):
        yield http


def _code(body: dict[str, Any]) -> str:
    code: str = body["errors"][0]["extensions"]["code"]
    return code


async def test_unknown_hash_is_persisted_query_not_found(client, engine):
    response = await client.post("/graphql", json={"extensions": apq(QUERY)})
    assert response.status_code == 200
    assert _code(response.json()) == "PERSISTED_QUERY_NOT_FOUND"
    assert response.json()["errors"][0]["message"] == "PersistedQueryNotFound"
    assert await stored_count(engine) == 0


async def test_registered_with_its_text_then_run_by_hash_by_every_server(client, engine, settings):
    first = await client.post("/graphql", json={"query": QUERY, "extensions": apq(QUERY)})
    assert first.json() == {"data": {"__typename": "Query"}}
    assert await stored_count(engine) == 1
    again = await client.post("/graphql", json={"query": QUERY, "extensions": apq(QUERY)})
    assert again.json() == {"data": {"__typename": "Query"}}
    assert await stored_count(engine) == 1
    # A server that never saw it reads it from the database.
    async with serving(settings) as other:
        by_hash = await other.post("/graphql", json={"extensions": apq(QUERY)})
        assert by_hash.json() == {"data": {"__typename": "Query"}}
        by_get = await other.get(
            "/graphql", params={"extensions": json.dumps(apq(QUERY))}, headers=JSON_ACCEPT
        )
        assert by_get.status_code == 200
        assert by_get.json() == {"data": {"__typename": "Query"}}


async def test_get_registers_and_runs_and_is_not_mistaken_for_graphiql(client):
    params = {"extensions": json.dumps(apq(QUERY))}
    # Accept */* without a query would be the GraphiQL page; extensions make it an operation.
    unknown = await client.get("/graphql", params=params, headers={"accept": "*/*"})
    assert unknown.headers["content-type"] == "application/json"
    assert _code(unknown.json()) == "PERSISTED_QUERY_NOT_FOUND"
    registered = await client.get(
        "/graphql", params={**params, "query": QUERY}, headers=JSON_ACCEPT
    )
    assert registered.json() == {"data": {"__typename": "Query"}}
    by_hash = await client.get("/graphql", params=params, headers=JSON_ACCEPT)
    assert by_hash.json() == {"data": {"__typename": "Query"}}


async def test_a_persisted_mutation_over_get_is_405_and_does_not_run(client, engine):
    await client.post("/graphql", json={"query": MUTATION, "extensions": apq(MUTATION)})
    sessions_before = await client.post("/graphql", json={"query": "{ __typename }"})
    assert sessions_before.status_code == 200
    response = await client.get(
        "/graphql", params={"extensions": json.dumps(apq(MUTATION))}, headers=JSON_ACCEPT
    )
    assert response.status_code == 405


@pytest.mark.parametrize(
    ("extensions", "field"),
    [
        ({"persistedQuery": {"version": 1, "sha256Hash": sha256("{ other }")}}, "sha256Hash"),
        ({"persistedQuery": {"version": 1, "sha256Hash": "abc"}}, "sha256Hash"),
        ({"persistedQuery": {"version": 1, "sha256Hash": 7}}, "sha256Hash"),
        ({"persistedQuery": {"version": 2, "sha256Hash": sha256(QUERY)}}, "version"),
        ({"persistedQuery": "yes"}, "version"),
    ],
    ids=["mismatch", "short", "not-a-string", "version-2", "not-an-object"],
)
async def test_bad_persisted_query_extensions_are_bad_user_input(client, engine, extensions, field):
    response = await client.post("/graphql", json={"query": QUERY, "extensions": extensions})
    assert response.status_code == 200
    error = response.json()["errors"][0]
    assert error["extensions"] == {
        "code": "BAD_USER_INPUT",
        "field": f"extensions.persistedQuery.{field}",
    }
    assert await stored_count(engine) == 0


async def test_other_extensions_are_ignored(client):
    response = await client.post(
        "/graphql", json={"query": QUERY, "extensions": {"tracing": True, "persistedQuery": None}}
    )
    assert response.json() == {"data": {"__typename": "Query"}}


async def test_not_found_with_graphql_response_json_is_400_without_data(client):
    response = await client.post(
        "/graphql", json={"extensions": apq(QUERY)}, headers={"accept": GRAPHQL_RESPONSE_JSON}
    )
    assert response.status_code == 400
    assert "data" not in response.json()
    assert _code(response.json()) == "PERSISTED_QUERY_NOT_FOUND"


@pytest.fixture
def registered(settings, tmp_path) -> str:
    """QUERY registered with `graph-api persisted add` (a sync fixture: the CLI runs its own
    event loop)."""
    path = tmp_path / "typename.graphql"
    path.write_text(QUERY, encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["persisted", "add", str(path), "--database-url", settings.database_url]
    )
    assert result.exit_code == 0, result.output
    assert result.output == f"{sha256(QUERY)}  {path}\n"
    return QUERY


async def test_persisted_only_runs_registered_documents_alone(settings, engine, registered):
    async with serving(settings.model_copy(update={"persisted_only": True})) as http:
        for body in (
            {"query": QUERY},
            {"extensions": apq(QUERY)},
            {"query": QUERY, "extensions": apq(QUERY)},
        ):
            response = await http.post("/graphql", json=body)
            assert response.json() == {"data": {"__typename": "Query"}}, body
        for body in (
            {"query": MUTATION},
            {"query": MUTATION, "extensions": apq(MUTATION)},  # not registered by a client
            {"extensions": apq(MUTATION)},
        ):
            response = await http.post("/graphql", json=body)
            assert response.status_code == 200
            assert _code(response.json()) == "PERSISTED_QUERY_NOT_FOUND", body
        response = await http.get(
            "/graphql", params={"query": "{ __typename }"}, headers=JSON_ACCEPT
        )
        assert _code(response.json()) == "PERSISTED_QUERY_NOT_FOUND"
    assert await stored_count(engine) == 1
    async with engine.connect() as conn:
        rows = (
            await conn.execute(select(persisted_queries.c.sha256, persisted_queries.c.document))
        ).all()
    assert [tuple(row) for row in rows] == [(sha256(QUERY), QUERY)]


def test_cli_refuses_a_file_that_is_not_graphql_and_stores_nothing(settings, tmp_path):
    good = tmp_path / "good.graphql"
    good.write_text(QUERY, encoding="utf-8")
    bad = tmp_path / "bad.graphql"
    bad.write_text("{ nope", encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["persisted", "add", str(good), str(bad), "--database-url", settings.database_url]
    )
    assert result.exit_code == 1
    assert "bad.graphql: not a GraphQL document" in result.output
    assert sha256(QUERY) not in result.output


@pytest.mark.parametrize("document", ["{ nope", "{ nope }"], ids=["parse", "validation"])
async def test_a_document_that_never_ran_is_not_stored(client, engine, document):
    response = await client.post("/graphql", json={"query": document, "extensions": apq(document)})
    assert response.json()["errors"]
    assert await stored_count(engine) == 0
    response = await client.post("/graphql", json={"extensions": apq(document)})
    assert _code(response.json()) == "PERSISTED_QUERY_NOT_FOUND"
