"""Which fields the compiled read path answers with a batch resolver, and how.

Each batch resolver is registered with `@batch(Type, "field")` right beside the
Strawberry field it answers (graphql/types, queries.py), so the two are read and
changed together; the planner derives from this registry which fields it can plan
and which source columns each type must select for its resolvers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from strawberry.types.base import get_object_definition

if TYPE_CHECKING:
    from graph_api.graphql.fast.run import Resolver

# (GraphQL type name, Python field name) -> the field's batch resolver.
BATCH: dict[tuple[str, str], Resolver] = {}
# GraphQL type name -> the columns its resolvers read off the source rows.
READS: dict[str, tuple[str, ...]] = {}


def batch(
    owner: type, field: str, *, reads: tuple[str, ...] = ()
) -> Callable[[Resolver], Resolver]:
    """Register the decorated function as the batch resolver of `owner.field`; `reads`
    names the columns of the source rows it looks at (a type's key columns)."""
    definition = get_object_definition(owner, strict=True)
    if definition.get_field(field) is None:
        raise LookupError(f"{definition.name} has no field {field!r}")

    def register(resolver: Resolver) -> Resolver:
        BATCH[(definition.name, field)] = resolver
        READS[definition.name] = tuple(dict.fromkeys([*READS.get(definition.name, ()), *reads]))
        return resolver

    return register
