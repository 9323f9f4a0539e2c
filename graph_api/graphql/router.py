"""The /graphql endpoint: Strawberry's FastAPI router with JSON errors and orjson bodies.

Malformed requests answer 4xx with `{"errors": [{"message": ...}]}` (CONTRACT.md §1)
instead of Strawberry's plain-text bodies; a mutation over GET is 405.
WebSocket messages leave as text frames (CONTRACT.md §10): graphql-ws, gql and
GraphiQL refuse binary ones, while HTTP bodies stay orjson's bytes. The response
media type follows the Accept header (graphql/media.py).
A JSON array body is a batch, run by graphql/batch.py.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from contextvars import ContextVar
from pathlib import Path
from typing import Any

import orjson
from cross_web import HTTPException
from fastapi import BackgroundTasks, Request, WebSocket, WebSocketDisconnect
from fastapi.requests import HTTPConnection
from fastapi.responses import HTMLResponse, JSONResponse, Response
from strawberry.asgi import ASGIWebSocketAdapter
from strawberry.fastapi import BaseContext
from strawberry.fastapi import GraphQLRouter as StrawberryRouter
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.http.typevars import Context, RootValue
from strawberry.schema import BaseSchema
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
)
from strawberry.types import ExecutionResult
from strawberry.types.unset import UNSET

from graph_api.errors import GraphAPIError
from graph_api.graphql.batch import BatchRefused, batch_response
from graph_api.graphql.encoding import encode_response
from graph_api.graphql.media import (
    GRAPHQL_RESPONSE_JSON,
    JSON,
    did_not_run,
    response_media_type,
    status_without_data,
)
from graph_api.graphql.persisted import as_graphql_error, refused, remember, resolve_document
from graph_api.services.persisted_queries import DocumentCache

# The media type negotiated for the request being answered: Strawberry's hooks that build
# the body and the response are not handed the request, and the router serves them all.
_media_type: ContextVar[str] = ContextVar("graphql_media_type", default=JSON)
# GraphiQL with its assets served by this package (web/vendor/graphiql), not a CDN.
GRAPHIQL_HTML = (Path(__file__).resolve().parent / "graphiql.html").read_text(encoding="utf-8")


def error_body(message: str, code: str | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"message": message}
    if code is not None:
        error["extensions"] = {"code": code}
    return {"errors": [error]}


class TextWebSocketAdapter(ASGIWebSocketAdapter):
    """Sends every graphql-transport-ws message as a text frame.

    Strawberry sends whatever `encode_json` returns, and bytes go out as binary frames;
    the protocol's clients expect text. HTTP keeps `encode_json`'s bytes (no decode).
    """

    async def send_json(self, message: Mapping[str, object]) -> None:
        try:
            await self.ws.send_text(orjson.dumps(message).decode())
        except WebSocketDisconnect as exc:
            raise WebSocketDisconnected from exc


class PersistedWSHandler(BaseGraphQLTransportWSHandler[Context, RootValue]):
    """graphql-transport-ws, with persisted-only mode applied to every operation."""

    async def run_operation(self, operation: Operation[Context, RootValue]) -> None:
        router: GraphQLRouter[Context, RootValue] = self.view  # type: ignore[assignment]
        try:
            resolved = await resolve_document(
                query=operation.query, extensions=None, context=self.context, cache=router.persisted
            )
        except GraphAPIError as error:
            await operation.send_initial_errors([as_graphql_error(error)])
            return
        operation.query = resolved.document or operation.query
        await super().run_operation(operation)


class GraphQLRouter(StrawberryRouter[Context, RootValue]):
    websocket_adapter_class = TextWebSocketAdapter
    # The class-level TypeVars of a generic base cannot be matched from a subclass body.
    graphql_transport_ws_handler_class = PersistedWSHandler  # type: ignore[assignment]

    def __init__(
        self,
        schema: BaseSchema,
        *,
        context_getter: Callable[[HTTPConnection], Awaitable[Context]],
        path: str = "",
        **kwargs: Any,
    ) -> None:
        super().__init__(schema, path=path, context_getter=context_getter, **kwargs)
        self._make_context = context_getter
        self.persisted = DocumentCache()
        # Other methods get the GraphQL error shape too, not FastAPI's {"detail": ...}.
        self.add_api_route(
            path,
            _method_not_allowed,
            methods=["PUT", "PATCH", "DELETE"],
            include_in_schema=False,
        )

    async def serve_post(self, request: Request) -> Response:
        """POST: what Strawberry's FastAPI route does, without FastAPI's dependency solving
        (a tenth of a small request's time, issue 16). Mounted in front of the route by
        app.py; the context is made as the dependency makes it."""
        context = await self._make_context(request)
        sub_response = Response()
        del sub_response.headers["content-length"]
        sub_response.status_code = None  # type: ignore[assignment]  # "not set", as FastAPI's
        tasks = BackgroundTasks()
        if isinstance(context, BaseContext):
            context.request = request
            context.background_tasks = tasks
            context.response = sub_response
        self.temporal_response = sub_response
        response: Response = await self.run(request=request, context=context, root_value=None)
        if tasks.tasks:
            response.background = tasks
        return response

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        return HTMLResponse(GRAPHIQL_HTML)

    def should_render_graphql_ide(self, request: Any) -> bool:
        # A GET naming a persisted query has no `query` either: it is an operation.
        return "extensions" not in request.query_params and super().should_render_graphql_ide(
            request
        )

    async def execute_single(
        self,
        request: Request,
        request_adapter: Any,
        sub_response: Response,
        context: Context,
        root_value: RootValue | None,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        try:
            resolved = await resolve_document(
                query=request_data.query,
                extensions=request_data.extensions,
                context=context,
                cache=self.persisted,
            )
        except GraphAPIError as error:
            return refused(error)
        request_data.query = resolved.document
        result = await super().execute_single(
            request, request_adapter, sub_response, context, root_value, request_data
        )
        if resolved.to_store is not None and not did_not_run(result.data, result.errors):
            await remember(resolved.to_store, context=context, cache=self.persisted)
        return result

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
        token = _media_type.set(response_media_type(request.headers.get("accept")))
        try:
            if (batch := await batch_response(self, request, context, root_value)) is not None:
                return batch
            return await super().run(request, context, root_value)
        except HTTPException as exc:
            return _error_response(request, exc)
        finally:
            _media_type.reset(token)

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        body = await super().process_result(request, result)
        if _media_type.get() == GRAPHQL_RESPONSE_JSON and did_not_run(result.data, result.errors):
            del body["data"]  # the spec's sign that the request itself failed
        return body

    def create_response(
        self,
        response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse],
        sub_response: Response,
    ) -> Response:
        response = super().create_response(response_data, sub_response)
        if _media_type.get() == GRAPHQL_RESPONSE_JSON:
            response.headers["content-type"] = _content_type()
            if isinstance(response_data, dict) and "data" not in response_data:
                response.status_code = status_without_data(response_data)
        return response


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
    headers = {"Allow": "GET, POST"} if status == 405 else {}
    headers["content-type"] = _content_type()
    code = exc.code if isinstance(exc, BatchRefused) else None
    return JSONResponse(error_body(reason, code), status_code=status, headers=headers)


def _content_type() -> str:
    media_type = _media_type.get()
    return f"{media_type}; charset=utf-8" if media_type == GRAPHQL_RESPONSE_JSON else media_type
