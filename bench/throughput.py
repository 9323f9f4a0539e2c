"""Single-node reads under load, against the floor of the same run (issue 6).

8 concurrent keep-alive connections (a small asyncio HTTP/1.1 client, cheap enough
not to steal the server's CPU) ask for random nodes of graph1k,

    node(sessionId, nodeId) { nodeId label type components { position type content } }

for N seconds, and the floor route (plain SQL + orjson in the same process) for as long,
in alternating slices. Prints requests/s, latency percentiles and errors for both, and
ours / floor.

    .venv/bin/python bench/throughput.py [--seconds 15] [--connections 8] [--workers 1]
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
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

import orjson
from support.seed import GRAPH1K, graph_node_ids
from support.server import serve
from support.stats import percentile, seeded_database

QUERY = """query One($s: ID!, $n: String!) {
  node(sessionId: $s, nodeId: $n) { nodeId label type components { position type content } }
}"""
TARGET_SHARE = 0.20


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0


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
    return "errors" not in answer and answer["data"]["node"] is not None


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
    url: str, requests: list[bytes], seconds: float, connections: int, tally: Tally
) -> None:
    """`connections` clients asking for `seconds`; what they measure goes to `tally`."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    deadline = time.perf_counter() + seconds
    await asyncio.gather(
        *(_connection(host, port, requests, deadline, tally, i) for i in range(connections))
    )


async def _compare(
    url: str, ours: list[bytes], floor: list[bytes], args: argparse.Namespace
) -> tuple[Tally, Tally]:
    # A warm-up of each path (caches, pools), not counted; then alternating slices, so that
    # a neighbour's load on a shared machine hits both paths alike.
    for requests in (ours, floor):
        await _load(url, requests, 1.0, args.connections, Tally())
    tallies = (Tally(), Tally())
    for _ in range(args.slices):
        for requests, tally in zip((ours, floor), tallies, strict=True):
            await _load(url, requests, args.seconds / args.slices, args.connections, tally)
    return tallies


def _print(label: str, tally: Tally, seconds: float) -> float:
    rate = len(tally.latencies) / seconds
    ms = [value * 1000 for value in tally.latencies] or [0.0]
    print(
        f"{label:6} {len(tally.latencies):9,} {rate:9.0f} {percentile(ms, 0.5):8.2f} "
        f"{percentile(ms, 0.9):8.2f} {percentile(ms, 0.99):8.2f} {max(ms):8.2f} {tally.errors:7}"
    )
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=15.0, help="per path (default 15)")
    parser.add_argument("--slices", type=int, default=5, help="alternations ours / floor")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=1, help=f"at most {os.cpu_count()}")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--database-url", help="default: a temporary SQLite file")
    args = parser.parse_args()
    if not 1 <= args.workers <= (os.cpu_count() or 1):
        parser.error(f"--workers must be between 1 and {os.cpu_count()}")
    with seeded_database(args.database_url, (GRAPH1K,), args.seed) as (url, ids):
        session_id = ids[GRAPH1K.name]
        keys = random.Random(args.seed).sample(graph_node_ids(GRAPH1K), 500)
        ours = [
            _request(
                "bench",
                "/graphql",
                orjson.dumps({"query": QUERY, "variables": {"s": session_id, "n": key}}),
            )
            for key in keys
        ]
        floor = [
            _request(
                "bench", "/bench/floor/node", orjson.dumps({"sessionId": session_id, "nodeId": key})
            )
            for key in keys
        ]
        print(
            f"database: {url.split('@')[-1]}; workers {args.workers}; "
            f"{args.connections} connections; {args.seconds:g} s per path"
        )
        with serve(url, workers=args.workers) as server:
            print(
                f"{'path':6} {'requests':>9} {'req/s':>9} {'p50 ms':>8} {'p90 ms':>8} "
                f"{'p99 ms':>8} {'max ms':>8} {'errors':>7}"
            )
            ours_tally, floor_tally = asyncio.run(_compare(server.url, ours, floor, args))
            ours_rate = _print("ours", ours_tally, args.seconds)
            floor_rate = _print("floor", floor_tally, args.seconds)
            errors = ours_tally.errors
    share = ours_rate / floor_rate if floor_rate else 0.0
    verdict = "ok" if share >= TARGET_SHARE and errors == 0 else "MISSED"
    print(
        f"ours / floor requests/s: {share:.0%} (target >= {TARGET_SHARE:.0%}, 0 errors) {verdict}"
    )


if __name__ == "__main__":
    main()
