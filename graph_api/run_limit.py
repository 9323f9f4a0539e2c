"""An ASGI middleware that ends a request's work after `Limits.max_run_seconds` (CONTRACT.md §7).

The request's task is cancelled, not merely answered: the cancellation reaches the
resolver or route at its next await, the unit of work rolls back (db/transaction.py;
a statement running on SQLite is interrupted), and the client gets LIMIT_EXCEEDED
in the shape of the endpoint (GraphQL errors on /graphql, the REST error elsewhere).
The clock stops once the response has started: a streamed export is being sent, not
computed. WebSocket connections are not limited (each operation on them is short, and a
subscription lives as long as its client wants).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("graph_api")


def limit_body(path: str, message: str, *, limit: str) -> tuple[int, bytes]:
    """Status and body of a LIMIT_EXCEEDED answer in the shape of the endpoint at `path`."""
    if path.startswith("/graphql"):
        error = {"message": message, "extensions": {"code": "LIMIT_EXCEEDED", "limit": limit}}
        return 200, orjson.dumps({"data": None, "errors": [error]})
    payload: dict[str, Any] = {"error": {"code": "LIMIT_EXCEEDED", "message": message}}
    return 422, orjson.dumps(payload)


async def send_json(send: Send, status: int, body: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class RunTimeLimitMiddleware:
    def __init__(self, app: ASGIApp, seconds: float) -> None:
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.seconds <= 0:
            await self.app(scope, receive, send)
            return
        started = False
        deadline = asyncio.timeout(self.seconds)

        async def timed_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start" and not started:
                started = True
                deadline.reschedule(None)
            await send(message)

        try:
            async with deadline:
                await self.app(scope, receive, timed_send)
        except TimeoutError:
            if not deadline.expired() or started:
                raise
            path: str = scope.get("path", "")
            log.warning("%s %s ended after %s s", scope.get("method"), path, self.seconds)
            message = f"The request ran longer than {self.seconds:g} s and was ended"
            status, body = limit_body(path, message, limit="max_run_seconds")
            await send_json(send, status, body)
