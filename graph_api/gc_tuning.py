"""Garbage-collector settings for a serving process.

A request that reads a graph allocates tens of thousands of short-lived rows and dicts.
CPython then runs its cyclic collector over and over, and each full pass walks every
object the process holds (the schema, the modules, the pools): measured on graph1k's
nested read, half of the request's CPU time. So, once the app is built: collect, then
freeze what exists (it lives as long as the process; freezing only takes it out of the
collector's walks, reference counting still frees it), and let the young generation grow
before a collection (a short request is then usually over before one runs).
"""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 50_000


def tune_for_serving() -> None:
    """Freeze the objects built so far and raise the young-generation threshold."""
    gc.collect()
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, older, oldest)
