"""Adversarial requests against a real `graph-api serve` process (issue 17).

For each case: the answer (status and error code, or the first bytes), the wall time,
the server's peak RSS during the case (VmHWM, reset before each case through
/proc/PID/clear_refs) and the worst `/health` latency seen by a thread polling it
every 50 ms while the case runs. A case is given `--timeout` seconds; a server that
stops answering shows as a timeout and a large health latency.

    .venv/bin/python bench/abuse.py [--database-url URL] [--timeout 30]
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from support.server import free_port

REPO = Path(__file__).resolve().parent.parent


def fragment_bomb(levels: int) -> str:
    parts = ["fragment F0 on Query { __typename }"]
    for level in range(1, levels + 1):
        parts.append(f"fragment F{level} on Query {{ ...F{level - 1} ...F{level - 1} }}")
    return f"query {{ ...F{levels} }}\n" + "\n".join(parts)


def fragment_chain(length: int) -> str:
    parts = ["fragment F0 on Query { __typename }"]
    for level in range(1, length + 1):
        parts.append(f"fragment F{level} on Query {{ ...F{level - 1} }}")
    return f"query {{ ...F{length} }}\n" + "\n".join(parts)


class Health(threading.Thread):
    """Polls /health until stopped; records the worst latency (a failure counts its time)."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url = url
        self.worst = 0.0
        self.failures = 0
        self.stop = threading.Event()

    def run(self) -> None:
        with httpx.Client(timeout=60) as http:
            while not self.stop.is_set():
                started = time.monotonic()
                try:
                    if http.get(self.url + "/health").status_code != 200:
                        self.failures += 1
                except httpx.HTTPError:
                    self.failures += 1
                self.worst = max(self.worst, time.monotonic() - started)
                self.stop.wait(0.05)


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def reset_peak(pid: int) -> None:
    Path(f"/proc/{pid}/clear_refs").write_text("5")


def describe(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return f"{response.status_code} {response.text[:60]!r}"
    if isinstance(body, dict) and body.get("errors"):
        error = body["errors"][0]
        code = (error.get("extensions") or {}).get("code")
        return f"{response.status_code} {code} {error.get('message', '')[:50]!r}"
    if isinstance(body, dict) and "error" in body:
        return f"{response.status_code} {body['error'].get('code')}"
    return f"{response.status_code} ok"


class Bench:
    def __init__(self, url: str, pid: int, timeout: float) -> None:
        self.url = url
        self.pid = pid
        self.timeout = timeout
        self.http = httpx.Client(base_url=url, timeout=timeout)

    def gql(self, query: str, variables: dict[str, Any] | None = None) -> httpx.Response:
        return self.http.post("/graphql", json={"query": query, "variables": variables or {}})

    def case(self, name: str, run: Callable[[], httpx.Response]) -> None:
        reset_peak(self.pid)
        health = Health(self.url)
        health.start()
        started = time.monotonic()
        try:
            answer = describe(run())
        except httpx.TimeoutException:
            answer = f"TIMEOUT after {self.timeout:.0f} s"
        except httpx.HTTPError as exc:
            answer = f"{type(exc).__name__}"
        elapsed = time.monotonic() - started
        health.stop.set()
        health.join()
        print(
            f"| {name} | {answer} | {elapsed:.2f} s | {peak_rss_mib(self.pid):.0f} MiB"
            f" | {health.worst:.2f} s ({health.failures} failed) |",
            flush=True,
        )


def seed(bench: Bench, nodes: int, degree: int) -> str:
    session = bench.gql("mutation { createSession { id } }").json()["data"]["createSession"]["id"]
    node_csv = io.StringIO()
    writer = csv.writer(node_csv)
    writer.writerow(["node_id", "label"])
    writer.writerows([f"n{i}", f"node {i}"] for i in range(nodes))
    rel_csv = io.StringIO()
    writer = csv.writer(rel_csv)
    writer.writerow(["source", "target", "type"])
    for i in range(nodes):
        for k in range(1, degree + 1):
            writer.writerow([f"n{i}", f"n{(i * 7 + k * 131) % nodes}", f"T{k % 3}"])
    files = {
        "nodes": ("n.csv", node_csv.getvalue()),
        "relationships": ("r.csv", rel_csv.getvalue()),
    }
    response = bench.http.post(
        f"/session/{session}/bulk/import", files=files, data={"mode": "UPSERT"}, timeout=300
    )
    response.raise_for_status()
    return str(session)


def run_cases(bench: Bench, session: str) -> None:
    print("| case | answer | time | peak RSS | /health worst |")
    print("| --- | --- | --- | --- | --- |")
    bench.case("fragment bomb, 20 levels", lambda: bench.gql(fragment_bomb(20)))
    bench.case("unknown fragment", lambda: bench.gql("query { ...Nope }"))
    bench.case("fragment chain, 1,000", lambda: bench.gql(fragment_chain(1000)))
    big = "query { " + "__typename " * 500_000 + "}"
    bench.case(f"document of {len(big) / 1e6:.1f} MB", lambda: bench.gql(big))
    create = (
        "mutation($s: ID!, $m: JSON) { createNode(sessionId: $s,"
        ' input: {nodeId: "big", label: "b", metadata: $m}) { nodeId metadata } }'
    )
    bench.case(
        "metadata integer 1e40", lambda: bench.gql(create, {"s": session, "m": {"n": 10**40}})
    )
    neighbors = (
        "query($s: ID!) { session(id: $s) { nodes(first: 100) {"
        " nodes { nodeId neighbors(depth: 5) { nodeId } } } } }"
    )
    bench.case("neighbors depth 5 x 100 nodes", lambda: bench.gql(neighbors, {"s": session}))
    save = "mutation($s: ID!, $i: AutoSaveInput!) { autoSave(sessionId: $s, input: $i) { status } }"
    components = [{"type": "t", "content": "x"} for _ in range(300)]
    changes = [{"nodeId": f"a{i}", "components": components} for i in range(300)]
    bench.case(
        "autoSave 300 nodes x 300 components",
        lambda: bench.gql(save, {"s": session, "i": {"saveId": "abuse-1", "nodes": changes}}),
    )
    cross = {"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}
    bench.case(
        "cross-site POST /session/create",
        lambda: bench.http.post("/session/create", json={}, headers=cross),
    )
    bench.case(
        "Host: rebind.evil.example",
        lambda: bench.http.get("/health", headers={"Host": "rebind.evil.example"}),
    )
    blob = b"node_id,label\n" + b"a" * (200 * 1024 * 1024)
    bench.case(
        "CSV upload, 200 MB without a newline",
        lambda: bench.http.post(
            f"/session/{session}/bulk/import",
            files={"nodes": ("n.csv", blob)},
            data={"mode": "UPSERT"},
        ),
    )
    # Last: before issue 17 this froze the server for good.
    bench.case("fragment bomb, 30 levels", lambda: bench.gql(fragment_bomb(30)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--timeout", type=float, default=30.0)
    parser.add_argument("--nodes", type=int, default=5_000)
    parser.add_argument("--degree", type=int, default=6)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="graph_api_abuse_") as directory:
        url = args.database_url or f"sqlite+aiosqlite:///{Path(directory) / 'abuse.db'}"
        port = free_port()
        env = {**os.environ, "GRAPH_API_LOG_LEVEL": "error"}
        command = [sys.executable, "-m", "graph_api", "serve", "--port", str(port)]
        process = subprocess.Popen([*command, "--database-url", url], env=env, cwd=REPO)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                try:
                    if httpx.get(base + "/health", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.1)
            bench = Bench(base, process.pid, args.timeout)
            run_cases(bench, seed(bench, args.nodes, args.degree))
        finally:
            started = time.monotonic()
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
                print(f"SIGTERM: exited after {time.monotonic() - started:.1f} s")
            except subprocess.TimeoutExpired:
                print("SIGTERM: still running after 20 s; killed")
                process.kill()
                process.wait()


if __name__ == "__main__":
    main()
