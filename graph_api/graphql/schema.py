"""Builds the schema that `graph-api schema export` prints and the app serves."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import DisableIntrospection
from strawberry.schema.config import StrawberryConfig
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext

from graph_api.config import Limits
from graph_api.graphql.autosave import AutoSaveMutation
from graph_api.graphql.csv import CsvMutation
from graph_api.graphql.documents import document_extension
from graph_api.graphql.extensions import ErrorCodes, UnitOfWorkExtension
from graph_api.graphql.fast import FastReads
from graph_api.graphql.mutations import (
    ComponentMutation,
    NodeMutation,
    RelationshipMutation,
    SessionMutation,
)
from graph_api.graphql.queries import Query
from graph_api.graphql.scalars import DateTime
from graph_api.graphql.subscriptions import Subscription

Mutation = merge_types(
    "Mutation",
    (
        SessionMutation,
        NodeMutation,
        ComponentMutation,
        RelationshipMutation,
        CsvMutation,
        AutoSaveMutation,
    ),
)


class EventExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's execution context, with a subscription event's sub-field memo its own.

    graphql-core (3.3) runs each subscription event on a shallow copy of the subscription's
    executor, so every event shares one memo of collected sub-fields, keyed by the identity
    of field lists that each event builds afresh: one entry per event (and per object
    field) that lived as long as the subscription. Under bench/soak.py that was some
    24,000 entries, held and dropped every 30 seconds; on a subscription that stays open,
    without end (issue 16). An event's own memo still serves the event's lists of objects.
    """

    def build_per_event_executor(self, payload: Any) -> Any:
        executor = super().build_per_event_executor(payload)
        executor._relevant_sub_fields = {}
        return executor


class GraphSchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        # ErrorCodes logs what is unexpected; expected errors are answers, not incidents.
        return None


def build_schema(
    limits: Limits | None = None, *, fast_reads: bool = True, introspection: bool = True
) -> strawberry.Schema:
    """The schema; `fast_reads=False` leaves out the compiled read path (tests compare both);
    `introspection=False` refuses __schema and __type (GRAPH_API_INTROSPECTION)."""
    limits = limits or Limits()
    # Factories: every request gets fresh extension instances (the document cache is shared).
    # DocumentLimits parses, checks depth, aliases and fields, and validates (limits.py).
    extensions: list[Any] = [ErrorCodes, document_extension(limits), UnitOfWorkExtension]
    if not introspection:
        extensions.insert(1, DisableIntrospection)
    if fast_reads:
        # After UnitOfWorkExtension: it answers inside the transaction that one opened.
        extensions.append(FastReads)
    return GraphSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=extensions,
        config=StrawberryConfig(scalar_map={datetime: DateTime}),
        execution_context_class=EventExecutionContext,
    )


def export_sdl() -> str:
    return build_schema().as_str() + "\n"
