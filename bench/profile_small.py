"""py-spy over `graph-api`'s app serving one small request type in a loop (issue 16).

Starts the benchmark's server (support/server.py, uvicorn, graph1k seeded), keeps one
connection asking the same case for --seconds while `py-spy record --format raw` samples
the server process, then prints the frames with the largest share of samples: inclusive
(a frame or anything it calls) and self (the frame itself). Needs py-spy in the venv
(`pip install py-spy`) and ptrace rights over a child process.

    .venv/bin/python bench/profile_small.py typename|node|validate [--seconds 8]
        [--database-url postgresql+asyncpg://...]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import orjson
from support.seed import GRAPH1K, graph_node_ids
from support.server import serve
from support.stats import seeded_database
from throughput import QUERY, VALIDATE, Tally, _load, _request


def _bodies(case: str, session_id: str, keys: list[str]) -> list[bytes]:
    if case == "typename":
        bodies: list[object] = [{"query": "{ __typename }"}]
    elif case == "node":
        bodies = [{"query": QUERY, "variables": {"s": session_id, "n": key}} for key in keys]
    else:
        bodies = [{"query": VALIDATE, "variables": {"id": session_id}}]
    return [_request("127.0.0.1", "/graphql", orjson.dumps(body)) for body in bodies]


IDLE = {"Runner.run", "_connection_worker_thread", "select", "wait", "_worker"}


def _frame(entry: str) -> str:
    # py-spy raw frames: "function (module/path.py:line)"; keep the function and file name.
    name, _, where = entry.partition(" (")
    path = where.rstrip(")").rsplit(":", 1)[0]
    parts = Path(path).parts
    short = "/".join(parts[-2:]) if parts else path
    return f"{name} ({short})"


def summarise(raw: Path, top: int) -> None:
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = idle = 0
    for line in raw.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack:
            continue
        count = int(count_text)
        frames = [_frame(entry) for entry in stack.split(";") if " (" in entry]
        if not frames or frames[-1].split(" (")[0] in IDLE:
            # The event loop waiting in epoll, aiosqlite's thread waiting on its queue.
            idle += count
            continue
        total += count
        own[frames[-1]] += count
        for frame in set(frames):
            inclusive[frame] += count
    print(f"{total} busy samples ({idle} idle left out); shares of the busy ones")
    print("inclusive:")
    for frame, count in inclusive.most_common(top):
        print(f"  {count / total:6.1%}  {frame}")
    print("self:")
    for frame, count in own.most_common(top):
        print(f"  {count / total:6.1%}  {frame}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("case", choices=("typename", "node", "validate"))
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    raw = Path(f"/tmp/profile_small_{args.case}.txt")
    with seeded_database(args.database_url, (GRAPH1K,), 42) as (url, ids):
        keys = random.Random(42).sample(graph_node_ids(GRAPH1K), 500)
        requests = _bodies(args.case, ids[GRAPH1K.name], keys)
        with serve(url) as server:
            asyncio.run(_load(server.url, requests, 1.0, 1, Tally()))
            spy = subprocess.Popen(
                [
                    str(Path(sys.executable).parent / "py-spy"),
                    "record",
                    "--pid",
                    str(server.process.pid),
                    "--duration",
                    str(int(args.seconds)),
                    "--rate",
                    "500",
                    "--format",
                    "raw",
                    "--output",
                    str(raw),
                    "--threads",
                ]
            )
            time.sleep(0.5)
            tally = Tally()
            asyncio.run(_load(server.url, requests, args.seconds, 1, tally))
            spy.wait()
            print(f"{len(tally.latencies)} requests, {tally.errors} errors")
    print(f"raw stacks (collapsed, for flamegraph tools): {raw}")
    summarise(raw, args.top)


if __name__ == "__main__":
    main()
