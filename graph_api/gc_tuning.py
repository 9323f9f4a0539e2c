"""Garbage-collector settings for a serving process.

A request that reads a graph allocates tens of thousands of short-lived rows and dicts.
CPython then runs its cyclic collector over and over, and each full pass walks every
object the process holds (the schema, the modules, the pools): measured on graph1k's
nested read, half of the request's CPU time. So, once the app is built: collect, then
freeze what exists (it lives as long as the process; freezing only takes it out of the
collector's walks, reference counting still frees it), and let the young generation grow
before a collection (a short request is then usually over before one runs).

The older generations' thresholds count young collections, so raising the young one also
spaces out full collections: at 50,000 x 10 x 10 one came only after some five million
surviving allocations, and the cycles that outlived a young collection (requests still
running when it ran: many more with subscribers connected) piled up in the oldest
generation, RSS growing some 14 MiB a minute under bench/soak.py. OLDER_THRESHOLDS bring a
full collection every 16 young ones, 800,000 (CPython still skips one that would walk
far more live objects than garbage, so the cost stays linear).
"""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 50_000
OLDER_THRESHOLDS = (3, 3)


def tune_for_serving() -> None:
    """Freeze the objects built so far; raise the young threshold, lower the older ones."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, *OLDER_THRESHOLDS)
