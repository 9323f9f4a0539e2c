"""Schema extensions: one transaction per operation, and the contract's error codes.

`UnitOfWorkExtension` opens the request's transaction around execution: a write
transaction for mutations, a read snapshot for queries. A mutation with any
error is rolled back and answers data: null. `ErrorCodes` gives every error its
`extensions.code` and masks anything unexpected as INTERNAL_ERROR.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack
from typing import Any

from graphql import ExecutionResult as GraphQLExecutionResult
from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from graph_api.db.errors import contract_error, unavailable_error
from graph_api.db.transaction import transaction_context
from graph_api.errors import GraphAPIError, InternalError
from graph_api.graphql.context import Context

log = logging.getLogger("graph_api.graphql")

_LIMIT_MESSAGES = re.compile(r"exceeds maximum operation depth|aliases found\. Allowed", re.I)
_VARIABLE_MESSAGES = re.compile(r"^Variable '\$|got invalid value|Expected value of type", re.I)


class UnitOfWorkExtension(SchemaExtension):
    """Runs each query or mutation inside one transaction shared by all its resolvers."""

    async def on_execute(self) -> AsyncIterator[None]:
        ec = self.execution_context
        context = ec.context
        if ec.operation_type == OperationType.SUBSCRIPTION or not isinstance(context, Context):
            yield
            return
        write = ec.operation_type == OperationType.MUTATION
        async with AsyncExitStack() as stack:
            try:
                uow = await stack.enter_async_context(
                    transaction_context(
                        context.engine,
                        write=write,
                        limits=context.settings.limits,
                        publisher=context.publisher,
                    )
                )
            except Exception as exc:
                log.exception("could not open a transaction")
                ec.result = _failed(unavailable_error(exc), exc)
                yield
                return
            context.bind(uow)
            yield
            result = ec.result
            if write and result is not None and result.errors:
                uow.mark_failed()
                result.data = None
            try:
                await stack.aclose()
            except Exception as exc:
                # Strawberry returns the result object it already holds: change it in place
                # (assigning a new ec.result here would be ignored and report a lost commit
                # as a success).
                failed = _failed(_commit_error(exc), exc)
                if result is None:
                    ec.result = failed
                else:
                    result.data = None
                    result.errors = failed.errors


def _commit_error(exc: Exception) -> GraphAPIError:
    if isinstance(exc, GraphAPIError):
        return exc
    log.error("commit failed", exc_info=exc)
    return contract_error(exc) or InternalError()


def _failed(error: GraphAPIError, cause: BaseException) -> GraphQLExecutionResult:
    return GraphQLExecutionResult(
        data=None, errors=[GraphQLError(error.message, original_error=error)]
    )


class ErrorCodes(SchemaExtension):
    """Every error leaves with extensions.code; unexpected ones are masked and logged.

    Results streamed over WebSocket (subscriptions, and operations sent there)
    are translated one by one in on_stream_result, before they are sent;
    on_operation then leaves them alone.
    """

    _streamed = False

    def on_operation(self) -> Iterator[None]:
        try:
            yield
        except GraphQLError as error:
            # Raised out of the operation (ParserCache parses as its hook opens): Strawberry
            # answers with this error itself, after this hook, so it gets its code here.
            raise translate_error(error) from None
        result = self.execution_context.result
        if self._streamed or result is None or not result.errors:
            return
        result.errors = [translate_error(error) for error in result.errors]

    def on_stream_result(self, result: Any) -> Iterator[None]:
        self._streamed = True
        errors = getattr(result, "errors", None)
        if errors:
            result.errors = [translate_stream_error(error) for error in errors]
        yield


def translate_stream_error(error: GraphQLError) -> GraphQLError:
    """As translate_error; an exception a subscription's stream raised has no path, but is
    still unexpected (not a request error) unless it carries its own code."""
    original = error.original_error
    if (
        error.path is None
        and original is not None
        and not isinstance(original, GraphQLError | GraphAPIError)
    ):
        log.error("unexpected error in a subscription", exc_info=original)
        return _with_code(error, InternalError())
    return translate_error(error)


def translate_error(error: GraphQLError) -> GraphQLError:
    original = error.original_error
    if isinstance(original, GraphQLError) and original is not error:
        if error.path is None and _VARIABLE_MESSAGES.search(error.message):
            # graphql-core 3.3 wraps the coercion error: the outer message names the variable.
            return _request_error(error)
        return translate_error(original)
    if isinstance(original, GraphAPIError):
        error.extensions = {**(error.extensions or {}), **original.extensions}
        return error
    mapped = contract_error(original) if original is not None else None
    if mapped is not None:
        # A database failure: the client gets the contract code, the log keeps the detail.
        log.warning("database error in %s: %s", error.path, mapped.code, exc_info=original)
        return _with_code(error, mapped)
    if error.path is None:
        return _request_error(error)
    log.error("unexpected error in %s", error.path, exc_info=original or error)
    return _with_code(error, InternalError())


def _request_error(error: GraphQLError) -> GraphQLError:
    """Errors before execution: syntax, validation, limits and variable values."""
    message = error.message
    if _LIMIT_MESSAGES.search(message):
        code = "LIMIT_EXCEEDED"
    elif message.startswith("Syntax Error"):
        code = "GRAPHQL_PARSE_FAILED"
    elif _VARIABLE_MESSAGES.search(message):
        code = "BAD_USER_INPUT"
    else:
        code = "GRAPHQL_VALIDATION_FAILED"
    error.extensions = {**(error.extensions or {}), "code": code}
    return error


def _with_code(error: GraphQLError, replacement: GraphAPIError) -> GraphQLError:
    extensions: dict[str, Any] = dict(replacement.extensions)
    return GraphQLError(
        replacement.message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        extensions=extensions,
    )
