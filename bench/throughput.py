"""Small requests against two floors in the same run (issues 6 and 16).

Three servers' paths, each under uvicorn the same way (support/server.py):
- ours: `create_app()` (bench/support/floor_app.py), POST /graphql;
- engine floor: plain SQL + orjson routes inside that same app (same engine, driver, pool,
  middlewares), so ours / engine floor measures what GraphQL adds;
- plain floor: a bare ASGI callable over plain sqlite3 or asyncpg and orjson
  (bench/support/plain_app.py), no framework: ours / plain floor is the whole cost of our stack.

Cases (alternating slices between the paths, so a neighbour's load hits all of them alike):
- `{ __typename }`, one connection, sequential: p50;
- node by key, one connection, sequential: p50;
      node(sessionId, nodeId) { nodeId label type components { position type content } }
- node by key, 8 keep-alive connections (a small asyncio HTTP/1.1 client): requests/s;
- validateSession, one connection, sequential: p50 (a committed UPDATE of lastAccessed).

Prints every figure, both ratios and issue 16's target next to it, and under each case the
serving processes' CPU ms per request (/proc utime + stime of uvicorn and its workers, all
threads): on a machine shared with other work the wall-clock figures also count waiting
for a core, the CPU time does not.

    .venv/bin/python bench/throughput.py [--seconds 10] [--sequential-seconds 3]
        [--connections 8] [--workers 1]
        [--database-url postgresql+asyncpg://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

import orjson
from support.seed import GRAPH1K, graph_node_ids
from support.server import Server, serve
from support.stats import percentile, seeded_database

QUERY = """query One($s: ID!, $n: String!) {
  node(sessionId: $s, nodeId: $n) { nodeId label type components { position type content } }
}"""
VALIDATE = """mutation($id: ID!) { validateSession(id: $id) {
  valid reason session { id lastAccessed revision } } }"""
TARGET_SHARE = 0.20  # issue 6: ours / engine floor, requests/s
# issue 16's targets: p50 in ms (at most) or requests/s (at least), per engine.
TARGETS: dict[str, dict[str, float]] = {
    "typename": {"sqlite": 0.5, "postgresql": 0.5},
    "node": {"sqlite": 1.2, "postgresql": 1.2},
    "node x8": {"sqlite": 2500.0, "postgresql": 1500.0},
    "validate": {"sqlite": 1.0, "postgresql": 1.0},
}
PATHS = ("ours", "engine floor", "plain floor")


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    seconds: float = 0.0
    # The serving process's CPU time (all its threads) while this path was asked.
    cpu_seconds: float = 0.0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time so far of process `pid` and its children (uvicorn's workers),
    from /proc."""
    total = 0.0
    pids = [pid]
    for task in Path(f"/proc/{pid}/task").iterdir():
        pids += [int(child) for child in (task / "children").read_text().split()]
    for one in pids:
        fields = Path(f"/proc/{one}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


@dataclass
class Case:
    name: str
    connections: int
    seconds: float
    # per path: (base url, requests, server pid) or None when that floor has no such route
    paths: dict[str, tuple[str, list[bytes], int] | None]


def _request(host: str, path: str, payload: bytes) -> bytes:
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(payload)}\r\n\r\n"
    )
    return head.encode() + payload


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.lower() == "content-length":
            length = int(value)
    return status, await reader.readexactly(length)


def _ok(status: int, body: bytes) -> bool:
    if status != 200:
        return False
    answer = orjson.loads(body)
    if "errors" in answer:
        return False
    (value,) = answer["data"].values()
    return value is not None and (not isinstance(value, dict) or value.get("valid", True))


async def _connection(
    host: str, port: int, requests: list[bytes], deadline: float, tally: Tally, seed: int
) -> None:
    rng = random.Random(seed)
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while time.perf_counter() < deadline:
            request = rng.choice(requests)
            start = time.perf_counter()
            writer.write(request)
            try:
                status, body = await _read_response(reader)
            except (asyncio.IncompleteReadError, ConnectionError):
                tally.errors += 1
                writer.close()
                reader, writer = await asyncio.open_connection(host, port)
                continue
            tally.latencies.append(time.perf_counter() - start)
            if not _ok(status, body):
                tally.errors += 1
    finally:
        writer.close()


async def _load(
    url: str,
    requests: list[bytes],
    seconds: float,
    connections: int,
    tally: Tally,
    pid: int | None = None,
) -> None:
    """`connections` clients asking for `seconds`; what they measure goes to `tally` (and the
    CPU time server `pid` used meanwhile)."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    deadline = time.perf_counter() + seconds
    cpu_before = cpu_seconds(pid) if pid is not None else 0.0
    await asyncio.gather(
        *(_connection(host, port, requests, deadline, tally, i) for i in range(connections))
    )
    tally.seconds += seconds
    if pid is not None:
        tally.cpu_seconds += cpu_seconds(pid) - cpu_before


async def _run(case: Case, slices: int) -> dict[str, Tally]:
    # A short warm-up of each path (caches, pools), not counted; then alternating slices.
    present = {name: path for name, path in case.paths.items() if path is not None}
    for url, requests, _pid in present.values():
        await _load(url, requests, 0.5, case.connections, Tally())
    tallies = {name: Tally() for name in present}
    for _ in range(slices):
        for name, (url, requests, pid) in present.items():
            seconds = case.seconds / slices
            await _load(url, requests, seconds, case.connections, tallies[name], pid)
    return tallies


def _figure(case: Case, tally: Tally | None) -> float | None:
    if tally is None or not tally.latencies:
        return None
    if case.connections > 1:
        return len(tally.latencies) / tally.seconds
    return percentile([value * 1000 for value in tally.latencies], 0.5)


def _report(case: Case, tallies: dict[str, Tally], engine: str) -> bool:
    rate = case.connections > 1
    unit = "req/s" if rate else "p50 ms"
    figures = {name: _figure(case, tallies.get(name)) for name in PATHS}
    ours = figures["ours"]
    cells = []
    for name in PATHS:
        value = figures[name]
        cells.append(f"{'-':>9}" if value is None else f"{value:9.{0 if rate else 3}f}")
    ratios = []
    for name in PATHS[1:]:
        floor = figures[name]
        if ours is None or floor is None or not floor:
            ratios.append(f"{'-':>7}")
        else:
            # How many times the floor's cost ours is: latency / latency, or rate / rate.
            ratios.append(f"{(floor / ours if rate else ours / floor):6.1f}x")
    target = TARGETS[case.name][engine]
    met = ours is not None and (ours >= target if rate else ours <= target)
    errors = sum(t.errors for t in tallies.values())
    met = met and not errors
    print(
        f"{case.name:9} {unit:6} "
        + " ".join(cells)
        + " "
        + " ".join(ratios)
        + f"  {'>=' if rate else '<='} {target:g} {'met' if met else 'MISSED'}"
        + (f" ({errors} errors)" if errors else "")
    )
    _report_cpu(tallies)
    if rate and ours and figures["engine floor"]:
        share = ours / figures["engine floor"]  # type: ignore[operator]
        verdict = "ok" if share >= TARGET_SHARE else "MISSED"
        print(f"          issue 6: ours / engine floor req/s {share:.0%} (>= 20%) {verdict}")
    return met


def _report_cpu(tallies: dict[str, Tally]) -> None:
    """Server CPU ms per request: what a busy machine's waiting for a core does not inflate
    (requests/s on one core is at most 1000 / this)."""
    cpu = {
        name: t.cpu_seconds * 1000 / len(t.latencies) if t.latencies else None
        for name, t in tallies.items()
    }
    cells = [f"{'-':>9}" if cpu.get(n) is None else f"{cpu[n]:9.3f}" for n in PATHS]
    ratios = []
    for name in PATHS[1:]:
        ours, floor = cpu.get("ours"), cpu.get(name)
        ratios.append(f"{'-':>7}" if not ours or not floor else f"{ours / floor:6.1f}x")
    print(f"{'':9} {'cpu ms':6} " + " ".join(cells) + " " + " ".join(ratios))


def _cases(
    ours: Server, plain: Server, session_id: str, keys: list[str], args: argparse.Namespace
) -> list[Case]:
    def posts(path: str, bodies: list[Any]) -> list[bytes]:
        return [_request("127.0.0.1", path, orjson.dumps(body)) for body in bodies]

    node_bodies = [{"query": QUERY, "variables": {"s": session_id, "n": key}} for key in keys]
    floor_bodies = [{"sessionId": session_id, "nodeId": key} for key in keys]
    us, them = ours.process.pid, plain.process.pid
    node_paths: dict[str, tuple[str, list[bytes], int] | None] = {
        "ours": (ours.url, posts("/graphql", node_bodies), us),
        "engine floor": (ours.url, posts("/bench/floor/node", floor_bodies), us),
        "plain floor": (plain.url, posts("/node", floor_bodies), them),
    }
    seq = args.sequential_seconds
    return [
        Case(
            "typename",
            1,
            seq,
            {
                "ours": (ours.url, posts("/graphql", [{"query": "{ __typename }"}]), us),
                "engine floor": None,
                "plain floor": (plain.url, posts("/typename", [{}]), them),
            },
        ),
        Case("node", 1, seq, node_paths),
        Case("node x8", args.connections, args.seconds, node_paths),
        Case(
            "validate",
            1,
            seq,
            {
                "ours": (
                    ours.url,
                    posts("/graphql", [{"query": VALIDATE, "variables": {"id": session_id}}]),
                    us,
                ),
                "engine floor": (
                    ours.url,
                    posts("/bench/floor/validate", [{"id": session_id}]),
                    us,
                ),
                "plain floor": (plain.url, posts("/validate", [{"id": session_id}]), them),
            },
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="node x8, per path")
    parser.add_argument("--sequential-seconds", type=float, default=3.0, help="per path")
    parser.add_argument("--slices", type=int, default=5, help="alternations between paths")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=1, help=f"at most {os.cpu_count()}")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--database-url", help="default: a temporary SQLite file")
    parser.add_argument("--no-gc-tuning", action="store_true", help="serve ours without it")
    args = parser.parse_args()
    if not 1 <= args.workers <= (os.cpu_count() or 1):
        parser.error(f"--workers must be between 1 and {os.cpu_count()}")
    env = {"GRAPH_API_BENCH_NO_GC_TUNING": "1"} if args.no_gc_tuning else None
    all_met = True
    with seeded_database(args.database_url, (GRAPH1K,), args.seed) as (url, ids):
        engine = "postgresql" if url.startswith("postgresql") else "sqlite"
        session_id = ids[GRAPH1K.name]
        keys = random.Random(args.seed).sample(graph_node_ids(GRAPH1K), 500)
        print(
            f"database: {url.split('@')[-1]}; workers {args.workers}; graph1k; "
            f"gc tuning {'off' if args.no_gc_tuning else 'on'}; "
            f"load average {os.getloadavg()[0]:.2f} ({os.cpu_count()} cores)"
        )
        with (
            serve(url, workers=args.workers, env=env) as ours,
            serve(url, workers=args.workers, app="support.plain_app:app") as plain,
        ):
            print(
                f"{'case':9} {'unit':6} {'ours':>9} {'engine':>9} {'plain':>9}"
                f" {'/engine':>7} {'/plain':>7}  target"
            )
            for case in _cases(ours, plain, session_id, keys, args):
                tallies = asyncio.run(_run(case, args.slices))
                all_met = _report(case, tallies, engine) and all_met
    print(
        "ratios: how many times the floor's cost ours is (p50 / p50, or floor req/s / ours);"
        f" load average after {os.getloadavg()[0]:.2f}"
    )
    print("all targets met" if all_met else "some targets MISSED")


if __name__ == "__main__":
    main()
