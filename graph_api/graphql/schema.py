"""Builds the schema that `graph-api schema export` prints and the app serves."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import MaxAliasesLimiter, ParserCache, QueryDepthLimiter, ValidationCache
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext

from graph_api.config import Limits
from graph_api.graphql.autosave import AutoSaveMutation
from graph_api.graphql.csv import CsvMutation
from graph_api.graphql.extensions import ErrorCodes, UnitOfWorkExtension
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


def build_schema(limits: Limits | None = None) -> strawberry.Schema:
    limits = limits or Limits()
    # Factories: every request gets fresh extension instances (the caches are shared).
    extensions: list[Any] = [
        ErrorCodes,
        lambda: QueryDepthLimiter(max_depth=limits.max_depth),
        lambda: MaxAliasesLimiter(max_alias_count=limits.max_aliases),
        lambda: ParserCache(maxsize=512),
        lambda: ValidationCache(maxsize=512),
        UnitOfWorkExtension,
    ]
    return GraphSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=extensions,
        config=StrawberryConfig(scalar_map={datetime: DateTime}),
    )


def export_sdl() -> str:
    return build_schema().as_str() + "\n"
