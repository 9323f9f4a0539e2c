"""Single-node reads under load, against the floor of the same run (issue 6).

8 concurrent keep-alive connections (a small asyncio HTTP/1.1 client, cheap enough
not to steal the server's CPU) ask for random nodes of graph1k,

    node(sessionId, nodeId) { nodeId label type components { position type content } }

for N seconds, then the same for the floor route (plain SQL + orjson in the same
process). Prints requests/s, latency percentiles and errors for both, and ours / floor.

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

import orjson  # noqa: E402
from support.seed import GRAPH1K, graph_node_ids  # noqa: E402
from support.server import serve  # noqa: E402
from support.stats import percentile, seeded_database  # noqa: E402

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


async def _load(url: str, requests: list[bytes], seconds: float, connections: int) -> Tally:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    # A short warm-up on every connection (caches, pools), not counted.
    await asyncio.gather(
        *(_connection(host, port, requests, time.perf_counter() + 1.0, Tally(), i)
          for i in range(connections))
    )
    tally = Tally()
    deadline = time.perf_counter() + seconds
    await asyncio.gather(
        *(_connection(host, port, requests, deadline, tally, i) for i in range(connections))
    )
    return tally


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
            _request("bench", "/graphql", orjson.dumps(
                {"query": QUERY, "variables": {"s": session_id, "n": key}}))
            for key in keys
        ]
        floor = [
            _request("bench", "/bench/floor/node",
                     orjson.dumps({"sessionId": session_id, "nodeId": key}))
            for key in keys
        ]
        print(f"database: {url.split('@')[-1]}; workers {args.workers}; "
              f"{args.connections} connections; {args.seconds:g} s per path")
        with serve(url, workers=args.workers) as server:
            print(f"{'path':6} {'requests':>9} {'req/s':>9} {'p50 ms':>8} {'p90 ms':>8} "
                  f"{'p99 ms':>8} {'max ms':>8} {'errors':>7}")
            tally = asyncio.run(_load(server.url, ours, args.seconds, args.connections))
            ours_rate = _print("ours", tally, args.seconds)
            errors = tally.errors
            tally = asyncio.run(_load(server.url, floor, args.seconds, args.connections))
            floor_rate = _print("floor", tally, args.seconds)
    share = ours_rate / floor_rate if floor_rate else 0.0
    verdict = "ok" if share >= TARGET_SHARE and errors == 0 else "MISSED"
    print(f"ours / floor requests/s: {share:.0%} (target >= {TARGET_SHARE:.0%}, 0 errors) {verdict}")


if __name__ == "__main__":
    main()
