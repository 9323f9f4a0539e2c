"""Write throughput with many live subscribers on the session written to (issue 17, item 10).

Serves `graph-api serve` on a fresh database, then for `--seconds` each: 4 concurrent
writers (createNode over keep-alive HTTP) with 0 subscribers, then with `--subscribers`
graphql-transport-ws subscriptions to the same session, each reading every change.
Prints writes/s for both, their ratio, and the changes each subscriber received.

    .venv/bin/python bench/fanout.py [--subscribers 200] [--seconds 10] [--database-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from websockets.asyncio.client import connect

sys.path.insert(0, str(Path(__file__).resolve().parent))
from support.server import free_port

REPO = Path(__file__).resolve().parent.parent
CREATE = 'mutation($s: ID!) { createNode(sessionId: $s, input: {label: "x"}) { nodeId } }'
SUBSCRIBE = "subscription($s: ID!) { sessionChanges(sessionId: $s) { revision op key } }"


async def writers(url: str, session_id: str, seconds: float, count: int = 4) -> float:
    done = 0
    deadline = time.monotonic() + seconds

    async def write(http: httpx.AsyncClient) -> None:
        nonlocal done
        while time.monotonic() < deadline:
            response = await http.post(
                "/graphql", json={"query": CREATE, "variables": {"s": session_id}}
            )
            assert "errors" not in response.json(), response.text
            done += 1

    async with httpx.AsyncClient(base_url=url, timeout=60) as http:
        started = time.monotonic()
        await asyncio.gather(*(write(http) for _ in range(count)))
        return done / (time.monotonic() - started)


async def subscriber(url: str, session_id: str, ready: asyncio.Event, counts: list[int]) -> None:
    ws_url = url.replace("http", "ws") + "/graphql"
    async with connect(ws_url, subprotocols=["graphql-transport-ws"], max_size=None) as ws:  # type: ignore[list-item]
        await ws.send(json.dumps({"type": "connection_init"}))
        await ws.recv()
        payload = {"query": SUBSCRIBE, "variables": {"s": session_id}}
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
        ready.set()
        index = len(counts)
        counts.append(0)
        async for raw in ws:
            message = json.loads(raw)
            if message["type"] == "next":
                counts[index] += 1
            elif message["type"] == "ping":
                await ws.send(json.dumps({"type": "pong"}))


async def run(url: str, subscribers: int, seconds: float) -> None:
    async with httpx.AsyncClient(base_url=url) as http:
        created = await http.post("/graphql", json={"query": "mutation { createSession { id } }"})
        session_id = created.json()["data"]["createSession"]["id"]
    alone = await writers(url, session_id, seconds)
    counts: list[int] = []
    events = [asyncio.Event() for _ in range(subscribers)]
    tasks = [asyncio.create_task(subscriber(url, session_id, e, counts)) for e in events]
    await asyncio.gather(*(e.wait() for e in events))
    await asyncio.sleep(1.0)
    crowded = await writers(url, session_id, seconds)
    await asyncio.sleep(2.0)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    print(f"writes/s, 0 subscribers:   {alone:8.1f}")
    print(f"writes/s, {subscribers} subscribers: {crowded:8.1f}  ({alone / crowded:.1f}x slower)")
    print(f"changes received per subscriber: min {min(counts)}, max {max(counts)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--subscribers", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="graph_api_fanout_") as directory:
        url = args.database_url or f"sqlite+aiosqlite:///{Path(directory) / 'fanout.db'}"
        port = free_port()
        env = {**os.environ, "GRAPH_API_LOG_LEVEL": "warning"}
        command = [sys.executable, "-m", "graph_api", "serve", "--port", str(port)]
        process = subprocess.Popen([*command, "--database-url", url], env=env, cwd=REPO)
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(300):
                try:
                    if httpx.get(base + "/health", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.1)
            asyncio.run(run(base, args.subscribers, args.seconds))
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)


if __name__ == "__main__":
    main()
