"""FastReads: answers plain read queries on the compiled path before graphql-core executes.

Registered after UnitOfWorkExtension, so its on_execute runs inside the request's read
transaction (same snapshot, isolation and limits as the resolvers would get). When it
sets `execution_context.result`, Strawberry skips execution (schema.py,
`_execute_operation`); error codes, masking and the HTTP response then work as for
any result. Parsing, validation (depth, aliases) and their caches ran before.

Anything the compiled path does not cover, and every operation that would answer with
an error, is left to the general execution, which then produces the answer itself:
errors, their order and their paths are always the general path's own.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

from graphql import ExecutionResult as GraphQLExecutionResult
from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionContext
from strawberry.types.graphql import OperationType

from graph_api.errors import GraphAPIError
from graph_api.graphql.context import Context
from graph_api.graphql.fast.plan import Unsupported, plan_operation
from graph_api.graphql.fast.run import Run

log = logging.getLogger("graph_api.graphql.fast")


class FastReads(SchemaExtension):
    """The compiled read path, tried first for every query operation."""

    async def on_execute(self) -> AsyncIterator[None]:
        ec = self.execution_context
        if (
            ec.result is None
            and ec.operation_type == OperationType.QUERY
            and isinstance(ec.context, Context)
        ):
            data = await execute_fast(ec, ec.context)
            if data is not None:
                ec.result = GraphQLExecutionResult(data=data)
        yield


async def execute_fast(ec: ExecutionContext, context: Context) -> dict[str, Any] | None:
    """The operation's data, or None to leave it to the general execution."""
    try:
        db = context.db
    except RuntimeError:  # no transaction: the general path reports why
        return None
    if ec.graphql_document is None:
        return None
    try:
        plan = plan_operation(ec.schema, ec.graphql_document, ec.variables, ec.operation_name)
        [data] = await Run(db).complete(plan, [None], {})
    except (Unsupported, GraphAPIError, GraphQLError) as reason:
        log.debug("general path: %s: %s", type(reason).__name__, reason)
        return None
    except Exception:
        # A bug here must not cost an answer: the general path gives it (or the error).
        log.exception("the compiled read path failed; using the general path")
        return None
    log.debug("compiled read path")
    return data  # type: ignore[no-any-return]
