"""`graph-api users add`, `tokens create|list|revoke` and `sessions assign`, then the API."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from typer.testing import CliRunner

from graph_api.app import create_app
from graph_api.cli import app as cli
from graph_api.config import Settings
from graph_api.db.transaction import transaction_context
from graph_api.services import sessions as session_service
from graph_api.services.specs import SessionSpec

runner = CliRunner()


def _cli(database_url: str, *args: str) -> Any:
    result = runner.invoke(cli, [*args, "--database-url", database_url])
    return result


async def _old_session(settings: Settings) -> str:
    """A session made before authentication was switched on: it has no owner."""
    app = create_app(settings)
    async with (
        app.router.lifespan_context(app),
        transaction_context(app.state.engine, write=True) as db,
    ):
        row = await session_service.create_session(db=db, spec=SessionSpec(name="old"))
        return str(row.id)


async def _session_as(settings: Settings, session_id: str, token: str) -> httpx.Response:
    app = create_app(settings.model_copy(update={"auth": "required"}))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            return await http.post(
                "/graphql",
                json={
                    "query": "query($s: ID!) { session(id: $s) { name myRole } }",
                    "variables": {"s": session_id},
                },
                headers={"Authorization": f"Bearer {token}"},
            )


def test_users_tokens_and_assign(database_url: str, settings: Settings) -> None:
    assert _cli(database_url, "users", "add", "dana").exit_code == 0
    missing = _cli(database_url, "tokens", "create", "nobody")
    assert missing.exit_code == 1 and "No user" in missing.output
    created = _cli(database_url, "tokens", "create", "dana", "--expires", "30")
    assert created.exit_code == 0, created.output
    token = created.stdout.strip().splitlines()[0]
    assert token.startswith("gat_")
    listed = _cli(database_url, "tokens", "list", "dana")
    token_id = token.removeprefix("gat_").split("_")[0]
    assert token_id in listed.stdout and token not in listed.stdout

    session_id = asyncio.run(_old_session(settings))
    before = asyncio.run(_session_as(settings, session_id, token)).json()
    assert before == {"data": {"session": None}}  # nobody owns it yet
    assigned = _cli(database_url, "sessions", "assign", session_id.upper(), "--user", "dana")
    assert assigned.exit_code == 0, assigned.output
    after = asyncio.run(_session_as(settings, session_id, token)).json()
    assert after == {"data": {"session": {"name": "old", "myRole": "OWNER"}}}

    assert _cli(database_url, "tokens", "revoke", token_id).exit_code == 0
    refused = asyncio.run(_session_as(settings, session_id, token))
    assert refused.status_code == 401
    [row] = _cli(database_url, "tokens", "list", "dana").stdout.strip().splitlines()[1:]
    assert row.split("\t")[0] == token_id and row.split("\t")[3] != "-"  # revoked at
