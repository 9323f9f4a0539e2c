"""The /graphql edge of automatic persisted queries (services/persisted_queries.py).

`persisted_document()` turns a request's query and extensions into the document to run,
opening the one small transaction the lookup or the store needs; the router calls it
before executing an operation, over HTTP (POST and GET) and WebSocket. Refusals become
a GraphQL result with the error's code, as any request error.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from graphql import GraphQLError
from strawberry.types import ExecutionResult

from graph_api.db.errors import contract_error
from graph_api.db.transaction import transaction_context
from graph_api.errors import GraphAPIError, InternalError
from graph_api.graphql.context import Context
from graph_api.services import persisted_queries as persisted_service

log = logging.getLogger("graph_api.graphql")


async def persisted_document(
    *,
    query: str | None,
    extensions: Mapping[str, Any] | None,
    context: object,
    cache: persisted_service.DocumentCache,
) -> str | None:
    """The document this operation runs; raises the GraphAPIError that refuses it."""
    if not isinstance(context, Context):
        return query
    plan = persisted_service.plan(
        query=query, extensions=extensions, persisted_only=context.settings.persisted_only
    )
    if plan is None:
        return query
    known = cache.get(plan.sha256)
    if known is not None:
        return known
    try:
        async with transaction_context(
            context.engine, write=plan.store, limits=context.settings.limits
        ) as db:
            document = await persisted_service.resolve(db=db, plan=plan)
    except GraphAPIError:
        raise
    except Exception as exc:
        log.warning("persisted query lookup failed", exc_info=exc)
        raise contract_error(exc) or InternalError() from exc
    cache.put(plan.sha256, document)
    return document


def as_graphql_error(error: GraphAPIError) -> GraphQLError:
    return GraphQLError(error.message, extensions=dict(error.extensions), original_error=error)


def refused(error: GraphAPIError) -> ExecutionResult:
    """The result of an operation that never ran: no data, the error with its code."""
    return ExecutionResult(data=None, errors=[as_graphql_error(error)])
