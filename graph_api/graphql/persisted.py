"""The /graphql edge of automatic persisted queries (services/persisted_queries.py).

`resolve_document()` turns a request's query and extensions into the document to run,
opening the small read transaction a lookup needs; the router calls it before executing
an operation, over HTTP (POST and GET) and WebSocket. A document sent with its hash is
stored by `remember()` only after it ran, so text that does not parse or validate is
never kept. Refusals become a GraphQL result with the error's code, as any request error.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graphql import GraphQLError
from strawberry.types import ExecutionResult

from graph_api.db.errors import contract_error
from graph_api.db.transaction import transaction_context
from graph_api.errors import GraphAPIError, InternalError
from graph_api.graphql.context import Context
from graph_api.services import persisted_queries as persisted_service
from graph_api.services.persisted_queries import DocumentCache, Plan

log = logging.getLogger("graph_api.graphql")


@dataclass(frozen=True)
class Resolved:
    document: str | None
    to_store: Plan | None = None  # for remember(), once the operation has run


async def resolve_document(
    *,
    query: str | None,
    extensions: Mapping[str, Any] | None,
    context: object,
    cache: DocumentCache,
) -> Resolved:
    """The document this operation runs; raises the GraphAPIError that refuses it."""
    if not isinstance(context, Context):
        return Resolved(query)
    plan = persisted_service.plan(
        query=query, extensions=extensions, persisted_only=context.settings.persisted_only
    )
    if plan is None:
        return Resolved(query)
    known = cache.get(plan.sha256)
    if known is not None:
        return Resolved(known)
    if plan.store:
        return Resolved(plan.document, to_store=plan)
    try:
        async with transaction_context(
            context.engine, write=False, limits=context.settings.limits
        ) as db:
            document = await persisted_service.require_document(db=db, sha256=plan.sha256)
    except GraphAPIError:
        raise
    except Exception as exc:
        log.warning("persisted query lookup failed", exc_info=exc)
        raise contract_error(exc) or InternalError() from exc
    cache.put(plan.sha256, document)
    return Resolved(document)


async def remember(plan: Plan, *, context: object, cache: DocumentCache) -> None:
    """Store a document that ran; a failure costs the client one resend, not its answer."""
    if plan.document is None or not isinstance(context, Context):
        return
    try:
        async with transaction_context(
            context.engine, write=True, limits=context.settings.limits
        ) as db:
            await persisted_service.store_document(db=db, document=plan.document)
    except Exception:
        log.warning("storing persisted query %s failed", plan.sha256, exc_info=True)
        return
    cache.put(plan.sha256, plan.document)


def as_graphql_error(error: GraphAPIError) -> GraphQLError:
    return GraphQLError(error.message, extensions=dict(error.extensions), original_error=error)


def refused(error: GraphAPIError) -> ExecutionResult:
    """The result of an operation that never ran: no data, the error with its code."""
    return ExecutionResult(data=None, errors=[as_graphql_error(error)])
