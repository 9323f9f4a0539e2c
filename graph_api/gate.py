"""The door (CONTRACT.md §11): who is calling, and whether they are within their budget.

An ASGI middleware in front of the API routes (/graphql and REST). It reads
`Authorization: Bearer ...` once per request or WebSocket connection and leaves the
caller in a `CallerSlot` in the scope, from which the GraphQL context and the REST
dependencies hand it to the unit of work (where services/access.py reads it).

- GRAPH_API_AUTH=required: no or bad credentials are HTTP 401 with `WWW-Authenticate:
  Bearer` and UNAUTHENTICATED; a WebSocket without them (neither in the upgrade's header
  nor in its `connection_init` payload) is closed with 4401.
- GRAPH_API_RATE_LIMIT: 429 with Retry-After and LIMIT_EXCEEDED past the budget of the
  user (or of the client address without one).
- /health, the editor's static files, GraphiQL's page and the API docs pass freely.
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from graph_api.caller import SCOPE_KEY, Caller, CallerSlot
from graph_api.rate_limit import RateLimiter
from graph_api.services.identity.authenticate import Authenticator

GRAPHQL_PATH = "/graphql"
_UNAUTHORIZED = 4401
_TOO_MANY = 4429


def error_body(path: str, code: str, message: str) -> bytes:
    """The GraphQL error shape on /graphql, the REST one elsewhere."""
    if path.startswith(GRAPHQL_PATH):
        return orjson.dumps({"errors": [{"message": message, "extensions": {"code": code}}]})
    return orjson.dumps({"error": {"code": code, "message": message}})


class Gate:
    def __init__(
        self,
        app: ASGIApp,
        *,
        authenticator: Authenticator,
        limiter: RateLimiter | None,
        rest_prefixes: frozenset[str],
    ) -> None:
        self.app = app
        self.authenticator = authenticator
        self.limiter = limiter
        self.prefixes = rest_prefixes | {GRAPHQL_PATH}

    def _guarded(self, scope: Scope) -> bool:
        path: str = scope.get("path", "")
        first = "/" + path.lstrip("/").split("/", 1)[0]
        if first not in self.prefixes:
            return False
        # CORS preflights carry no credentials and run nothing: the CORS layer answers them.
        return not (
            scope["type"] == "http" and (scope["method"] == "OPTIONS" or _is_ide_page(scope))
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or not self._guarded(scope):
            await self.app(scope, receive, send)
            return
        header = _header(scope, b"authorization")
        # GRAPH_API_AUTH=none means no identity, whatever a client or proxy sends.
        caller = (
            await self.authenticator.caller_for(header) if self.authenticator.required else None
        )
        scope[SCOPE_KEY] = slot = CallerSlot(caller)
        if scope["type"] == "websocket":
            await self._websocket(scope, receive, send, slot, header)
            return
        if self.authenticator.required and caller is None:
            await _respond(send, scope, 401, "UNAUTHENTICATED", _why(header))
            return
        retry = await self._over_budget(scope, caller)
        if retry is not None:
            await _respond(
                send, scope, 429, "LIMIT_EXCEEDED", "Too many requests", retry_after=retry
            )
            return
        await self.app(scope, receive, send)

    async def _over_budget(self, scope: Scope, caller: Caller | None) -> int | None:
        if self.limiter is None:
            return None
        if caller is not None:
            return await self.limiter.retry_after(f"user:{caller.user_id}")
        client = scope.get("client")
        return await self.limiter.retry_after(f"addr:{client[0] if client else 'unknown'}")

    async def _websocket(
        self, scope: Scope, receive: Receive, send: Send, slot: CallerSlot, header: str | None
    ) -> None:
        required = self.authenticator.required
        if required and header is not None and slot.caller is None:
            await _refuse_websocket(scope, receive, send, _UNAUTHORIZED)
            return
        if await self._over_budget(scope, slot.caller) is not None:
            await _refuse_websocket(scope, receive, send, _TOO_MANY)
            return
        if not required:
            await self.app(scope, receive, send)
            return
        closed = False

        async def guarded_receive() -> Message:
            # The first message may bring the credentials; every later operation checks
            # they still hold (a revoked token opens nothing new on an open socket).
            nonlocal closed
            message = await receive()
            if message["type"] != "websocket.receive":
                return message
            if slot.caller is None:
                slot.caller = await self._from_init(message)
                allowed = slot.caller is not None
            else:
                allowed = not _is_subscribe(message) or await self.authenticator.still_valid(
                    slot.caller
                )
            if not allowed:
                closed = True
                await send({"type": "websocket.close", "code": _UNAUTHORIZED})
                return {"type": "websocket.disconnect", "code": _UNAUTHORIZED}
            return message

        async def guarded_send(message: Message) -> None:
            if not closed:
                await send(message)

        await self.app(scope, guarded_receive, guarded_send)

    async def _from_init(self, message: Message) -> Caller | None:
        """The caller of a `connection_init` whose payload carries {"Authorization": ...}."""
        try:
            parsed: Any = orjson.loads(message.get("text") or message.get("bytes") or b"")
        except orjson.JSONDecodeError:
            return None
        payload = parsed.get("payload") if isinstance(parsed, dict) else None
        if parsed.get("type") != "connection_init" or not isinstance(payload, dict):
            return None
        value = payload.get("Authorization", payload.get("authorization"))
        return await self.authenticator.caller_for(value if isinstance(value, str) else None)


def _is_subscribe(message: Message) -> bool:
    """A graphql-transport-ws `subscribe` (an operation starts), read without parsing it all."""
    raw = message.get("text") or message.get("bytes") or b""
    return b'"subscribe"' in (raw.encode() if isinstance(raw, str) else raw)


def _is_ide_page(scope: Scope) -> bool:
    """GET /graphql from a browser, without a query: GraphiQL's page."""
    return (
        scope["method"] == "GET"
        and b"query=" not in scope.get("query_string", b"")
        and "text/html" in (_header(scope, b"accept") or "")
    )


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return str(value.decode("latin-1"))
    return None


def _why(header: str | None) -> str:
    if header is None:
        return "Authentication required: send Authorization: Bearer <token>"
    return "The bearer token is invalid, expired or revoked"


async def _respond(
    send: Send, scope: Scope, status: int, code: str, message: str, *, retry_after: int = 0
) -> None:
    body = error_body(scope.get("path", ""), code, message)
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
    ]
    if status == 401:
        headers.append((b"www-authenticate", b'Bearer realm="graph_api"'))
    if retry_after:
        headers.append((b"retry-after", str(retry_after).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _refuse_websocket(scope: Scope, receive: Receive, send: Send, code: int) -> None:
    """Accept (with the client's subprotocol, or clients drop the close code), then close."""
    message = await receive()
    if message["type"] != "websocket.connect":
        return
    offered: list[str] = scope.get("subprotocols") or []
    accept: dict[str, Any] = {"type": "websocket.accept"}
    if offered:
        accept["subprotocol"] = offered[0]
    await send(accept)
    await send({"type": "websocket.close", "code": code})
