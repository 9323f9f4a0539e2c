"""Plans a query operation into a tree of selections the compiled read path can answer.

The plan is built with graphql-core's own pieces (Executor.build for variables and
fragments, collect_fields / collect_subfields for fragments, aliases, @include and
@skip, get_argument_values for arguments and defaults), so that fields are merged,
ordered and given arguments exactly as the general execution does. A field this
path does not know raises Unsupported, and the operation goes the general way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from graphql import (
    DocumentNode,
    GraphQLBoolean,
    GraphQLEnumType,
    GraphQLField,
    GraphQLFloat,
    GraphQLID,
    GraphQLInt,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLString,
    OperationType,
    get_named_type,
    is_non_null_type,
    is_object_type,
)
from graphql.execution import Executor
from graphql.execution.collect_fields import FieldDetailsList, collect_fields, collect_subfields
from graphql.execution.values import get_argument_values
from strawberry import Schema
from strawberry.types.arguments import convert_arguments

from graph_api.graphql.fast.registry import BATCH, READS
from graph_api.graphql.types.records import record_columns

if TYPE_CHECKING:
    from graph_api.graphql.fast.run import Resolver

Convert = Callable[[list[Any]], list[Any]]


class Unsupported(Exception):
    """This operation (or part of it) is for the general execution path."""


_MIN_INT = -(2**31)
_MAX_INT = 2**31 - 1


@dataclass(eq=False)
class FieldPlan:
    """One response key: a column, a batch resolver (with its arguments, converted to
    the resolver's Python names and types as Strawberry converts them), or __typename."""

    key: str
    name: str
    args: dict[str, Any] = field(default_factory=dict)
    selection: Selection | None = None
    column: str | None = None
    convert: Convert | None = None
    resolver: Resolver | None = None


@dataclass(eq=False)
class Selection:
    """The fields asked of one object type at one place in the query."""

    type_name: str
    fields: list[FieldPlan]

    @property
    def columns(self) -> list[str]:
        """The table columns this selection reads: those its resolvers read (its keys),
        then its scalar fields."""
        wanted = [*READS.get(self.type_name, ())]
        wanted += [plan.column for plan in self.fields if plan.column is not None]
        return list(dict.fromkeys(wanted))

    def find(self, name: str) -> list[FieldPlan]:
        return [plan for plan in self.fields if plan.name == name]


@dataclass
class _Planner:
    strawberry_schema: Schema
    schema: GraphQLSchema
    executor: Executor[Any]

    def root(self) -> Selection:
        operation = self.executor.operation
        if operation.operation != OperationType.QUERY or self.schema.query_type is None:
            raise Unsupported("not a query")
        collected = collect_fields(
            self.schema,
            self.executor.fragments,
            self.executor.variable_values,
            self.schema.query_type,
            operation,
        )
        if collected.new_defer_usages:
            raise Unsupported("@defer")
        return self.selection(self.schema.query_type, collected.grouped_field_set)

    def selection(
        self, parent: GraphQLObjectType, grouped: dict[str, FieldDetailsList]
    ) -> Selection:
        return Selection(parent.name, [self.field(parent, key, ds) for key, ds in grouped.items()])

    def field(self, parent: GraphQLObjectType, key: str, details: FieldDetailsList) -> FieldPlan:
        first = details[0]
        name = first.node.name.value
        if name == "__typename":
            return FieldPlan(key, name)
        definition = parent.fields.get(name)
        if definition is None:
            raise Unsupported(f"{parent.name}.{name}")
        # A field is a stored column of the type's record, or has a batch resolver.
        python_name = definition.extensions["strawberry-definition"].python_name
        resolver = BATCH.get((parent.name, python_name))
        column = python_name if python_name in _columns(parent) and resolver is None else None
        if column is None and resolver is None:
            raise Unsupported(f"{parent.name}.{name}")
        args: dict[str, Any] = {}
        if definition.args or first.node.arguments:
            args = self.arguments(definition, details)
        named = get_named_type(definition.type)
        if not is_object_type(named):
            plan = FieldPlan(key, name, args, column=column, convert=_converter(definition))
            plan.resolver = resolver
            return plan
        assert isinstance(named, GraphQLObjectType)
        collected = collect_subfields(
            self.schema,
            self.executor.fragments,
            self.executor.variable_values,
            self.executor.operation,
            named,
            details,
        )
        if collected.new_defer_usages:
            raise Unsupported("@defer")
        selection = self.selection(named, collected.grouped_field_set)
        return FieldPlan(key, name, args, selection, resolver=resolver)

    def arguments(self, definition: GraphQLField, details: FieldDetailsList) -> dict[str, Any]:
        first = details[0]
        values = get_argument_values(
            definition, first.node, self.executor.variable_values, first.fragment_variable_values
        )
        strawberry_field = definition.extensions["strawberry-definition"]
        return convert_arguments(
            values,
            strawberry_field.arguments,
            scalar_registry=self.strawberry_schema.schema_converter.scalar_registry,
            config=self.strawberry_schema.config,
        )


def _columns(parent: GraphQLObjectType) -> frozenset[str]:
    """The stored columns of a type: the fields of its record (services/records.py)."""
    return record_columns(parent.extensions["strawberry-definition"].origin)


def convert_int(values: list[Any]) -> list[Any]:
    """GraphQL Int output: the int itself when it fits in 32 bits, else graphql-core's
    serializer (which raises for what it cannot represent, as the general path does)."""
    serialize = GraphQLInt.coerce_output_value
    return [
        v if v is None or (type(v) is int and _MIN_INT <= v <= _MAX_INT) else serialize(v)
        for v in values
    ]


def _converter(definition: GraphQLField) -> Convert | None:
    """How a column's values become response values: what graphql-core's leaf completion
    does, spelled out per column for speed; None where the stored value is the answer."""
    named = get_named_type(definition.type)
    non_null = is_non_null_type(definition.type)
    if named is GraphQLString or named is GraphQLBoolean:
        return None  # text columns hold str; booleans are computed here
    if named is GraphQLInt:
        return convert_int
    if not isinstance(named, GraphQLScalarType | GraphQLEnumType):
        raise Unsupported(f"output type {named}")
    # What graphql-core's complete_leaf_value calls for each value.
    serialize = named.coerce_output_value
    if named is GraphQLID or named is GraphQLFloat:
        return lambda values: [None if v is None else serialize(v) for v in values]

    def convert(values: list[Any]) -> list[Any]:
        # Custom scalars (DateTime, JSON) through their own serializer; a null where the
        # schema says non-null is an error of the general path, so it is taken there.
        out = [None if v is None else serialize(v) for v in values]
        if non_null and None in out:
            raise Unsupported("null in a non-null field")
        return out

    return convert


def plan_operation(
    strawberry_schema: Schema,
    document: DocumentNode,
    variables: dict[str, Any] | None,
    operation_name: str | None,
) -> Selection:
    """The plan of the operation, or Unsupported (also for invalid variables: the
    general path reports those)."""
    schema = strawberry_schema._schema
    executor = Executor.build(
        schema, document, raw_variable_values=variables, operation_name=operation_name
    )
    if isinstance(executor, list):
        raise Unsupported("variables or operation")
    return _Planner(strawberry_schema, schema, executor).root()
