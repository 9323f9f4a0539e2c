"""GRAPH_API_PERSISTED_ONLY=true on a real `graph-api serve`: Python's gql over HTTP and
WebSocket runs the documents registered with `graph-api persisted add`, and nothing else."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from gql import Client, GraphQLRequest
from gql.transport.exceptions import TransportQueryError
from gql.transport.httpx import HTTPXAsyncTransport
from gql.transport.websockets import WebsocketsTransport
from graphql import parse, print_ast
from typer.testing import CliRunner

from graph_api.cli import app as cli
from tests.autosave.conftest import serve_process
from tests.clients.conftest import CREATE_SESSION, RENAME_NODE, SESSION_CHANGES


def printed(document: str) -> str:
    """The text gql sends for a document (it prints the parsed document)."""
    return print_ast(parse(document))


@pytest.fixture
def registered(database_url: str, tmp_path: Path) -> list[str]:
    files = []
    for name, document in (
        ("create.graphql", CREATE_SESSION),
        ("rename.graphql", RENAME_NODE),
        ("changes.graphql", SESSION_CHANGES),
    ):
        path = tmp_path / name
        path.write_text(printed(document), encoding="utf-8")
        files.append(str(path))
    result = CliRunner().invoke(cli, ["persisted", "add", *files, "--database-url", database_url])
    assert result.exit_code == 0, result.output
    return result.output.splitlines()


async def test_only_registered_documents_run_over_http_and_websocket(
    database_url, tmp_path, registered
):
    assert len(registered) == 3
    async with serve_process(database_url, tmp_path, GRAPH_API_PERSISTED_ONLY="true") as server:
        http = Client(transport=HTTPXAsyncTransport(url=f"{server.url}/graphql", timeout=30))
        ws_transport = WebsocketsTransport(
            url=server.url.replace("http://", "ws://") + "/graphql",
            subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL],
        )
        async with http as session, Client(transport=ws_transport) as ws:
            created = await session.execute(
                GraphQLRequest(CREATE_SESSION, variable_values={"name": "locked down"})
            )
            session_id = created["createSession"]["id"]
            with pytest.raises(TransportQueryError) as refused:
                await session.execute(GraphQLRequest("{ __typename }"))
            assert refused.value.errors[0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"

            with pytest.raises(TransportQueryError) as refused_ws:
                async for _ in ws.subscribe(
                    GraphQLRequest(
                        "subscription($s: ID!) { sessionChanges(sessionId: $s) { key } }",
                        variable_values={"s": session_id},
                    )
                ):
                    pass
            assert refused_ws.value.errors[0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"

            changes = ws.subscribe(
                GraphQLRequest(SESSION_CHANGES, variable_values={"s": session_id, "since": 1})
            )
            rename = {"s": session_id, "n": "N001", "label": "allowed"}
            await session.execute(GraphQLRequest(RENAME_NODE, variable_values=rename))
            change = await asyncio.wait_for(anext(changes), 20)
            await changes.aclose()
    assert change["sessionChanges"] == {
        "revision": 2,
        "op": "UPDATE",
        "kind": "NODE",
        "key": "N001",
    }
