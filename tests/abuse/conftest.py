"""A real `graph-api serve` process and a thread polling its /health while a test abuses it."""

from __future__ import annotations

import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.autosave.conftest import ServerProcess, serve_process

# Generous: the contract says 1 s, met on an idle machine (bench/abuse.py); this shared
# 2-core machine runs at load 15 and adds seconds of noise. Before issue 17 these cases
# blocked /health for 5 s to minutes.
HEALTH_BOUND_S = 4.0


class HealthProbe(threading.Thread):
    """Polls GET /health every 50 ms from its own thread; keeps the worst latency."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url = url
        self.latencies: list[float] = []
        self.failures: list[str] = []
        self._stop_event = threading.Event()
        self.first = threading.Event()

    def run(self) -> None:
        with httpx.Client(timeout=30) as http:
            while not self._stop_event.is_set():
                started = time.monotonic()
                try:
                    response = http.get(self.url + "/health")
                    if response.status_code != 200:
                        self.failures.append(f"{response.status_code} {response.text}")
                except httpx.HTTPError as exc:
                    self.failures.append(repr(exc))
                self.latencies.append(time.monotonic() - started)
                self.first.set()
                self._stop_event.wait(0.05)

    def finish(self) -> float:
        self._stop_event.set()
        self.join()
        assert self.latencies, "the probe never answered"
        return max(self.latencies)


@contextmanager
def health_probe(url: str, bound_s: float = HEALTH_BOUND_S) -> Iterator[HealthProbe]:
    """Polls /health for the block; fails the test if it was slow or unhealthy."""
    probe = HealthProbe(url)
    probe.start()
    assert probe.first.wait(30), "/health never answered"
    try:
        yield probe
    finally:
        worst = probe.finish()
    assert not probe.failures, probe.failures
    assert worst < bound_s, f"/health took {worst:.2f} s"


@pytest.fixture
def server(database_url: str, tmp_path: Path) -> Any:
    """`async with server(**env) as proc:` runs `graph-api serve` on the test's database."""

    @asynccontextmanager
    async def start(**env: str) -> AsyncIterator[ServerProcess]:
        async with serve_process(database_url, tmp_path, **env) as proc:
            yield proc

    return start
