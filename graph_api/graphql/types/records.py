"""Strawberry types derived from the service records (services/records.py).

`@record_type(NodeRecord, ids=...)`, placed under `@strawberry.type`, gives the class
one GraphQL field per record field that the class does not declare itself, typed
from the record (str, int, float, datetime, and JSON for the JSON objects), in the
record's order: a class declares only what the record cannot say (a description, an
enum, an attribute its resolvers read). `RecordView.from_row` builds the type from
any row with the record's attributes (IDs as text, enums by value), and the compiled
read path reads `record_columns` to know which fields are stored columns.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from enum import Enum
from typing import Any, TypeVar, get_type_hints

import strawberry

from graph_api.graphql.scalars import JSON
from graph_api.services import records
from graph_api.services.records import JsonObject, Record, field_names

V = TypeVar("V", bound="RecordView")
Convert = Callable[[Any], Any]

# Python types of record fields -> GraphQL output types (JSON objects are JSON).
_OUTPUT: dict[Any, Any] = {JsonObject: JSON, JsonObject | None: JSON | None}


class RecordView:
    """A Strawberry type whose data fields are a record's (see record_type)."""

    # (name, conversion or None for the value as stored), in record order
    __record_fields__: tuple[tuple[str, Convert | None], ...] = ()

    @classmethod
    def from_row(cls: type[V], row: Any) -> V:
        """The type for a row or record."""
        values = {
            name: getattr(row, name) if convert is None else convert(getattr(row, name))
            for name, convert in cls.__record_fields__
        }
        build: Callable[..., V] = cls
        return build(**values)


def record_type(
    record: type[Record],
    *,
    ids: tuple[str, ...] = (),
    hidden: tuple[str, ...] = (),
    enums: dict[str, type[Enum]] | None = None,
) -> Callable[[type[V]], type[V]]:
    """Declare the record's fields (but `hidden`) on the class; `ids` are GraphQL IDs,
    `enums` the enum each text field's values name (declared on the class)."""
    converts: dict[str, Convert] = {**(enums or {})}
    hints = get_type_hints(record, vars(records))
    names = [name for name in field_names(record) if name not in hidden]
    for name in ids:
        converts[name] = _optional_text if _optional(hints[name]) else str

    def apply(cls: type[V]) -> type[V]:
        own: dict[str, Any] = dict(inspect.get_annotations(cls))
        derived: dict[str, Any] = {}
        for name in names:
            if name in own:
                derived[name] = own.pop(name)
            elif name in ids:
                derived[name] = strawberry.ID | None if _optional(hints[name]) else strawberry.ID
            else:
                derived[name] = _OUTPUT.get(hints[name], hints[name])
        cls.__annotations__ = derived | own
        cls.__record_fields__ = tuple((name, converts.get(name)) for name in names)
        return cls

    return apply


def record_columns(origin: Any) -> frozenset[str]:
    """The stored columns behind a type's fields (by Python name); none for other types."""
    return frozenset(name for name, _ in getattr(origin, "__record_fields__", ()))


def _optional(hint: Any) -> bool:
    return type(None) in getattr(hint, "__args__", ())


def _optional_text(value: Any) -> str | None:
    return None if value is None else str(value)
