"""No growth under a steady mixed load (issue 16): RSS and open files of a real server.

Seeds graph1k (1,000 nodes x 5 components, 3,000 relationships) into a fresh
database, starts `graph-api serve` on it (the CLI, defaults) and keeps, for
`--minutes` (default 10):

- readers: the nested graph1k fetch and node-by-key lookups, alternating;
- a saver: autoSave of 10 nodes with new labels (a fresh saveId each time);
- subscribers: `--subscribers` graphql-transport-ws clients (the `websockets`
  library) on graph1k's sessionChanges, reconnecting every 30 seconds, so
  connections come and go as well as stay;
- an importer: importCsv of 200 nodes + 400 relationships into a new session,
  which is then deleted (the database stays the same size).

Every 10 seconds it samples the server's RSS and open file descriptors from
/proc (psutil is not a dependency); every minute it prints them with the
requests done and errors, and at the end the least-squares slope of RSS
(MiB/min) and of fds (fds/min) over the last 5 minutes (or the whole run when
shorter), the figure issue 16 wants at about 0.

    .venv/bin/python bench/soak.py [--minutes 10] [--subscribers 20]
        [--database-url postgresql+asyncpg://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import httpx
from support.seed import GRAPH1K, drop_postgres, fresh_postgres, graph_node_ids, seed_database
from support.server import serve_cli
from websockets.asyncio.client import connect

REPO = Path(__file__).resolve().parent.parent
NESTED = """query($s: ID!) { session(id: $s) { nodes(first: 1000) { nodes { nodeId label type
  components { position type content } outgoing { type target { nodeId label } } } } } }"""
NODE = """query($s: ID!, $n: String!) { node(sessionId: $s, nodeId: $n) {
  nodeId label type components { position type content } } }"""
AUTOSAVE = """mutation($s: ID!, $input: AutoSaveInput!) { autoSave(sessionId: $s, input: $input) {
  status revision nodes { nodeId version } } }"""
SUBSCRIBE = "subscription($s: ID!) { sessionChanges(sessionId: $s) { revision op key } }"
CREATE = "mutation { createSession { id } }"
IMPORT = """mutation($s: ID!, $n: String, $r: String) {
  importCsv(sessionId: $s, nodesCsv: $n, relationshipsCsv: $r) {
    nodesCreated relationshipsCreated } }"""
DELETE = "mutation($s: ID!) { deleteSession(id: $s) { deleted } }"
SAMPLE_SECONDS = 10.0
SLOPE_MINUTES = 5.0


def proc_figures(pid: int) -> tuple[float, int]:
    """(RSS in MiB, open file descriptors) of a process, from /proc."""
    status = Path(f"/proc/{pid}/status").read_text()
    rss = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:"))
    return rss / 1024, len(os.listdir(f"/proc/{pid}/fd"))


def slope(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of (x, y) points (0 for fewer than two)."""
    if len(points) < 2:
        return 0.0
    mean_x = sum(x for x, _ in points) / len(points)
    mean_y = sum(y for _, y in points) / len(points)
    spread = sum((x - mean_x) ** 2 for x, _ in points)
    return sum((x - mean_x) * (y - mean_y) for x, y in points) / spread if spread else 0.0


class Load:
    """The client side: counts per kind of request, errors, and a stop flag."""

    def __init__(self, url: str, session_id: str, deadline: float) -> None:
        self.url = url
        self.session_id = session_id
        self.deadline = deadline
        self.done: Counter[str] = Counter()
        self.errors: Counter[str] = Counter()
        self.node_ids = graph_node_ids(GRAPH1K)

    def running(self) -> bool:
        return time.monotonic() < self.deadline

    async def call(self, http: httpx.AsyncClient, kind: str, query: str, **variables: Any) -> Any:
        try:
            response = await http.post("/graphql", json={"query": query, "variables": variables})
            body = response.json()
        except (httpx.HTTPError, ValueError) as error:
            self.errors[f"{kind}: {type(error).__name__}"] += 1
            return None
        if body.get("errors"):
            self.errors[f"{kind}: {body['errors'][0].get('message', '')[:60]}"] += 1
            return None
        self.done[kind] += 1
        return body["data"]

    async def loop(self, step: Callable[[httpx.AsyncClient, int], Awaitable[None]]) -> None:
        async with httpx.AsyncClient(base_url=self.url, timeout=120) as http:
            turn = 0
            while self.running():
                await step(http, turn)
                turn += 1

    async def read(self, http: httpx.AsyncClient, turn: int) -> None:
        if turn % 10 == 0:
            await self.call(http, "nested", NESTED, s=self.session_id)
        else:
            node_id = self.node_ids[turn * 37 % len(self.node_ids)]
            await self.call(http, "node", NODE, s=self.session_id, n=node_id)

    async def save(self, http: httpx.AsyncClient, turn: int) -> None:
        start = turn * 10 % (len(self.node_ids) - 10)
        changes = [
            {"nodeId": node_id, "label": f"soak {turn} {node_id}"}
            for node_id in self.node_ids[start : start + 10]
        ]
        save = {"saveId": str(uuid.uuid4()), "nodes": changes, "onConflict": "OVERWRITE"}
        await self.call(http, "autoSave", AUTOSAVE, s=self.session_id, input=save)
        await asyncio.sleep(0.05)

    async def import_csv(self, http: httpx.AsyncClient, turn: int) -> None:
        created = await self.call(http, "createSession", CREATE)
        if created is None:
            await asyncio.sleep(1)
            return
        session_id = created["createSession"]["id"]
        nodes = "node_id,label\n" + "".join(f"i{i},Imported {turn} {i}\n" for i in range(200))
        relationships = "source,target,type\n" + "".join(
            f"i{i},i{(i * 7 + k) % 200},LINKS\n" for i in range(200) for k in (1, 2)
        )
        await self.call(http, "importCsv", IMPORT, s=session_id, n=nodes, r=relationships)
        await self.call(http, "deleteSession", DELETE, s=session_id)

    async def subscribe(self, index: int) -> None:
        ws_url = self.url.replace("http", "ws", 1) + "/graphql"
        while self.running():
            try:
                async with connect(ws_url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
                    await ws.send(json.dumps({"type": "connection_init"}))
                    await ws.recv()
                    payload = {"query": SUBSCRIBE, "variables": {"s": self.session_id}}
                    await ws.send(json.dumps({"id": str(index), "type": "subscribe",
                                              "payload": payload}))  # fmt: skip
                    self.done["subscribe"] += 1
                    until = min(self.deadline, time.monotonic() + 30 + index % 7)
                    while (left := until - time.monotonic()) > 0:
                        try:
                            raw = await asyncio.wait_for(ws.recv(), timeout=left)
                        except TimeoutError:
                            break
                        message = json.loads(raw)
                        if message["type"] == "next":
                            self.done["change received"] += 1
                        elif message["type"] == "ping":
                            await ws.send(json.dumps({"type": "pong"}))
                        elif message["type"] == "error":
                            self.errors["subscribe: error"] += 1
            except (OSError, TimeoutError, ValueError) as error:
                self.errors[f"subscribe: {type(error).__name__}"] += 1
                await asyncio.sleep(1)


async def watch(load: Load, pid: int, started: float, samples: list[tuple[float, float, int]]):
    """Sample every SAMPLE_SECONDS; print a line every minute."""
    next_print = 0.0
    while True:
        minutes = (time.monotonic() - started) / 60
        rss, fds = proc_figures(pid)
        samples.append((minutes, rss, fds))
        if minutes >= next_print:
            done = ", ".join(f"{kind} {count}" for kind, count in sorted(load.done.items()))
            print(f"{minutes:5.1f} min  RSS {rss:7.1f} MiB  fds {fds:4d}  | {done} | "
                  f"errors {sum(load.errors.values())}", flush=True)  # fmt: skip
            next_print += 1.0
        if not load.running():
            return
        await asyncio.sleep(min(SAMPLE_SECONDS, max(0.0, load.deadline - time.monotonic())))


async def soak(url: str, session_id: str, pid: int, minutes: float, subscribers: int) -> None:
    started = time.monotonic()
    load = Load(url, session_id, started + minutes * 60)
    samples: list[tuple[float, float, int]] = []
    tasks = [
        load.loop(load.read),
        load.loop(load.read),
        load.loop(load.save),
        load.loop(load.import_csv),
        *(load.subscribe(index) for index in range(subscribers)),
    ]
    await asyncio.gather(watch(load, pid, started, samples), *tasks)
    rss, fds = proc_figures(pid)
    samples.append(((time.monotonic() - started) / 60, rss, fds))
    tail = [s for s in samples if s[0] >= samples[-1][0] - SLOPE_MINUTES]
    span = tail[-1][0] - tail[0][0]
    print(f"requests: {dict(sorted(load.done.items()))}")
    print(f"errors: {dict(load.errors) or 'none'}")
    peak = max(s[1] for s in samples)
    print(f"RSS first {samples[0][1]:.1f} MiB, last {rss:.1f} MiB, peak {peak:.1f} MiB; "
          f"fds first {samples[0][2]}, last {fds}")  # fmt: skip
    print(f"slope over the last {span:.1f} min ({len(tail)} samples): "
          f"RSS {slope([(m, r) for m, r, _ in tail]):+.2f} MiB/min, "
          f"fds {slope([(m, float(f)) for m, _, f in tail]):+.2f} fds/min (target ~0)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--subscribers", type=int, default=20)
    parser.add_argument("--database-url", default="", help="postgresql+asyncpg://... (fresh db)")
    args = parser.parse_args()
    server = args.database_url if args.database_url.startswith("postgresql") else None
    with tempfile.TemporaryDirectory(prefix="graph_api_soak_") as directory:
        created = None
        if server is None:
            url = f"sqlite+aiosqlite:///{Path(directory) / 'soak.db'}"
        else:
            url, created = fresh_postgres(server)
        try:
            session_id = seed_database(url, (GRAPH1K,))[GRAPH1K.name]
            with serve_cli(url) as running:
                engine = "PostgreSQL" if server else "SQLite"
                pid = running.process.pid
                print(f"engine: {engine}; server pid {pid}; {args.minutes:g} min, "
                      f"{args.subscribers} subscribers")  # fmt: skip
                asyncio.run(soak(running.url, session_id, pid, args.minutes, args.subscribers))
        finally:
            if server is not None and created is not None:
                drop_postgres(server, created)


if __name__ == "__main__":
    main()
