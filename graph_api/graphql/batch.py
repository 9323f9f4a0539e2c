"""Batched requests (CONTRACT.md §13): a JSON array of operations in one POST, one unit of work.

router.py hands every request to `batch_response` first, which answers those whose
JSON body is an array. The batch is checked whole before anything runs: its shape, its
size (`Settings.max_batch`), each operation's type (no subscriptions) and the limits
that bind the batch as a whole too (`SUMMED_LIMITS`); what fails is a request error
and nothing runs. Then one
RequestTransaction serves every operation: read-only (one snapshot) unless an
operation is a mutation. The operations run in order through the schema, each with
every per-operation extension (validation, depth and alias limits, error codes, the
compiled read path); `Context.batched` tells UnitOfWorkExtension to use the batch's
transaction instead of opening one.

A read-only batch answers each operation's own result. In a batch holding a mutation
the first operation with an error stops it and the transaction rolls back: that
operation answers its own errors, every other one BATCH_ABORTED, all with data null.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cross_web import HTTPException
from fastapi import Request, WebSocket
from fastapi.responses import Response
from graphql import (
    DocumentNode,
    GraphQLError,
    parse,
)
from strawberry.fastapi import GraphQLRouter
from strawberry.http import GraphQLRequestData
from strawberry.schema.exceptions import CannotGetOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType
from strawberry.utils.operation import get_operation_type

from graph_api.config import Limits
from graph_api.errors import BatchAborted, GraphAPIError
from graph_api.graphql.context import Context
from graph_api.graphql.extensions import RequestTransaction, translate_error
from graph_api.graphql.limits import Cost, document_cost

_ARRAY = re.compile(r"\s*\[")
_ARRAY_BYTES = re.compile(rb"\s*\[")

# Below this a document is parsed on the event loop; above, in a worker thread, so that
# other requests (and /health) keep being answered meanwhile.
INLINE_BYTES = 16 * 1024


@dataclass(frozen=True)
class SummedLimit:
    """A limit of §7 that binds the batch as a whole, summed over its operations: `count`
    measures one operation (its document and operation name) as its own limit does."""

    what: str
    count: Callable[[Cost], int]
    limit: Callable[[Limits], int]


SUMMED_LIMITS: tuple[SummedLimit, ...] = (
    SummedLimit("aliases", lambda cost: cost.aliases, lambda limits: limits.max_aliases),
    SummedLimit(
        "fields after fragment expansion",
        lambda cost: cost.fields,
        lambda limits: limits.max_fields,
    ),
)


class BatchRefused(HTTPException):
    """A batch refused as a whole before anything ran; `code` goes in the error body."""

    def __init__(self, status_code: int, reason: str, code: str | None = None) -> None:
        super().__init__(status_code, reason)
        self.code = code


@dataclass(frozen=True)
class Operation:
    request: GraphQLRequestData
    type: OperationType | None  # None: a syntax error, which the operation's answer reports
    document: DocumentNode | None


async def batch_response(
    view: GraphQLRouter[Any, Any], request: Request | WebSocket, context: object, root_value: Any
) -> Response | None:
    """The response to a batch (a JSON array of results in order, or BatchRefused), or
    None when the request is not a batch."""
    if not isinstance(request, Request) or not await _is_batch(request):
        return None
    if request.method != "POST":
        raise BatchRefused(405, "A batch of operations is sent with POST")
    if not isinstance(context, Context):
        raise TypeError("a batch needs the graph_api Context")
    operations = await read_batch(
        view.parse_json(await request.body()),
        max_batch=context.settings.max_batch,
        limits=context.settings.limits,
    )
    results = await execute_batch(view, request, context, root_value, operations)
    response_data = [await view.process_result(request, result) for result in results]
    for element in response_data:
        # §13: every element has its data entry (null when it has none), whatever the
        # media type does with a single operation that never ran.
        element.setdefault("data", None)
    sub_response = await view.get_sub_response(request)
    return view.create_response(response_data=response_data, sub_response=sub_response)


async def _is_batch(request: Request) -> bool:
    """Whether the request's JSON body (or a GET's query) is an array. Cheap for the
    single operations that make up the traffic: the body's first byte tells (Starlette
    keeps the body it read for Strawberry), headers are read only for an array."""
    method = request.method
    if method == "GET" and _ARRAY.match(request.query_params.get("query", "")):
        return True
    if method not in ("GET", "POST") or _ARRAY_BYTES.match(await request.body()) is None:
        return False
    return "json" in request.headers.get("content-type", "")


async def read_batch(items: object, *, max_batch: int, limits: Limits) -> list[Operation]:
    """The batch's operations, or BatchRefused."""
    if not isinstance(items, list) or not items:
        raise BatchRefused(400, "A batch must hold at least one operation")
    if len(items) > max_batch:
        raise BatchRefused(
            413,
            f"A batch holds at most {max_batch} operations, not {len(items)}",
            "LIMIT_EXCEEDED",
        )
    operations = [await _operation(index, item) for index, item in enumerate(items)]
    for summed in SUMMED_LIMITS:
        total, limit = sum(_measure(summed, op) for op in operations), summed.limit(limits)
        if total > limit:
            raise BatchRefused(
                413, f"{total} {summed.what} in the batch. Allowed: {limit}", "LIMIT_EXCEEDED"
            )
    return operations


def _measure(summed: SummedLimit, operation: Operation) -> int:
    if operation.document is None:
        return 0
    try:
        return summed.count(document_cost(operation.document))
    except GraphQLError:
        return 0  # an invalid document: the operation's own validation reports it


async def _operation(index: int, item: object) -> Operation:
    if not isinstance(item, dict):
        raise BatchRefused(400, f"Operation {index} of the batch is not a JSON object")
    query, variables = item.get("query"), item.get("variables")
    name, extensions = item.get("operationName"), item.get("extensions")
    if not isinstance(query, str) or not query:
        raise BatchRefused(400, f"Operation {index} of the batch has no query string")
    if not isinstance(variables, dict | None) or not isinstance(extensions, dict | None):
        raise BatchRefused(
            400, f"Operation {index} of the batch: variables and extensions must be objects"
        )
    if not isinstance(name, str | None):
        raise BatchRefused(400, f"Operation {index} of the batch: operationName is not a string")
    request = GraphQLRequestData(query, variables, name, extensions)
    document = await _parse(query)
    if document is None:
        return Operation(request, None, None)
    try:
        kind = get_operation_type(document, name)
    except RuntimeError:
        reason = CannotGetOperationTypeError(name).as_http_error_reason()
        raise BatchRefused(400, f"Operation {index} of the batch: {reason}") from None
    if kind == OperationType.SUBSCRIPTION:
        raise BatchRefused(400, f"Operation {index} of the batch is a subscription")
    return Operation(request, kind, document)


async def _parse(query: str) -> DocumentNode | None:
    """The document, or None when it does not parse (its execution then reports why)."""
    try:
        if len(query) <= INLINE_BYTES:
            return parse(query)
        return await asyncio.to_thread(parse, query)
    except (GraphQLError, RecursionError):
        return None


async def execute_batch(
    view: GraphQLRouter[Any, Any],
    request: Request,
    context: Context,
    root_value: Any,
    operations: list[Operation],
) -> list[ExecutionResult]:
    """Every operation's result, in order, from one transaction."""
    write = any(op.type == OperationType.MUTATION for op in operations)
    adapter = view.request_adapter_class(request)
    sub_response = await view.get_sub_response(request)
    results: list[ExecutionResult] = []
    async with RequestTransaction(context, write=write) as tx:
        if tx.open_error is not None:
            return [_error_result(tx.open_error)] * len(operations)
        context.batched = True
        try:
            for operation in operations:
                result = await view.execute_single(
                    request, adapter, sub_response, context, root_value, operation.request
                )
                results.append(result)
                if write and result.errors:
                    tx.fail()
                    break
        finally:
            context.batched = False
    if tx.commit_error is not None:
        return [_error_result(tx.commit_error)] * len(operations)
    if write and results[-1].errors:
        return _aborted(results, len(operations))
    return results


def _aborted(results: list[ExecutionResult], count: int) -> list[ExecutionResult]:
    """A rolled-back batch: the failed operation's errors, BATCH_ABORTED for the others."""
    failed = len(results) - 1
    aborted = _error_result(BatchAborted())
    return [
        ExecutionResult(None, results[failed].errors, results[failed].extensions)
        if index == failed
        else aborted
        for index in range(count)
    ]


def _error_result(error: GraphAPIError) -> ExecutionResult:
    """An answer made outside the operations, coded as ErrorCodes codes theirs."""
    coded = translate_error(GraphQLError(error.message, original_error=error))
    return ExecutionResult(data=None, errors=[coded])
