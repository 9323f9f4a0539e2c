"""Change-log rows a request has already written: what a bulk write could not keep in memory.

A CSV import records millions of changes; holding them until commit made its
memory grow with the file. `log.record_many()` therefore writes them at once,
at the request's revision, in the order they were made (the entries still held
in memory go first), and the request keeps only `Spilled`: a count and a cheap
over-approximation of which entities have a row. A later `record()` of such an
entity in the same request (an import, then a mutation in one operation) looks
its row up and merges into it in the table by the same net-effect rules.

Why an over-approximation is enough: the table is the authority, the filter
only spares the look-up for entities that certainly have no row. Node keys are
kept exactly (a set of the strings); relationship ids as ranges, because a bulk
write's new ids only ever grow and no other request writes this session's
relationships meanwhile (its revision row is locked), and REPLACE deletes
ascending ids. Ids that come in no order are kept in a set.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from sqlalchemy import delete, select, update

from graph_api.db.models import changes as changes_table
from graph_api.db.transaction import UnitOfWork

# (op, save_id, fields changed, version after): one entity's net change (log.Entry).
Entry = tuple[Any, str | None, frozenset[str] | None, int | None]


@dataclass
class Spilled:
    rows: int = 0  # rows of this request in the table
    nodes: set[str] = field(default_factory=set)
    starts: list[int] = field(default_factory=list)  # relationship id ranges, ascending
    ends: list[int] = field(default_factory=list)
    others: set[tuple[str, str]] = field(default_factory=set)
    # Nodes changed again after their row was written: their search documents are redone.
    stale: set[str] = field(default_factory=set)

    def add(self, kind: str, keys: Sequence[str]) -> None:
        """Note the entities of rows just written (all of one kind, in order)."""
        self.rows += len(keys)
        if kind == "NODE":
            self.nodes.update(keys)
            return
        ids = [int(key) for key in keys] if kind == "RELATIONSHIP" else []
        if (
            ids
            and all(a < b for a, b in pairwise(ids))
            and (not self.ends or ids[0] > self.ends[-1])
        ):
            self.starts.append(ids[0])
            self.ends.append(ids[-1])
        else:
            self.others.update((kind, key) for key in keys)

    def may_hold(self, kind: str, key: str) -> bool:
        """False: certainly no row for this entity; True: look in the table."""
        if kind == "NODE":
            return key in self.nodes
        if (kind, key) in self.others:
            return True
        if kind != "RELATIONSHIP" or not self.starts:
            return False
        at = bisect_right(self.starts, int(key)) - 1
        return at >= 0 and int(key) <= self.ends[at]


def decode(text: str | None) -> frozenset[str] | None:
    return None if text is None else frozenset(name for name in text.split(",") if name)


async def find(
    *, db: UnitOfWork, session_id: str, revision: int, kind: str, key: str
) -> tuple[int, Entry] | None:
    """(row id, entry) of the entity's row at this revision, if the request wrote one."""
    c = changes_table.c
    row = (
        await db.execute(
            select(c.id, c.op, c.save_id, c.fields, c.version).where(
                c.session_id == session_id, c.revision == revision, c.kind == kind, c.key == key
            )
        )
    ).first()
    if row is None:
        return None
    return row.id, (row.op, row.save_id, decode(row.fields), row.version)


async def rewrite(*, db: UnitOfWork, row_id: int, entry: Entry, fields: str | None) -> None:
    """Put the merged entry in place of the row (its position in the log stays)."""
    op, save_id, _, version = entry
    await db.execute(
        update(changes_table)
        .where(changes_table.c.id == row_id)
        .values(op=op, save_id=save_id, fields=fields, version=version)
    )


async def remove(*, db: UnitOfWork, row_id: int) -> None:
    await db.execute(delete(changes_table).where(changes_table.c.id == row_id))
