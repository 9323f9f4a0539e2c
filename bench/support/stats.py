"""Percentiles and the database a benchmark runs against."""

from __future__ import annotations

import math
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from support.seed import GraphSpec, drop_postgres, fresh_postgres, seed_database


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile (fraction in 0..1) of a non-empty sample."""
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


@contextmanager
def seeded_database(
    database_url: str | None, specs: tuple[GraphSpec, ...], seed: int
) -> Iterator[tuple[str, dict[str, str]]]:
    """A fresh database holding the seeded graphs: a temporary SQLite file by default,
    or a new database on the PostgreSQL server of `database_url` (dropped afterwards)."""
    if database_url and database_url.startswith("postgresql"):
        url, name = fresh_postgres(database_url)
        try:
            yield url, seed_database(url, specs, seed)
        finally:
            drop_postgres(database_url, name)
        return
    if database_url:
        yield database_url, seed_database(database_url, specs, seed)
        return
    with tempfile.TemporaryDirectory(prefix="graph_api_bench_") as directory:
        url = f"sqlite+aiosqlite:///{Path(directory) / 'bench.db'}"
        yield url, seed_database(url, specs, seed)
