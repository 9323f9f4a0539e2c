"""REST error responses: one handler per kind of failure, one JSON shape (CONTRACT.md §5, §8).

`{"error": {"code": ..., "message": ..., ...}}` where the extra keys are the
error's GraphQL extensions in snake_case (`field`, `current_version`,
`expected_version`, `problems`, `limit`). The status follows the code:
*_NOT_FOUND 404, DUPLICATE and VERSION_CONFLICT 409, BAD_USER_INPUT and
CSV_INVALID 422, LIMIT_EXCEEDED 413 for a body and 422 otherwise,
INTERNAL_ERROR 500 with a generic message (the detail goes to the log).
FastAPI's own request validation answers 422 BAD_USER_INPUT in the same shape,
and a malformed session id in the path stays a 404 even then.
"""

from __future__ import annotations

import logging
import re
from typing import Any, Literal

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match, Mount

from graph_api.body_limit import BodyTooLarge
from graph_api.errors import GraphAPIError, LimitExceeded, SessionNotFound
from graph_api.services.validation import parse_session_id

log = logging.getLogger("graph_api.rest")

REST_PREFIX = "/session/"
GRAPHQL_PATH = "/graphql"

ErrorCode = Literal[
    "SESSION_NOT_FOUND",
    "NODE_NOT_FOUND",
    "COMPONENT_NOT_FOUND",
    "RELATIONSHIP_NOT_FOUND",
    "DUPLICATE",
    "VERSION_CONFLICT",
    "BAD_USER_INPUT",
    "CSV_INVALID",
    "LIMIT_EXCEEDED",
    "INTERNAL_ERROR",
    # Not contract codes of an operation: an unknown path or a method the path does not take.
    "NOT_FOUND",
    "METHOD_NOT_ALLOWED",
]
# Limits on the size of a whole request body: over them is 413, not 422.
_BODY_LIMITS = frozenset({"max_body_bytes", "max_upload_bytes"})
_CAMEL = re.compile(r"(?<=[a-z0-9])([A-Z])")


class CsvProblem(BaseModel):
    file: Literal["nodes", "relationships"]
    line: int
    column: str | None
    message: str


class ErrorDetail(BaseModel):
    """The error; keys beyond code and message appear only where they apply."""

    model_config = ConfigDict(extra="allow")

    code: ErrorCode
    message: str
    field: str | None = Field(None, description="BAD_USER_INPUT (and some others): the input.")
    current_version: int | None = Field(None, description="VERSION_CONFLICT: the current one.")
    expected_version: int | None = Field(None, description="VERSION_CONFLICT: the one sent.")
    limit: str | None = Field(None, description="LIMIT_EXCEEDED: which configured limit.")
    problems: list[CsvProblem] | None = Field(None, description="CSV_INVALID: up to 100.")
    retryable: bool | None = Field(None, description="INTERNAL_ERROR: a retry may succeed.")


class ErrorResponse(BaseModel):
    error: ErrorDetail


_DESCRIPTIONS: dict[int, str] = {
    404: "SESSION_NOT_FOUND, NODE_NOT_FOUND or RELATIONSHIP_NOT_FOUND "
    "(a malformed session id is SESSION_NOT_FOUND too)",
    409: "DUPLICATE, or VERSION_CONFLICT with current_version",
    413: "LIMIT_EXCEEDED: the request body is over the configured size",
    422: "BAD_USER_INPUT with `field`, or LIMIT_EXCEEDED for a list or page size",
    500: "INTERNAL_ERROR with a generic message; `retryable: true` when a retry may succeed",
}


_EXAMPLES: dict[int, dict[str, Any]] = {
    404: {"code": "NODE_NOT_FOUND", "message": "Node N042 not found"},
    409: {
        "code": "VERSION_CONFLICT",
        "message": "Node N001 is at version 3, not 2",
        "current_version": 3,
        "expected_version": 2,
    },
    413: {"code": "LIMIT_EXCEEDED", "message": "The request body is larger than 67108864 bytes"},
    422: {"code": "BAD_USER_INPUT", "message": "label must not be empty", "field": "label"},
    500: {"code": "INTERNAL_ERROR", "message": "Internal server error"},
}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` for the error statuses a route can answer (500 always).

    Declaring them also keeps FastAPI from documenting its own 422 body, which
    this API never sends.
    """
    return {
        status: {
            "model": ErrorResponse,
            "description": _DESCRIPTIONS[status],
            "content": {"application/json": {"example": {"error": _EXAMPLES[status]}}},
        }
        for status in sorted({*statuses, 500})
    }


def _snake(name: str) -> str:
    return _CAMEL.sub(r"_\1", name).lower()


def _rest_field(field: str) -> str:
    """A GraphQL argument path as the REST body names it: `input.components[0].type` ->
    `components[0].type` (the REST body *is* the input), camelCase -> snake_case."""
    return _snake(field.removeprefix("input."))


def error_body(code: str, message: str, **extensions: Any) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, **extensions}}


def status_of(exc: GraphAPIError) -> int:
    if exc.code == "LIMIT_EXCEEDED" and exc.extensions.get("limit") in _BODY_LIMITS:
        return 413
    return exc.http_status


async def graph_api_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, GraphAPIError)
    status = status_of(exc)
    if status >= 500:
        # InternalError messages are written for clients ("retry the request"); the
        # cause, which may hold SQL, goes to the log only.
        log.error("REST request failed: %s", exc.message, exc_info=exc.__cause__ or exc)
    extensions = {
        _snake(key): _rest_field(value) if key == "field" and isinstance(value, str) else value
        for key, value in exc.extensions.items()
        if key != "code"
    }
    return JSONResponse(error_body(exc.code, exc.message, **extensions), status)


def _loc_text(loc: tuple[Any, ...]) -> str:
    """("body", "components", 0, "type") -> "components[0].type"; ("query", "limit") -> "limit"."""
    parts = list(loc[1:]) if loc and loc[0] in ("body", "query", "path", "header") else list(loc)
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or (str(loc[0]) if loc else "body")


async def request_validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    session_id = request.path_params.get("session_id")
    if session_id is not None and parse_session_id(session_id) is None:
        return await graph_api_error(request, SessionNotFound(session_id))
    errors = exc.errors()
    first = errors[0] if errors else {}
    # An unparseable body is located at a character offset; name the body instead.
    is_json = first.get("type") == "json_invalid"
    field = "body" if is_json else _loc_text(tuple(first.get("loc", ())))
    message = f"{field}: {first.get('msg', 'invalid value')}"
    if len(errors) > 1:
        message += f" (and {len(errors) - 1} more)"
    return JSONResponse(error_body("BAD_USER_INPUT", message, field=field), 422)


async def http_error(request: Request, exc: Exception) -> Response:
    """Starlette's own errors in this API's shapes.

    An unknown path or a method a path does not take: 404 / 405 in the REST shape
    (GraphQL's `{"errors": [...]}` under /graphql), the Allow header kept.
    FastAPI answers 400 {"detail": ...} for a body it cannot read: on a REST route
    that is 413 LIMIT_EXCEEDED when the body limit stopped it, else (not UTF-8, say)
    bad input like any other, 422 BAD_USER_INPUT."""
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code in _ROUTING_CODES:
        return _routing_error(request, exc)
    if exc.status_code != 400 or not request.url.path.startswith(REST_PREFIX):
        return await http_exception_handler(request, exc)
    if isinstance(exc.__cause__, BodyTooLarge):  # a body without Content-Length grew too big
        too_large = exc.__cause__
        return await graph_api_error(
            request, LimitExceeded(str(too_large), limit=too_large.limit_name)
        )
    message = f"body: {exc.detail}"
    return JSONResponse(error_body("BAD_USER_INPUT", message, field="body"), 422)


_ROUTING_CODES = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}


def _routing_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    path, method = request.url.path, request.method
    headers = dict(exc.headers or {})
    if exc.status_code == 404:
        message = f"No such path: {path}"
    else:
        # The editor's static files are mounted at "/", so they answer a REST path's wrong
        # method with their own Allow: name the methods of the routes of that path instead.
        allowed = _methods_of(request, path)
        if allowed:
            headers["Allow"] = ", ".join(allowed)
        message = f"{path} does not take {method} (allowed: {headers.get('Allow')})"
    if path == GRAPHQL_PATH or path.startswith(GRAPHQL_PATH + "/"):
        body: dict[str, Any] = {"errors": [{"message": message}]}
    else:
        body = error_body(_ROUTING_CODES[exc.status_code], message)
    return JSONResponse(body, exc.status_code, headers=headers)


_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def _methods_of(request: Request, path: str) -> list[str]:
    """The methods some route (not a mount) takes at `path`, asked of the router itself."""
    routes = [route for route in request.app.router.routes if not isinstance(route, Mount)]
    return [
        method
        for method in _METHODS
        if any(
            route.matches({**request.scope, "method": method})[0] == Match.FULL for route in routes
        )
    ]


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(GraphAPIError, graph_api_error)
    app.add_exception_handler(RequestValidationError, request_validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    _document_request_validation(app)


def _document_request_validation(app: FastAPI) -> None:
    """Make OpenAPI tell the truth about 422.

    FastAPI documents its own 422 body (HTTPValidationError) on every route with
    parameters, but request_validation_error answers in ErrorResponse's shape. A
    route with a body or query parameters gets ErrorResponse for that 422; one with
    only (plain string) path parameters cannot fail validation, so its 422 goes.
    """
    build = app.openapi

    def openapi() -> dict[str, Any]:
        schema = build()  # FastAPI's cached document: the edits below are idempotent
        schemas = schema.get("components", {}).get("schemas", {})
        if "ErrorResponse" not in schemas:
            return schema
        for path_item in schema.get("paths", {}).values():
            for operation in path_item.values():
                _fix_422(operation)
        if "HTTPValidationError" not in str(schema.get("paths")):
            schemas.pop("HTTPValidationError", None)
            schemas.pop("ValidationError", None)  # referenced only by HTTPValidationError
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _fix_422(operation: dict[str, Any]) -> None:
    response = operation.get("responses", {}).get("422")
    if response is None or "HTTPValidationError" not in str(response):
        return
    can_fail = "requestBody" in operation or any(
        parameter.get("in") != "path" for parameter in operation.get("parameters", [])
    )
    if not can_fail:
        del operation["responses"]["422"]
        return
    operation["responses"]["422"] = {
        "description": _DESCRIPTIONS[422],
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}},
    }
