"""Builds the schema that `graph-api schema export` prints and the app serves."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import DisableIntrospection
from strawberry.schema.config import StrawberryConfig
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
    )


def export_sdl() -> str:
    return build_schema().as_str() + "\n"
