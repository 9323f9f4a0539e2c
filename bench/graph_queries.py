"""Graph questions at database speed (issue 15): search, shortestPath, typeCounts, and the
cost of keeping the search index during a CSV import.

Writes (seeded) a session of `--nodes` nodes (3 components each: text from a word list
of 5,000 generated words drawn with Zipf-like frequencies, some with non-ASCII letters)
and 3 x `--nodes` random relationships over 5 types (the last 10 nodes have none), then:

- the import, twice, each into a fresh database with `graph-api import --new-session`
  in a child process (the CLI's own code path): once as shipped, once with the search
  documents not written (the child replaces search_index.refresh with a no-op; nothing
  else differs). Prints both times as the CLI reports them, the child's CPU seconds and
  the ratio (target: at most +30 %).
- against the first database, through the real GraphQL endpoint in-process (httpx over
  ASGI, so parsing, validation and serialisation are included), `--runs` timed requests
  (after 3 warm-ups) of each: search with 1 word (any of the list), 1 frequent word (one of
  the 20 most frequent, found in most components: every hit is ranked, so this is the
  worst case), 2 words (both from one component) and a 3-letter prefix; shortestPath
  (OUT) between random pairs at distance 2, 4 and 6, an unreachable pair (target without
  relationships), and a pair at distance 6 asked with maxDepth 5 (the whole 5 levels
  explored, then null); typeCounts. Prints p50 / p99 ms
  (targets: search p50 < 20 ms, distance 6 p50 < 100 ms, typeCounts < 5 ms).
- the alternative to the level-by-level search: one recursive CTE computing the distance
  (UNION over (node, depth) pairs, the closest a CTE gets to pruning visited nodes), timed
  on the same distance-2/4/6 pairs at the service level next to shortest_path itself.

    .venv/bin/python bench/graph_queries.py [--nodes 100000] [--runs 30] [--seed 7]
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
import subprocess
import sys
import tempfile
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import httpx
from sqlalchemy import text
from support.seed import drop_postgres, fresh_postgres
from support.stats import percentile

from graph_api.app import create_app
from graph_api.config import Settings
from graph_api.db.engine import create_engine
from graph_api.db.transaction import transaction_context
from graph_api.services.graph.paths import shortest_path

NODE_TYPES = ("concept", "person", "place", "event", "document")
REL_TYPES = ("RELATES_TO", "CITES", "PART_OF", "KNOWS", "NEAR")
# fmt: off
SYLLABLES = (
    "ka", "lo", "mi", "ne", "ru", "ta", "vo", "si", "pe", "da", "gu", "ri", "zo", "fa", "be",
    "chi", "tor", "lan", "mer", "dol", "sen", "qui", "bra", "vel", "nor", "ast", "ün", "é", "ø",
    "ña",
)
# fmt: on
ISOLATED = 10


class Corpus:
    """The word list and the seeded text drawn from it."""

    def __init__(self, rng: random.Random, size: int = 5_000) -> None:
        found: set[str] = set()
        while len(found) < size:
            found.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))))
        self.words = sorted(found)
        rng.shuffle(self.words)
        total = 0.0
        self.cumulative: list[float] = []
        for rank in range(len(self.words)):
            total += 1 / (rank + 1)
            self.cumulative.append(total)
        self.rng = rng

    def text(self, count: int) -> str:
        return " ".join(self.rng.choices(self.words, cum_weights=self.cumulative, k=count))


def write_files(folder: Path, node_count: int, seed: int) -> tuple[Corpus, list[list[int]]]:
    """nodes.csv and relationships.csv; returns the corpus and the out-adjacency."""
    rng = random.Random(seed)
    corpus = Corpus(rng)
    with (folder / "nodes.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["node_id", "label", "type", "components"])
        for index in range(node_count):
            parts = [{"type": "text", "content": corpus.text(rng.randint(8, 20))} for _ in range(3)]
            writer.writerow(
                [
                    f"n{index:06d}",
                    corpus.text(rng.randint(1, 3)).title(),
                    NODE_TYPES[index % len(NODE_TYPES)],
                    json.dumps(parts, ensure_ascii=False),
                ]
            )
    adjacency: list[list[int]] = [[] for _ in range(node_count)]
    linked = node_count - ISOLATED
    keys: set[tuple[int, int, int]] = set()
    with (folder / "relationships.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["source", "target", "type"])
        while len(keys) < 3 * node_count:
            key = (rng.randrange(linked), rng.randrange(linked), rng.randrange(len(REL_TYPES)))
            if key in keys:
                continue
            keys.add(key)
            adjacency[key[0]].append(key[1])
            writer.writerow([f"n{key[0]:06d}", f"n{key[1]:06d}", REL_TYPES[key[2]]])
    return corpus, adjacency


def pairs_at(
    adjacency: list[list[int]], distance: int, count: int, rng: random.Random
) -> list[tuple[str, str]]:
    """Random (from, to) pairs whose OUT distance is exactly `distance` (BFS in memory)."""
    found: list[tuple[str, str]] = []
    while len(found) < count:
        start = rng.randrange(len(adjacency) - ISOLATED)
        depth = {start: 0}
        queue = deque([start])
        while queue:
            node = queue.popleft()
            if depth[node] == distance:
                continue
            for nxt in adjacency[node]:
                if nxt not in depth:
                    depth[nxt] = depth[node] + 1
                    queue.append(nxt)
        ring = [node for node, d in depth.items() if d == distance]
        if ring:
            found.append((f"n{start:06d}", f"n{rng.choice(ring):06d}"))
    return found


# ---------------------------------------------------------------- the import

_CHILD = """
import sys, asyncio
if sys.argv[1] == "without":
    from graph_api.services.graph import search_index
    async def _skip(**_): return None
    search_index.refresh = _skip
from graph_api.cli import main
sys.argv = ["graph-api", *sys.argv[2:]]
main()
"""


@contextmanager
def fresh_database(folder: Path, name: str, server_url: str | None) -> Iterator[str]:
    if server_url is None:
        yield f"sqlite+aiosqlite:///{folder / name}.db"
        return
    url, created = fresh_postgres(server_url)
    try:
        yield url
    finally:
        drop_postgres(server_url, created)


def run_import(folder: Path, url: str, variant: str) -> tuple[float, float, str]:
    """(seconds as the CLI reports them, child CPU seconds, session id)."""
    subprocess.run(
        [sys.executable, "-m", "graph_api", "db", "upgrade", "--database-url", url],
        check=True,
        capture_output=True,
    )
    args = [
        "import", "--new-session", "--nodes", str(folder / "nodes.csv"),
        "--relationships", str(folder / "relationships.csv"), "--database-url", url,
    ]  # fmt: skip
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, variant, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    _, status, usage = os.wait4(child.pid, 0)
    out = child.stdout.read() if child.stdout else ""
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"import failed: {child.stderr.read() if child.stderr else ''}")
    match = re.search(r"session ([0-9a-f-]{36}): .* in ([\d.]+)s", out)
    assert match is not None, out
    return float(match.group(2)), usage.ru_utime + usage.ru_stime, match.group(1)


# ---------------------------------------------------------------- the queries

SEARCH = """query($s: ID!, $q: String!) { session(id: $s) {
  search(query: $q) { node { nodeId } score } } }"""
PATH = """query($s: ID!, $f: String!, $t: String!, $d: Int) { session(id: $s) {
  shortestPath(from: $f, to: $t, maxDepth: $d) { length nodes { nodeId } } } }"""
COUNTS = """query($s: ID!) { session(id: $s) {
  typeCounts { nodes { type count } relationships { type count } } } }"""


async def timed(runs: int, call: Callable[[int], Awaitable[Any]]) -> list[float]:
    for index in range(3):
        await call(index)
    samples = []
    for index in range(runs):
        started = time.perf_counter()
        await call(index)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def row(name: str, samples: list[float], target: str = "") -> None:
    p50, p99 = percentile(samples, 0.5), percentile(samples, 0.99)
    print(f"  {name:<34} p50 {p50:8.2f} ms   p99 {p99:8.2f} ms   {target}")


async def queries(
    url: str, session_id: str, corpus: Corpus, adjacency: list[list[int]], runs: int
) -> None:
    rng = random.Random(1)
    settings = Settings(database_url=url, migrate_on_start=False)
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:

            async def ask(query: str, variables: dict[str, Any]) -> Any:
                body = (
                    await http.post("/graphql", json={"query": query, "variables": variables})
                ).json()
                assert "errors" not in body, body
                return body["data"]

            total = runs + 3
            one = [rng.choice(corpus.words) for _ in range(total)]
            frequent = [rng.choice(corpus.words[:20]) for _ in range(total)]
            two = []
            for _ in range(total):
                words = corpus.text(12).split()
                two.append(" ".join(rng.sample(words, 2)))
            prefix = [word[:3] + "*" for word in (corpus.text(1) for _ in range(total))]
            print("search (first: 20)")
            for name, words in (
                ("1 word", one),
                ("1 frequent word", frequent),
                ("2 words", two),
                ("prefix (3 letters*)", prefix),
            ):
                hits: list[int] = []

                async def search(i: int, words: list[str] = words, hits: list[int] = hits) -> None:
                    data = await ask(SEARCH, {"s": session_id, "q": words[i]})
                    hits.append(len(data["session"]["search"]))

                samples = await timed(runs, search)
                row(f"{name} ({sum(hits) / len(hits):.0f} hits avg)", samples, "target p50 < 20 ms")
            print("shortestPath (direction OUT)")
            cases: list[tuple[str, list[tuple[str, str]], int]] = []
            for distance in (2, 4, 6):
                cases.append((f"distance {distance}", pairs_at(adjacency, distance, total, rng), 6))
            isolated = [(f"n{rng.randrange(len(adjacency) - ISOLATED):06d}",
                         f"n{len(adjacency) - 1:06d}") for _ in range(total)]  # fmt: skip
            cases.append(("unreachable (no relationships)", isolated, 6))
            cases.append(("distance 6, maxDepth 5 (null)", cases[2][1], 5))
            for name, pairs, depth in cases:

                async def path(
                    i: int, pairs: list[tuple[str, str]] = pairs, depth: int = depth
                ) -> None:
                    await ask(
                        PATH, {"s": session_id, "f": pairs[i][0], "t": pairs[i][1], "d": depth}
                    )

                target = "target p50 < 100 ms" if name == "distance 6" else ""
                row(name, await timed(runs, path), target)
            print("typeCounts")
            samples = await timed(runs, lambda i: ask(COUNTS, {"s": session_id}))
            row("nodes and relationships", samples, "target < 5 ms")
    await compare_cte(settings, session_id, [case[1] for case in cases[:3]], runs)


_CTE = """WITH RECURSIVE walk(node_id, depth) AS (
  SELECT node_id, 0 FROM nodes WHERE session_id = :s AND node_id = :f
  UNION
  SELECT r.target_id, w.depth + 1 FROM walk AS w JOIN relationships AS r
    ON r.session_id = :s AND r.source_id = w.node_id WHERE w.depth < :d
) SELECT min(depth) FROM walk WHERE node_id = :t"""


async def compare_cte(
    settings: Settings, session_id: str, cases: list[list[tuple[str, str]]], runs: int
) -> None:
    print("shortestPath: level-by-level search vs one recursive CTE (service level, distance only)")
    engine = create_engine(settings)
    try:
        for distance, pairs in zip((2, 4, 6), cases, strict=True):

            async def bfs(i: int, pairs: list[tuple[str, str]] = pairs) -> None:
                async with transaction_context(engine, write=False) as db:
                    await shortest_path(
                        db=db, session_id=session_id, source=pairs[i][0], target=pairs[i][1]
                    )

            async def cte(
                i: int, pairs: list[tuple[str, str]] = pairs, distance: int = distance
            ) -> None:
                async with transaction_context(engine, write=False) as db:
                    params = {"f": pairs[i][0], "t": pairs[i][1], "s": session_id, "d": 6}
                    found = (await db.execute(text(_CTE), params)).scalar_one()
                    assert found == distance, (found, distance)

            row(f"distance {distance}: bidirectional BFS", await timed(runs, bfs))
            row(f"distance {distance}: recursive CTE", await timed(min(runs, 10), cte))
    finally:
        await engine.dispose()


async def vacuum_analyze(url: str) -> None:
    engine = create_engine(Settings(database_url=url))
    try:
        async with engine.connect() as conn:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text("VACUUM ANALYZE"))
    finally:
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--nodes", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--database-url", default=None)
    parser.add_argument(
        "--queries-only", action="store_true", help="Import once (with the index) and query."
    )
    args = parser.parse_args()
    server = (
        args.database_url
        if args.database_url and args.database_url.startswith("postgresql")
        else None
    )
    engine_name = "PostgreSQL" if server else "SQLite"
    with tempfile.TemporaryDirectory(prefix="graph_api_bench_") as directory:
        folder = Path(directory)
        started = time.perf_counter()
        corpus, adjacency = write_files(folder, args.nodes, args.seed)
        print(
            f"{engine_name}: {args.nodes:,} nodes x 3 components, {3 * args.nodes:,} relationships"
            f" (files written in {time.perf_counter() - started:.1f}s);"
            f" load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
        )
        without = without_cpu = float("nan")
        if not args.queries_only:
            with fresh_database(folder, "without", server) as url:
                without, without_cpu, _ = run_import(folder, url, "without")
        with fresh_database(folder, "with", server) as url:
            with_index, with_cpu, session_id = run_import(folder, url, "with")
            if server is not None:
                # What autovacuum does within a minute of a bulk load: planner statistics
                # (the GIN expression index has none before) and the visibility map.
                asyncio.run(vacuum_analyze(url))
            print("CSV import (graph-api import, child process)")
            print(f"  without search documents   {without:7.1f} s   (CPU {without_cpu:6.1f} s)")
            print(f"  with search documents      {with_index:7.1f} s   (CPU {with_cpu:6.1f} s)")
            print(f"  with / without             {with_index / without:7.2f}     (CPU "
                  f"{with_cpu / without_cpu:.2f})   target <= 1.30")  # fmt: skip
            asyncio.run(queries(url, session_id, corpus, adjacency, args.runs))


if __name__ == "__main__":
    main()
