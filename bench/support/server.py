"""The server under test: uvicorn in a subprocess on a free loopback port, and its memory."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

BENCH_DIR = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    url: str

    def status_kib(self, field: str) -> int:
        """A memory figure of the server process from /proc (VmRSS, VmHWM), in KiB."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
        raise KeyError(field)

    def rss_mib(self) -> float:
        return self.status_kib("VmRSS") / 1024

    def peak_rss_mib(self) -> float:
        return self.status_kib("VmHWM") / 1024


@contextmanager
def serve(
    database_url: str,
    *,
    workers: int = 1,
    env: dict[str, str] | None = None,
    app: str = "support.floor_app:app",
) -> Iterator[Server]:
    """Run bench/support/floor_app.py (or `app`, e.g. support.plain_app:app) under uvicorn
    until the block ends."""
    port = free_port()
    environment = {
        **os.environ,
        "GRAPH_API_DATABASE_URL": database_url,
        "GRAPH_API_MIGRATE_ON_START": "false",
        "GRAPH_API_BENCH_FLOOR": "1",
        **(env or {}),
    }
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        app,
        "--app-dir",
        str(BENCH_DIR),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    process = subprocess.Popen(command, env=environment)
    server = Server(process, f"http://127.0.0.1:{port}")
    try:
        _wait_ready(server)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def serve_cli(database_url: str) -> Iterator[Server]:
    """`graph-api serve` itself (the CLI and its defaults) on a free port until the block ends."""
    port = free_port()
    environment = {**os.environ, "GRAPH_API_LOG_LEVEL": "warning"}
    command = [sys.executable, "-m", "graph_api", "serve", "--port", str(port),
               "--database-url", database_url]  # fmt: skip
    process = subprocess.Popen(command, env=environment, cwd=BENCH_DIR.parent)
    server = Server(process, f"http://127.0.0.1:{port}")
    try:
        _wait_ready(server, timeout=60.0)
        yield server
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def _wait_ready(server: Server, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"the server exited with {server.process.returncode}")
        try:
            if httpx.get(server.url + "/health", timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError("the server did not become ready")
