"""Subscriptions under GRAPH_API_AUTH=required, over a real socket.

The matrix's subscription row (every caller), the 4401 close for a socket without
(or with bad) credentials, both ways of sending a token, and the end of live
subscriptions within 5 s when a token is revoked or a membership removed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from typing import Any

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from graph_api.config import Settings
from graph_api.db.transaction import transaction_context
from graph_api.services.identity import sharing, tokens
from tests.autosave.wsclient import SESSION_CHANGES
from tests.identity.world import ACTORS, World, build_world


async def _open(url: str, token: str | None, *, in_header: bool) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token and in_header else None
    ws = await connect(
        url.replace("http://", "ws://") + "/graphql",
        subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
        additional_headers=headers,
        open_timeout=10,
    )
    payload = {"Authorization": f"Bearer {token}"} if token and not in_header else {}
    with contextlib.suppress(ConnectionClosed):  # a bad header is closed at once
        await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
    return ws


async def _first(ws: Any, session_id: str) -> dict[str, Any]:
    """The first message after subscribing from revision 0 (or the close)."""
    try:
        ack = json.loads(await asyncio.wait_for(ws.recv(), 10))
        assert ack["type"] == "connection_ack", ack
        message = {"id": "1", "type": "subscribe"}
        message["payload"] = {"query": SESSION_CHANGES, "variables": {"s": session_id, "since": 0}}  # type: ignore[assignment]
        await ws.send(json.dumps(message))
        answer: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), 10))
        return answer
    except ConnectionClosed as closed:
        return {"closed": closed.rcvd.code if closed.rcvd else None}


EXPECTED = {
    "owner": "next",
    "editor": "next",
    "viewer": "next",
    "stranger": "SESSION_NOT_FOUND",
    "no token": 4401,
    "expired token": 4401,
    "revoked token": 4401,
}


def _outcome(message: dict[str, Any]) -> object:
    if "closed" in message:
        return message["closed"]
    if message["type"] == "error":
        return message["payload"][0]["extensions"]["code"]
    return message["type"]


@pytest.mark.parametrize("in_header", [True, False], ids=["upgrade header", "connection_init"])
async def test_subscription_row_of_the_matrix(
    in_header: bool, auth_settings: Settings, live_server: Any
) -> None:
    async with live_server(auth_settings) as server:
        world = await build_world(server.app.state.engine)
        got = {}
        for actor in ACTORS:
            ws = await _open(server.url, world.tokens.get(actor), in_header=in_header)
            try:
                got[actor] = _outcome(await _first(ws, world.session_id))
            finally:
                await ws.close()
    assert got == EXPECTED


async def test_a_bad_header_is_closed_with_4401_before_anything(
    auth_settings: Settings, live_server: Any
) -> None:
    async with live_server(auth_settings) as server:
        ws = await _open(server.url, "gat_nope_nope", in_header=True)
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 10)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401


async def _ended_within(ws: Any, seconds: float) -> dict[str, Any]:
    """Skip changes until the subscription ends; the error that ended it."""
    deadline = time.monotonic() + seconds
    while True:
        left = deadline - time.monotonic()
        assert left > 0, "the subscription did not end in time"
        message: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), left))
        if message["type"] == "next" and "errors" in message["payload"]:
            return message
        assert message["type"] == "next", message


@pytest.mark.parametrize("how", ["revoke the token", "unshare the member"])
async def test_revocation_ends_live_subscriptions_within_5_s(
    how: str, auth_settings: Settings, live_server: Any
) -> None:
    settings = auth_settings.model_copy(update={"access_recheck_s": 2.0})
    async with live_server(settings) as server:
        engine = server.app.state.engine
        world: World = await build_world(engine)
        ws = await _open(server.url, world.tokens["viewer"], in_header=False)
        try:
            assert _outcome(await _first(ws, world.session_id)) == "next"
            async with transaction_context(engine, write=True) as db:
                if how == "revoke the token":
                    [info] = await tokens.list_tokens(db=db, user_id="viewer")
                    await tokens.revoke_token(db=db, token_id=info.id)
                else:
                    await sharing.unshare_session(
                        db=await _as_owner(db), session_id=world.session_id, user_id="viewer"
                    )
            started = time.monotonic()
            ended = await _ended_within(ws, 5.0)
            assert time.monotonic() - started < 5.0
        finally:
            await ws.close()
    code = ended["payload"]["errors"][0]["extensions"]["code"]
    assert code == ("UNAUTHENTICATED" if how == "revoke the token" else "FORBIDDEN")


async def _as_owner(db: Any) -> Any:
    from graph_api.caller import Caller

    db.caller = Caller("owner")
    return db


async def test_a_revoked_token_starts_nothing_more_on_an_open_socket(
    auth_settings: Settings, live_server: Any
) -> None:
    async with live_server(auth_settings) as server:
        engine = server.app.state.engine
        world = await build_world(engine)
        ws = await _open(server.url, world.tokens["editor"], in_header=True)
        try:
            assert _outcome(await _first(ws, world.session_id)) == "next"
            async with transaction_context(engine, write=True) as db:
                [info] = await tokens.list_tokens(db=db, user_id="editor")
                await tokens.revoke_token(db=db, token_id=info.id)
            query = {"query": "{ me { id } }"}
            await ws.send(json.dumps({"id": "2", "type": "subscribe", "payload": query}))
            with pytest.raises(ConnectionClosed) as closed:
                while True:  # changes of the first subscription may come first
                    await asyncio.wait_for(ws.recv(), 10)
        finally:
            await ws.close()
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401
