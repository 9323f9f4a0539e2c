"""PostgreSQL bulk inserts with COPY: rows into a staging table, then one INSERT ... SELECT.

`services.bulk.insert_rows()` hands large inserts (CSV imports, their change
log) here on PostgreSQL. Rows travel with asyncpg's binary COPY
(`copy_records_to_table`), several times faster than executemany, into a
temporary table private to the request's transaction; one set-based
`INSERT ... SELECT ... ORDER BY ord` then moves each batch into the real table.

Why the detour through a staging table rather than COPY straight into the
target: the move is an ordinary INSERT, so a row that breaks a constraint (a
concurrent writer won a race) fails with the constraint's name and is mapped
by db/errors.py like any other statement; `ORDER BY ord` keeps the caller's
row order, so identity ids (relationship ids are creation order) follow the
file; and the staging table is temporary: no WAL, no lock on the target while
the bytes stream in. It is created ON COMMIT DROP in the request's transaction,
so a rollback removes it with everything else: still all or nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import islice
from typing import Any

from sqlalchemy import Table

from graph_api.db.transaction import UnitOfWork

COPY_BATCH = 50_000


class _Stages:
    """The staging tables this transaction created: target name -> staging name."""

    def __init__(self) -> None:
        self.names: dict[tuple[str, tuple[str, ...]], str] = {}


async def copy_rows(
    db: UnitOfWork, target: Table, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]
) -> None:
    """COPY `rows` (tuples in the order of `columns`) into `target` through a staging table."""
    quote = db.conn.dialect.identifier_preparer.quote
    names = ", ".join(quote(name) for name in columns)
    batches = iter(rows)
    async with db.lock:  # one statement at a time on the request's connection
        driver = (await db.conn.get_raw_connection()).driver_connection
        assert driver is not None
        if not driver.is_in_transaction():
            # SQLAlchemy's asyncpg adapter opens the transaction with its first statement;
            # ours must not run before it (they would autocommit, and ON COMMIT DROP at once).
            await db.conn.exec_driver_sql("SELECT 1")
        stage = await _stage(db, driver, target, tuple(columns))
        move = (
            f"INSERT INTO {quote(target.name)} ({names}) SELECT {names} FROM {stage} ORDER BY ord"
        )
        offset = 0
        while batch := list(islice(batches, COPY_BATCH)):
            await driver.copy_records_to_table(
                stage,
                records=[(offset + index, *row) for index, row in enumerate(batch)],
                columns=["ord", *columns],
            )
            await driver.execute(move)
            await driver.execute(f"TRUNCATE {stage}")
            offset += len(batch)


async def _stage(db: UnitOfWork, driver: Any, target: Table, columns: tuple[str, ...]) -> str:
    """The staging table for (target, columns) in this transaction, created on first use."""
    stages = db.state(_Stages, _Stages)
    key = (target.name, columns)
    name = stages.names.get(key)
    if name is None:
        quote = db.conn.dialect.identifier_preparer.quote
        name = f"graph_api_stage_{len(stages.names)}"
        selected = ", ".join(quote(column) for column in columns)
        # Same column types (and collations) as the target; ord keeps the caller's order.
        await driver.execute(
            f"CREATE TEMPORARY TABLE {name} ON COMMIT DROP AS "
            f"SELECT 0::bigint AS ord, {selected} FROM {quote(target.name)} WITH NO DATA"
        )
        stages.names[key] = name
    return name
