"""The serving process's collector settings (graph_api/gc_tuning.py) still collect cycles
that outlived a young collection: counted in allocations, not timed.

Under bench/soak.py the requests still running when a young collection ran (many, with
subscribers connected) promoted their cyclic garbage to the oldest generation, which was
collected only after some five million surviving allocations: RSS grew without end.
"""

from __future__ import annotations

import gc
from collections import deque
from collections.abc import Iterator

import pytest

from graph_api.gc_tuning import tune_for_serving

CYCLES = 750_000  # 1.5 million objects of cyclic garbage
IN_USE = 200_000  # cycles still referenced when a young collection runs


@pytest.fixture
def serving_gc() -> Iterator[None]:
    threshold = gc.get_threshold()
    tune_for_serving()
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()


def make_cycle() -> list[object]:
    outer: list[object] = []
    outer.append([outer])
    return outer


@pytest.mark.usefixtures("serving_gc")
def test_old_cyclic_garbage_is_collected_within_a_bounded_number_of_allocations() -> None:
    full_before = gc.get_stats()[2]["collections"]
    in_use: deque[list[object]] = deque(maxlen=IN_USE)
    for _ in range(CYCLES):
        in_use.append(make_cycle())  # the oldest one becomes garbage, as a request ends
    in_use.clear()
    assert gc.get_stats()[2]["collections"] > full_before
