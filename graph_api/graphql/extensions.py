"""Schema extensions: one transaction per operation, and the contract's error codes.

`UnitOfWorkExtension` opens the request's transaction (`RequestTransaction`) around
execution: a write transaction for mutations, a read snapshot for queries. A mutation
with any error is rolled back and answers data: null. `ErrorCodes` gives every error its
`extensions.code` and masks anything unexpected as INTERNAL_ERROR.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack
from types import TracebackType
from typing import Any

from graphql import ExecutionResult as GraphQLExecutionResult
from graphql import FieldNode, GraphQLError, get_operation_ast
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from graph_api.db.errors import contract_error, unavailable_error
from graph_api.db.transaction import UnitOfWork, transaction_context
from graph_api.errors import GraphAPIError, InternalError
from graph_api.graphql.context import Context

log = logging.getLogger("graph_api.graphql")

_LIMIT_MESSAGES = re.compile(r"exceeds maximum operation depth|aliases found\. Allowed", re.I)
_VARIABLE_MESSAGES = re.compile(r"^Variable '\$|got invalid value|Expected value of type", re.I)


class RequestTransaction:
    """A GraphQL request's unit of work, opened and closed in this one place: around one
    operation (UnitOfWorkExtension) or around all the operations of a batch (batch.py).

    `async with RequestTransaction(context, write=...) as tx:` begins and binds the
    transaction to the context; leaving the block commits, or rolls back after fail()
    or an exception. Database failures become answers, not exceptions: `open_error`
    when the transaction could not begin (nothing ran), `commit_error` when the commit
    failed (nothing was kept).
    """

    def __init__(self, context: Context, *, write: bool) -> None:
        self.context = context
        self.write = write
        self.open_error: GraphAPIError | None = None
        self.commit_error: GraphAPIError | None = None
        self._stack = AsyncExitStack()
        self._uow: UnitOfWork | None = None

    async def __aenter__(self) -> RequestTransaction:
        settings = self.context.settings
        try:
            self._uow = await self._stack.enter_async_context(
                transaction_context(
                    self.context.engine,
                    write=self.write,
                    limits=settings.limits,
                    publisher=self.context.publisher,
                    caller=self.context.caller,
                )
            )
        except Exception as exc:
            log.exception("could not open a transaction")
            self.open_error = unavailable_error(exc)
            return self
        self.context.bind(self._uow)
        return self

    def fail(self) -> None:
        """Roll back instead of committing."""
        if self._uow is not None:
            self._uow.mark_failed()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            await self._stack.__aexit__(exc_type, exc, traceback)
        except Exception as error:
            if error is exc:
                raise
            self.commit_error = _commit_error(error)


class UnitOfWorkExtension(SchemaExtension):
    """Runs each query or mutation inside one transaction shared by all its resolvers
    (the operations of a batch share the batch's: graphql/batch.py)."""

    async def on_execute(self) -> AsyncIterator[None]:
        ec = self.execution_context
        context = ec.context
        if (
            ec.operation_type == OperationType.SUBSCRIPTION
            or not isinstance(context, Context)
            or context.batched
            or _typename_only(ec.graphql_document, ec.operation_name)
        ):
            yield
            return
        write = ec.operation_type == OperationType.MUTATION
        async with RequestTransaction(context, write=write) as tx:
            if tx.open_error is not None:
                ec.result = failed_result(tx.open_error)
                yield
                return
            yield
            result = ec.result
            if write and result is not None and result.errors:
                tx.fail()
                result.data = None
        if tx.commit_error is not None:
            # Strawberry returns the result object it already holds: change it in place
            # (assigning a new ec.result here would be ignored and report a lost commit
            # as a success).
            failed = failed_result(tx.commit_error)
            if result is None:
                ec.result = failed
            else:
                result.data = None
                result.errors = failed.errors


def _typename_only(document: Any, operation_name: str | None) -> bool:
    """True for an operation selecting nothing but `__typename` (`{ __typename }`, a
    client's liveness probe): no resolver of ours runs, so no transaction is opened for it
    (a BEGIN/COMMIT round trip was most of its cost: bench/README.md, issue 16)."""
    if document is None:
        return False
    operation = get_operation_ast(document, operation_name)
    return operation is not None and all(
        isinstance(selection, FieldNode) and selection.name.value == "__typename"
        for selection in operation.selection_set.selections
    )


def _commit_error(exc: Exception) -> GraphAPIError:
    if isinstance(exc, GraphAPIError):
        return exc
    log.error("commit failed", exc_info=exc)
    return contract_error(exc) or InternalError()


def failed_result(error: GraphAPIError) -> GraphQLExecutionResult:
    """An operation's answer when its transaction failed: no data, the error (coded by
    ErrorCodes from its original_error)."""
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
