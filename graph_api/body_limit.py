"""An ASGI middleware that stops request bodies over the configured size (CONTRACT.md §7, §9).

GraphQL and REST JSON bodies are limited to `max_body_bytes`; multipart uploads
to `bulk/import` to `max_upload_bytes`. Both the declared Content-Length and the
bytes actually received are checked, so a chunked body cannot slip past.
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from graph_api.config import Limits
from graph_api.run_limit import send_json


class BodyTooLarge(Exception):
    """Raised into the app by `receive` once the body grows past the limit.

    A framework may catch it while reading the body (FastAPI turns any body error
    into a 400): it carries the limit so that an exception handler can still answer
    413 LIMIT_EXCEEDED (see graph_api/rest/errors.py).
    """

    def __init__(self, limit: int, limit_name: str) -> None:
        super().__init__(f"The request body is larger than {limit} bytes")
        self.limit = limit
        self.limit_name = limit_name


def _body(path: str, limit: int) -> bytes:
    message = f"The request body is larger than {limit} bytes"
    if path.startswith("/graphql"):
        payload: dict[str, Any] = {
            "errors": [{"message": message, "extensions": {"code": "LIMIT_EXCEEDED"}}]
        }
    else:
        payload = {"error": {"code": "LIMIT_EXCEEDED", "message": message}}
    return orjson.dumps(payload)


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, limits: Limits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        limit_name = "max_upload_bytes" if path.endswith("/bulk/import") else "max_body_bytes"
        limit: int = getattr(self.limits, limit_name)
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._reject(send, path, limit)
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit, limit_name)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await self._reject(send, path, limit)

    async def _reject(self, send: Send, path: str, limit: int) -> None:
        await send_json(send, 413, _body(path, limit))
