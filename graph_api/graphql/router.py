"""The /graphql endpoint: Strawberry's FastAPI router with JSON errors and orjson bodies.

Malformed requests answer 4xx with `{"errors": [{"message": ...}]}` (CONTRACT.md §1)
instead of Strawberry's plain-text bodies; a mutation over GET is 405.
"""

from __future__ import annotations

from typing import Any

import orjson
from cross_web import HTTPException
from fastapi import Request, WebSocket
from fastapi.responses import JSONResponse, Response
from strawberry.fastapi import GraphQLRouter as StrawberryRouter
from strawberry.http.typevars import Context, RootValue
from strawberry.schema import BaseSchema
from strawberry.types.unset import UNSET

from graph_api.graphql.encoding import encode_response


def error_body(message: str, code: str | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"message": message}
    if code is not None:
        error["extensions"] = {"code": code}
    return {"errors": [error]}


class GraphQLRouter(StrawberryRouter[Context, RootValue]):
    def __init__(self, schema: BaseSchema, *, path: str = "", **kwargs: Any) -> None:
        super().__init__(schema, path=path, **kwargs)
        # Other methods get the GraphQL error shape too, not FastAPI's {"detail": ...}.
        self.add_api_route(
            path,
            _method_not_allowed,
            methods=["PUT", "PATCH", "DELETE"],
            include_in_schema=False,
        )

    def decode_json(self, data: str | bytes) -> object:
        return orjson.loads(data)

    def parse_json(self, data: str | bytes) -> Any:
        parsed = super().parse_json(data)
        if not isinstance(parsed, dict | list):
            raise HTTPException(400, "The request body must be a JSON object")
        return parsed

    def encode_json(self, data: object) -> bytes:
        return encode_response(data)

    async def run(
        self,
        request: Request | WebSocket,
        context: Context | Any = UNSET,
        root_value: RootValue | None = UNSET,
    ) -> Any:
        try:
            return await super().run(request, context, root_value)
        except HTTPException as exc:
            return _error_response(request, exc)


async def _method_not_allowed() -> JSONResponse:
    return JSONResponse(
        error_body("GraphQL is served over GET (queries) and POST"),
        status_code=405,
        headers={"Allow": "GET, POST"},
    )


def _error_response(request: Request | WebSocket, exc: HTTPException) -> Response:
    status = exc.status_code
    reason = exc.reason
    if "not allowed when using GET" in reason:
        status = 405
    elif reason == "Unsupported content type":
        status = 415
    headers = {"Allow": "GET, POST"} if status == 405 else None
    return JSONResponse(error_body(reason), status_code=status, headers=headers)
