"""A relationship key seen again batches later is still told, with its first line.

The import keeps no set of the file's keys (services/csv/state.py SeenKeys): the
rows it wrote answer for them, memory only for rows it did not write (a dry run,
after a problem) or that updated a relationship the session had.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.csv.conftest import problems_of

NODES = "node_id\n" + "".join(f"n{i}\n" for i in range(120))
ROWS = 12_000  # over two import batches (importer.BATCH)


def relationships(repeats: dict[int, int]) -> str:
    """ROWS distinct keys on lines 2.., except line -> the line whose key it repeats."""
    keys = [(f"n{i % 120}", f"n{i // 120}", "LINKS") for i in range(ROWS)]
    lines = ["source,target,type"]
    for index, key in enumerate(keys):
        line = index + 2
        source, target, type_ = keys[repeats[line] - 2] if line in repeats else key
        lines.append(f"{source},{target},{type_}")
    return "\n".join(lines) + "\n"


DUPLICATES = {11_000: 3, 11_500: 3, 6_001: 6_000, 12_001: 11_999}


@pytest.mark.parametrize("dry_run", [False, True])
async def test_duplicates_far_apart(
    new_session: Callable[..., Any], run_import: Callable[..., Any], dry_run: bool
) -> None:
    session_id = await new_session()
    problems = await problems_of(
        run_import, session_id, nodes=NODES, relationships=relationships(DUPLICATES),
        dry_run=dry_run,
    )  # fmt: skip
    got = [(p["line"], p["message"].rsplit("(", 1)[-1]) for p in problems]
    assert got == [
        (6_001, "first on line 6000)"),
        (11_000, "first on line 3)"),
        (11_500, "first on line 3)"),
        (12_001, "first on line 11999)"),
    ]


async def test_a_key_of_the_session_seen_twice_in_an_upsert(
    new_session: Callable[..., Any], run_import: Callable[..., Any]
) -> None:
    session_id = await new_session()
    await run_import(session_id, nodes=NODES, relationships="source,target,type\nn1,n0,LINKS\n")
    problems = await problems_of(
        run_import, session_id, relationships=relationships({9_000: 3}), mode="UPSERT"
    )
    assert [(p["line"], p["message"].rsplit("(", 1)[-1]) for p in problems] == [
        (9_000, "first on line 3)")
    ]
