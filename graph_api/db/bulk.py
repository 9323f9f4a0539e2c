"""Bulk inserts: many rows of one table, as fast as the driver takes them.

`insert_rows()` is the one function that inserts rows in bulk (CSV imports and
the change log). It picks its implementation by dialect from `INSERTERS`, so an
engine-specific fast path (PostgreSQL COPY) replaces it in one place. Rows are
tuples in the order of `columns` (any iterable, consumed once, possibly a
generator), with JSON already serialised to text and timestamps as
`db_timestamp()` made them. The default inserter hands the tuples
to the driver's executemany through SQLAlchemy's Core connection (under the
unit of work's lock), so no per-row object or type processing sits in between.

`one_statement=True` makes each batch one statement on SQLite: an INSERT ... SELECT
over json_each of the rows as one JSON array. It is for a table whose triggers feed
FTS5 (search_documents): FTS5 writes its pending terms out at the end of every
statement, so an executemany of n rows writes n index segments and merges them
(about 15 µs a row against 3 µs in one statement). JSON carries text, integers,
booleans (as 1 and 0, which is how SQLite stores them) and null exactly; floats are
left to the executemany, whose binding is exact.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import UTC, datetime
from functools import cache
from itertools import chain, islice
from typing import Any

import orjson
from sqlalchemy import Dialect, Table, column, insert, table
from sqlalchemy.sql.dml import UpdateBase

from graph_api.db import pg_copy
from graph_api.db.keysets import chunked
from graph_api.db.transaction import UnitOfWork

BATCH = 5_000
Row = tuple[Any, ...]
Inserter = Callable[[UnitOfWork, Table, Sequence[str], Iterable[Row]], Awaitable[None]]


def db_timestamp(db: UnitOfWork, value: datetime) -> Any:
    """A timestamp as insert_rows() stores it: naive UTC text on SQLite (as UTCDateTime does)."""
    if db.dialect == "sqlite":
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
    return value


@cache
def _insert_sql(dialect: Dialect, name: str, columns: tuple[str, ...]) -> str:
    # Untyped columns: no bind casts, so the server types each parameter from its column.
    statement = insert(table(name, *(column(c) for c in columns)))
    return str(statement.compile(dialect=dialect))


async def _executemany(
    db: UnitOfWork, target: Table, columns: Sequence[str], rows: Iterable[Row]
) -> None:
    sql = _insert_sql(db.conn.dialect, target.name, tuple(columns))
    await _by_batch(db, sql, rows, lambda batch: batch)


async def _by_batch(
    db: UnitOfWork, sql: str, rows: Iterable[Row], parameters: Callable[[list[Row]], Any]
) -> None:
    """`sql` once per batch of rows, with the batch's `parameters`; batch by batch from any
    iterable, so a generator of rows is never held whole in memory."""
    for batch in chunked(rows, BATCH):
        async with db.lock:
            await db.conn.exec_driver_sql(sql, parameters(batch))


@cache
def _json_insert_sql(dialect: Dialect, name: str, columns: tuple[str, ...]) -> str:
    quote = dialect.identifier_preparer.quote
    picks = ", ".join(f"json_extract(value, '$[{index}]')" for index in range(len(columns)))
    names = ", ".join(quote(name) for name in columns)
    return f"INSERT INTO {quote(name)} ({names}) SELECT {picks} FROM json_each(?)"


async def _json_each(
    db: UnitOfWork, target: Table, columns: Sequence[str], rows: Iterable[Row]
) -> None:
    """SQLite: each batch of rows as one statement (see the module docstring)."""
    sql = _json_insert_sql(db.conn.dialect, target.name, tuple(columns))
    await _by_batch(db, sql, rows, lambda batch: (orjson.dumps(batch).decode(),))


@cache
def _returning_sql(
    dialect: Dialect, target: Table, columns: tuple[str, ...], returning: tuple[str, ...]
) -> str:
    quote = dialect.identifier_preparer.quote
    back = ", ".join(quote(name) for name in returning)
    if dialect.name != "postgresql":
        return f"{_json_insert_sql(dialect, target.name, columns)} RETURNING {back}"
    # One array per column, typed as the column (its collation aside).
    types = [
        re.sub(r' COLLATE "[^"]*"', "", target.c[name].type.compile(dialect=dialect))
        for name in columns
    ]
    names = ", ".join(quote(name) for name in columns)
    arrays = ", ".join(f"${index}::{kind}[]" for index, kind in enumerate(types, 1))
    source = f"SELECT * FROM unnest({arrays})"
    return f"INSERT INTO {quote(target.name)} ({names}) {source} RETURNING {back}"


async def insert_returning(
    *,
    db: UnitOfWork,
    target: Table,
    columns: Sequence[str],
    rows: Sequence[Row],
    returning: Sequence[str],
) -> list[Any]:
    """Insert `rows` (as insert_rows takes them: tuples, JSON as text, timestamps from
    db_timestamp; no floats, no array columns) in one statement per batch and return the
    `returning` columns of every inserted row, in no particular order.

    One statement whatever the row count: SQLite reads the rows from one JSON array
    (json_each), PostgreSQL from one array per column (unnest), so neither a statement
    text per row count nor a bind processor per value sits in between.
    """
    sql = _returning_sql(db.conn.dialect, target, tuple(columns), tuple(returning))
    found: list[Any] = []
    for batch in chunked(rows, BATCH):
        if db.dialect == "postgresql":
            parameters: tuple[Any, ...] = tuple(list(values) for values in zip(*batch, strict=True))
        else:
            parameters = (orjson.dumps(batch).decode(),)
        async with db.lock:
            result = await db.conn.exec_driver_sql(sql, parameters)
            found += result.all()
    return found


@cache
def _positional(
    dialect: Dialect, statement: UpdateBase
) -> tuple[str, tuple[str, ...], dict[str, Any]]:
    compiled = statement.compile(dialect=dialect)
    if compiled.positiontup is None:
        raise TypeError(f"{dialect.name} does not bind by position")
    return compiled.string, tuple(compiled.positiontup), dict(compiled.params)


async def execute_many(
    *, db: UnitOfWork, statement: UpdateBase, rows: Sequence[dict[str, Any]]
) -> None:
    """An executemany of a Core `statement` (built once, kept) whose rows hold its bind
    values as the driver takes them (JSON as text, timestamps from db_timestamp), by bind
    name; binds a row leaves out keep their value in the statement (a literal's)."""
    sql, names, defaults = _positional(db.conn.dialect, statement)
    parameters = [tuple((defaults | row)[name] for name in names) for row in rows]
    if parameters:
        async with db.lock:
            await db.conn.exec_driver_sql(sql, parameters)


# Below this many rows one executemany beats COPY's extra round trips (staging table,
# COPY, INSERT ... SELECT, TRUNCATE): a mutation's change log stays one statement.
COPY_THRESHOLD = 1_000


async def _copy_or_executemany(
    db: UnitOfWork, target: Table, columns: Sequence[str], rows: Iterable[Row]
) -> None:
    rest = iter(rows)
    first = list(islice(rest, COPY_THRESHOLD))
    if len(first) < COPY_THRESHOLD:
        await _executemany(db, target, columns, first)
    else:
        await pg_copy.copy_rows(db, target, columns, chain(first, rest))


INSERTERS: dict[str, Inserter] = {"postgresql": _copy_or_executemany}


async def insert_rows(
    *,
    db: UnitOfWork,
    target: Table,
    columns: Sequence[str],
    rows: Iterable[Row],
    fast_path: bool = True,
    one_statement: bool = False,
) -> None:
    """Insert `rows` into `target` in batches (JSON as text, timestamps from db_timestamp).

    `fast_path=False`: the caller knows the write is small whatever its row count (rows
    derived from a few entities), so it stays one executemany per batch.
    `one_statement=True`: on SQLite one statement per batch (rows of text, integers,
    booleans and nulls only; see the module docstring).
    """
    if one_statement and db.dialect == "sqlite":
        await _json_each(db, target, columns, rows)
        return
    inserter = INSERTERS.get(db.dialect, _executemany) if fast_path else _executemany
    await inserter(db, target, columns, rows)
