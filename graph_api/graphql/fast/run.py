"""Completes a planned selection for many source rows at once.

The general path completes every field of every object on its own (a resolver call,
an awaitable, a leaf coercion each). Here one selection is completed for all the
rows found at its place in the query: a nested field is one batch read (one statement
per chunk of keys) whose rows are completed together, a converted scalar one list
comprehension over its column, and each object's dict is made by a function compiled
for that shape (build.py) from the row and those lists, in the field order of the plan.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from graph_api.config import Limits
from graph_api.db.transaction import UnitOfWork
from graph_api.graphql.fast.build import Part, object_builder
from graph_api.graphql.fast.plan import FieldPlan, Selection, Unsupported

Index = dict[str, int]
# (run, field, the sources at this place, their column index) -> one value per source
Resolver = Callable[["Run", FieldPlan, list[Any], Index], Awaitable[list[Any]]]


class Run:
    """One execution of a plan inside the request's unit of work."""

    def __init__(self, db: UnitOfWork) -> None:
        self.db = db
        self.limits: Limits = db.limits

    async def complete(self, selection: Selection, sources: list[Any], index: Index) -> list[Any]:
        """The response objects of `selection` for each source, in order."""
        if not sources:
            return []
        parts: list[Part] = []
        vectors: list[list[Any]] = []
        for plan in selection.fields:
            if plan.name == "__typename":
                parts.append(("const", selection.type_name))
                continue
            if plan.column is not None and plan.convert is None:
                parts.append(("row", index[plan.column]))  # the value as stored
                continue
            if plan.column is not None:
                position = index[plan.column]
                values = plan.convert([row[position] for row in sources])  # type: ignore[misc]
            else:
                assert plan.resolver is not None  # the planner gives every other field one
                values = await plan.resolver(self, plan, sources, index)
            parts.append(("arg", len(vectors)))
            vectors.append(values)
        keys = tuple(plan.key for plan in selection.fields)
        return list(map(object_builder(keys, tuple(parts)), sources, *vectors))

    async def complete_rows(
        self, selection: Selection, rows: list[Any], *, nullable: bool
    ) -> list[Any]:
        """Objects for rows that may repeat (shared endpoints, one session): each distinct
        row is completed once and its dict shared; a missing row is null, or (for a
        non-null field) left to the general path, which reports it."""
        if not nullable and any(row is None for row in rows):
            raise Unsupported("a non-null object is missing")
        unique = list({id(row): row for row in rows if row is not None}.values())
        done = await self.complete(selection, unique, index_of(unique))
        by_row = {id(row): value for row, value in zip(unique, done, strict=True)}
        return [None if row is None else by_row[id(row)] for row in rows]

    async def complete_groups(
        self, selection: Selection, groups: list[list[Any]], index: Index | None = None
    ) -> list[Any]:
        """Lists of objects, one list per source: completed flat, then cut back."""
        flat = [row for group in groups for row in group]
        done = await self.complete(selection, flat, index_of(flat) if index is None else index)
        out: list[Any] = []
        start = 0
        for group in groups:
            end = start + len(group)
            out.append(done[start:end])
            start = end
        return out


def child(plan: FieldPlan) -> Selection:
    assert plan.selection is not None  # the planner gives object fields a selection
    return plan.selection


def leaf(plan: FieldPlan, values: list[Any]) -> list[Any]:
    return plan.convert(values) if plan.convert is not None else values


def index_of(rows: list[Any]) -> Index:
    """Column name -> position in the rows of one statement (all rows share the keys)."""
    if not rows:
        return {}
    return {name: position for position, name in enumerate(rows[0]._fields)}
