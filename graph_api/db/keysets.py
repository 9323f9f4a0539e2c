"""`column IN (many keys)` bound as ONE parameter, whatever the number of keys.

An expanding `IN (:k1, :k2, ...)` renders a bind parameter per key: a statement text per
list length (so neither SQLAlchemy's compiled cache nor the driver's prepared statements
are reused), thousands of parameters to send and plan, and a ceiling on SQLite (32,766
variables) that every caller had to chunk around. Instead:

- PostgreSQL: `column = ANY(:keys)` with one `VARCHAR[]` parameter, which asyncpg binds
  natively; the planner uses the same index as for IN.
- SQLite: `column IN (SELECT value FROM json_each(:keys))` with the keys as one JSON text.

Either way the statement text is the same for 2 and 50,000 keys: compiled and prepared once.
One key (a node by key, its components) is `column = :key`: a second text, no JSON to
encode and unnest, and a tenth of the construction cost (the subquery above is ~0.1 ms of
Python per statement: bench/profile_small.py node, issue 16).

A key of several columns (a relationship's source, target and type) is `tuples_in()`:
SQLite searches its unique index key by key for `(a, b, c) IN (SELECT ... FROM
json_each(:keys))`, while for SQLAlchemy's `(a, b, c) IN (VALUES (...), ...)` it only
uses the index's first column and tests the list against every row of that range: every
relationship of the session, once per statement (a CSV import's duplicate checks grew
with the square of its size: issue 16).

Where a statement keeps an expanding `IN` (a row-value `IN` on PostgreSQL, a hand-written
SQLite text naming its index, a DELETE by many keys), `chunked()` cuts the keys into lists that stay
well under SQLite's variable limit: one statement per list.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from typing import Any, TypeVar

import orjson
from sqlalchemy import ColumnElement, String, and_, any_, bindparam, func, select, tuple_
from sqlalchemy.dialects.postgresql import ARRAY

T = TypeVar("T")

# Keys of one expanding IN: under a third of SQLite's 32,766 variables, so a statement
# binds its other parameters besides (a row-value IN of three columns takes half as many).
IN_CHUNK = 10_000


def chunked(values: Iterable[T], size: int = IN_CHUNK) -> Iterator[list[T]]:
    """`values` in order, in lists of `size` (the last one shorter; none when there are none)."""
    items = iter(values)
    while chunk := list(islice(items, size)):
        yield chunk


def keys_in(dialect: str, column: ColumnElement[Any], keys: Iterable[Any]) -> ColumnElement[bool]:
    """`column` is one of `keys`, as one bound array (PostgreSQL) or JSON text (others)."""
    values = list(keys)
    if len(values) == 1:
        return column == bindparam(None, values[0], type_=column.type, unique=True)
    if dialect == "postgresql":
        array = bindparam(None, values, type_=ARRAY(column.type), unique=True)
        return column == any_(array)
    listed = bindparam(None, orjson.dumps(values).decode(), type_=String(), unique=True)
    table = func.json_each(listed).table_valued("value")
    return column.in_(select(table.c.value))


def tuples_in(
    dialect: str, columns: Sequence[ColumnElement[Any]], keys: Iterable[Sequence[Any]]
) -> ColumnElement[bool]:
    """`(columns...)` is one of `keys` (tuples in the order of `columns`): SQLite reads the
    keys from one JSON text, so that it searches an index on `columns` key by key."""
    values = [tuple(key) for key in keys]
    if len(values) == 1:
        return and_(
            *(
                column == bindparam(None, value, type_=column.type, unique=True)
                for column, value in zip(columns, values[0], strict=True)
            )
        )
    if dialect != "sqlite":
        return tuple_(*columns).in_(values)
    listed = bindparam(None, orjson.dumps(values).decode(), type_=String(), unique=True)
    each = func.json_each(listed).table_valued("value")
    parts = [func.json_extract(each.c.value, f"$[{index}]") for index in range(len(columns))]
    return tuple_(*columns).in_(select(*parts))
