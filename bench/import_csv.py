"""CSV import speed and memory, against the floor of the same run (issues 7 and 16).

Writes (seeded) a nodes CSV (node_id, label, type, metadata; every 10th node has
one component) and a relationships CSV (source, target, type, weight) into a
temporary folder, then:

- ours: `graph-api import --new-session` on a fresh, migrated SQLite file, run in
  a child process (the CLI's own code path); it reports its own peak RSS
  (VmHWM), printed next to that of a process that only loads the same modules.
- the floor: Python's sqlite3 `executemany` of the same rows, already parsed and
  in memory, into the same tables of another fresh, migrated file (same pragmas:
  WAL, foreign keys, synchronous=NORMAL), in one transaction.

Prints rows/s, peak RSS, both times and ours / floor, where ours is the import
as the CLI times it (engine, migration check, parse, validate, insert, change
log, commit); the whole process (Python start-up and imports too) and CPU times
are printed beside it. On SQLite the floor runs twice, with SQLite's default
page cache and with the one the CLI import sets; the faster one is the
executemany limit. Issue 16's targets: ours / floor <= 1.5 on SQLite, <= 2 on
PostgreSQL, and peak RSS under 400 MiB at 1M nodes + 3M relationships
(`--full`), flat in the file's size (compare the peak of the default size).

On PostgreSQL (`--database-url postgresql+asyncpg://...`) ours and the floor each
get a fresh database on that server (dropped afterwards), and the floor is
asyncpg's binary COPY (`copy_records_to_table`) of the same parsed rows, the
fastest way in there.

    .venv/bin/python bench/import_csv.py [--nodes 100000] [--relationships 300000] [--seed 7]
        [--full]       (1,000,000 nodes + 3,000,000 relationships: ~15 min on SQLite)
        [--repeat 1]   (the best of N runs of each counts)
        [--no-floor]   (ours only: its time and peak RSS)
        [--database-url postgresql+asyncpg://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import random
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from support.seed import drop_postgres, fresh_postgres

TYPES = ("concept", "person", "place", "event", "document")
REL_TYPES = ("RELATES_TO", "CITES", "PART_OF", "KNOWS", "NEAR")
TARGETS = {"SQLite": 1.5, "PostgreSQL": 2.0}  # issue 16: ours / the driver's limit
PEAK_TARGET_MIB = 400  # issue 16, at 1M nodes + 3M relationships
# What graph_api/cli_csv.py sets for its one bulk load (the floor is run with it too).
_SQLITE_CACHE_KIB = 64 * 1024


def write_files(folder: Path, node_count: int, relationship_count: int, seed: int) -> None:
    rng = random.Random(seed)
    with (folder / "nodes.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["node_id", "label", "type", "metadata", "components"])
        for index in range(node_count):
            label = f'Node {index}, "q"' if index % 50 == 0 else f"Node {index}"
            metadata = json.dumps({"rank": rng.randint(0, 999), "group": f"g{index % 17}"})
            parts = ""
            if index % 10 == 0:
                parts = json.dumps([{"type": "text", "content": f"About node {index}."}])
            writer.writerow([f"n{index:07d}", label, TYPES[index % 5], metadata, parts])
    keys: set[tuple[int, int, int]] = set()
    with (folder / "relationships.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["source", "target", "type", "weight"])
        while len(keys) < relationship_count:
            key = (rng.randrange(node_count), rng.randrange(node_count), rng.randrange(5))
            if key in keys:
                continue
            keys.add(key)
            weight = round(rng.random() * 10, 3)
            writer.writerow([f"n{key[0]:07d}", f"n{key[1]:07d}", REL_TYPES[key[2]], weight])


@contextmanager
def fresh_database(folder: Path, name: str, server_url: str | None) -> Iterator[str]:
    """A migrated, empty database: a file in `folder`, or a new one on a PostgreSQL server."""
    if server_url is None:
        yield migrate(f"sqlite+aiosqlite:///{folder / name}.db")
        return
    url, created = fresh_postgres(server_url)
    try:
        yield migrate(url)
    finally:
        drop_postgres(server_url, created)


def migrate(url: str) -> str:
    subprocess.run(
        [sys.executable, "-m", "graph_api", "db", "upgrade", "--database-url", url],
        check=True,
        capture_output=True,
    )
    return url


# The child reports its own peak RSS (VmHWM of its own address space). The kernel's
# ru_maxrss would not do: it keeps the high-water mark of the parent it was forked from.
_CHILD = """
import sys
try:
    if sys.argv[1:] == ["baseline"]:
        import graph_api.cli, graph_api.services.csv.importer, graph_api.db.engine
    else:
        from graph_api.cli import main
        main()
finally:
    with open("/proc/self/status") as status:
        peak = next(line for line in status if line.startswith("VmHWM:"))
    sys.stderr.write("peak-kib " + peak.split()[1] + "\\n")
"""


def _run_child(args: list[str], folder: Path) -> tuple[float, float, int, str]:
    """(seconds, CPU seconds, peak RSS in KiB, stdout) of a child process."""
    out_path, err_path = folder / "child.out", folder / "child.err"
    with out_path.open("w") as out, err_path.open("w") as err:
        started = time.perf_counter()
        child = subprocess.Popen([sys.executable, "-c", _CHILD, *args], stdout=out, stderr=err)
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    errors = err_path.read_text()
    if child.returncode != 0:
        sys.exit(f"{args[:1]} failed ({child.returncode}): {errors}")
    peak = int(re.findall(r"^peak-kib (\d+)$", errors, re.MULTILINE)[-1])
    return seconds, usage.ru_utime + usage.ru_stime, peak, out_path.read_text().strip()


def run_ours(folder: Path, url: str) -> tuple[float, float, int, str]:
    """(seconds, CPU seconds, peak RSS in KiB, summary line) of the CLI import in a child."""
    args = [
        "import", "--new-session",
        "--nodes", str(folder / "nodes.csv"),
        "--relationships", str(folder / "relationships.csv"),
        "--database-url", url,
    ]  # fmt: skip
    return _run_child(args, folder)


def baseline_rss(folder: Path) -> int:
    """Peak RSS (KiB) of a child that loads the same modules and imports nothing."""
    return _run_child(["baseline"], folder)[2]


def parsed_rows(folder: Path, session_id: str, stamp: str) -> tuple[list, list, list]:
    nodes, components, relationships = [], [], []
    with (folder / "nodes.csv").open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        next(reader)
        for node_id, label, type_, metadata, parts in reader:
            nodes.append((session_id, node_id, label, type_, metadata, 1, stamp, stamp))
            for position, part in enumerate(json.loads(parts) if parts else []):
                components.append(
                    (
                        session_id,
                        node_id,
                        position,
                        part["type"],
                        part["content"],
                        "{}",
                        stamp,
                        stamp,
                    )
                )
    with (folder / "relationships.csv").open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        next(reader)
        for source, target, type_, weight in reader:
            relationships.append(
                (session_id, source, target, type_, float(weight), "{}", 1, stamp, stamp)
            )
    return nodes, components, relationships


def run_floor(folder: Path, path: Path, cache_kib: int | None = None) -> tuple[float, float]:
    """(seconds, CPU seconds) of sqlite3 executemany of the parsed rows in one transaction
    (with SQLite's default page cache, or `cache_kib` as the CLI import sets it)."""
    stamp = datetime.now(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
    session_id = "00000000-0000-4000-8000-000000000000"
    nodes, components, relationships = parsed_rows(folder, session_id, stamp)
    conn = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode=WAL", "foreign_keys=ON", "synchronous=NORMAL"):
        conn.execute(f"PRAGMA {pragma}")
    if cache_kib is not None:
        conn.execute(f"PRAGMA cache_size=-{cache_kib}")
    started, cpu_started = time.perf_counter(), time.process_time()
    conn.execute("BEGIN IMMEDIATE")
    conn.execute(
        "INSERT INTO sessions (id, metadata, created_at, last_accessed, expires_at, revision)"
        " VALUES (?, '{}', ?, ?, ?, 1)",
        (session_id, stamp, stamp, stamp),
    )
    conn.executemany(
        "INSERT INTO nodes (session_id, node_id, label, type, metadata, version, created_at,"
        " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        nodes,
    )
    conn.executemany(
        "INSERT INTO components (session_id, node_id, position, type, content, properties,"
        " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        components,
    )
    conn.executemany(
        "INSERT INTO relationships (session_id, source_id, target_id, type, weight, properties,"
        " version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        relationships,
    )
    conn.execute("COMMIT")
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    conn.close()
    return seconds, cpu


def run_floor_postgres(folder: Path, url: str) -> tuple[float, float]:
    """(seconds, CPU seconds) of asyncpg COPY of the parsed rows in one transaction."""
    import asyncpg
    from sqlalchemy.engine import make_url

    stamp = datetime.now(UTC)
    session_id = "00000000-0000-4000-8000-000000000000"
    nodes, components, relationships = parsed_rows(folder, session_id, stamp)  # type: ignore[arg-type]
    target = make_url(url)

    async def load() -> tuple[float, float]:
        conn = await asyncpg.connect(
            host=target.host, port=target.port or 5432, user=target.username,
            password=target.password, database=target.database,
        )  # fmt: skip
        try:
            started, cpu_started = time.perf_counter(), time.process_time()
            async with conn.transaction():
                await conn.execute(
                    "INSERT INTO sessions (id, metadata, created_at, last_accessed, expires_at,"
                    " revision) VALUES ($1, '{}', $2, $2, $2, 1)",
                    session_id, stamp,
                )  # fmt: skip
                for table, rows, columns in (
                    ("nodes", nodes, NODE_COLUMNS),
                    ("components", components, COMPONENT_COLUMNS),
                    ("relationships", relationships, RELATIONSHIP_COLUMNS),
                ):
                    await conn.copy_records_to_table(table, records=rows, columns=columns)
            return time.perf_counter() - started, time.process_time() - cpu_started
        finally:
            await conn.close()

    return asyncio.run(load())


NODE_COLUMNS = ["session_id", "node_id", "label", "type", "metadata", "version", "created_at",
                "updated_at"]  # fmt: skip
COMPONENT_COLUMNS = ["session_id", "node_id", "position", "type", "content", "properties",
                     "created_at", "updated_at"]  # fmt: skip
RELATIONSHIP_COLUMNS = ["session_id", "source_id", "target_id", "type", "weight", "properties",
                        "version", "created_at", "updated_at"]  # fmt: skip


def _import_seconds(summary: str) -> float:
    """The import's own time as the CLI reports it (from opening the database to the commit)."""
    match = re.search(r" rows in ([0-9.]+)s ", summary)
    if match is None:
        sys.exit(f"unexpected CLI output: {summary}")
    return float(match.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=100_000)
    parser.add_argument("--relationships", type=int, default=300_000)
    parser.add_argument("--full", action="store_true", help="1M nodes + 3M relationships")
    parser.add_argument("--no-floor", action="store_true", help="run ours only")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=1, help="runs of each; the best counts")
    parser.add_argument(
        "--database-url",
        default=None,
        help="postgresql+asyncpg://user@host:port/any: run on that server (fresh databases)",
    )
    args = parser.parse_args()
    if args.full:
        args.nodes, args.relationships = 1_000_000, 3_000_000
    server = args.database_url if (args.database_url or "").startswith("postgresql") else None
    rows = args.nodes + args.relationships
    with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        write_files(folder, args.nodes, args.relationships, args.seed)
        size = sum(p.stat().st_size for p in folder.glob("*.csv")) / 2**20
        print(f"files: {args.nodes:,} nodes + {args.relationships:,} relationships, "
              f"{size:.1f} MiB, written in {time.perf_counter() - started:.1f}s")  # fmt: skip
        base = baseline_rss(folder)
        runs, floors, cached = [], [], []
        for attempt in range(args.repeat):
            with fresh_database(folder, f"ours{attempt}", server) as ours_url:
                runs.append(run_ours(folder, ours_url))
            if args.no_floor:
                continue
            with fresh_database(folder, f"floor{attempt}", server) as floor_url:
                if server is None:
                    floors.append(run_floor(folder, Path(floor_url.split("///", 1)[1])))
                else:
                    floors.append(run_floor_postgres(folder, floor_url))
            if server is None:
                with fresh_database(folder, f"cached{attempt}", None) as cached_url:
                    cached_path = Path(cached_url.split("///", 1)[1])
                    cached.append(run_floor(folder, cached_path, _SQLITE_CACHE_KIB))
    process, cpu, peak, summary = min(runs, key=lambda run: _import_seconds(run[3]))
    ours = _import_seconds(summary)
    engine = "PostgreSQL" if server else "SQLite"
    print(f"engine: {engine}")
    print(f"ours : {ours:6.2f}s {rows / ours:>9,.0f} rows/s  (the import, as the CLI reports it)")
    print(f"       whole process {process:.2f}s, CPU {cpu:.2f}s; peak RSS {peak / 1024:,.0f} MiB "
          f"({base / 1024:,.0f} MiB with the modules loaded only)")  # fmt: skip
    print(f"       {summary}")
    peak_verdict = "met" if peak / 1024 < PEAK_TARGET_MIB else "MISSED"
    print(f"peak RSS {peak / 1024:,.0f} MiB (target < {PEAK_TARGET_MIB} MiB at 1M + 3M rows: "
          f"{peak_verdict if args.full else 'run --full to judge'})")  # fmt: skip
    if not floors:
        return
    how = "asyncpg COPY" if server else "sqlite3 executemany"
    floor, floor_cpu = min(floors)
    print(f"floor: {floor:6.2f}s {rows / floor:>9,.0f} rows/s  ({how} of the parsed "
          f"rows), CPU {floor_cpu:.2f}s")  # fmt: skip
    if cached:
        same, _ = min(cached)
        print(f"       {same:.2f}s with the page cache the CLI import sets "
              f"({_SQLITE_CACHE_KIB // 1024} MiB): ours / that = {ours / same:.2f}")  # fmt: skip
        floor = min(floor, same)
    target = TARGETS[engine]
    verdict = "met" if ours / floor <= target else "MISSED"
    print(f"ours / limit = {ours / floor:.2f} (target <= {target:g}: {verdict}); whole process "
          f"/ limit = {process / floor:.2f}; CPU = {cpu / floor_cpu:.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
