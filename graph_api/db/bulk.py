"""Bulk inserts: many rows of one table, as fast as the driver takes them.

`insert_rows()` is the one function that inserts rows in bulk (CSV imports and
the change log). It picks its implementation by dialect from `INSERTERS`, so an
engine-specific fast path (PostgreSQL COPY) replaces it in one place. Rows are
tuples in the order of `columns` (any iterable, consumed once, possibly a
generator), with JSON already serialised to text and timestamps as
`db_timestamp()` made them. The default inserter hands the tuples
to the driver's executemany through SQLAlchemy's Core connection (under the
unit of work's lock), so no per-row object or type processing sits in between.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import UTC, datetime
from functools import cache
from itertools import chain, islice
from typing import Any

from sqlalchemy import Dialect, Table, column, insert, table

from graph_api.db import pg_copy
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
    batches = iter(rows)
    # Batch by batch from any iterable: a generator of rows is never held whole in memory.
    while batch := list(islice(batches, BATCH)):
        async with db.lock:
            await db.conn.exec_driver_sql(sql, batch)


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
) -> None:
    """Insert `rows` into `target` in batches (JSON as text, timestamps from db_timestamp).

    `fast_path=False`: the caller knows the write is small whatever its row count (rows
    derived from a few entities), so it stays one executemany per batch.
    """
    inserter = INSERTERS.get(db.dialect, _executemany) if fast_path else _executemany
    await inserter(db, target, columns, rows)
