"""What a CSV import remembers between batches, and the counts it reports.

Node ids of the session and of the file, the relationship keys of the file (to
find duplicates), what REPLACE deleted, the problems so far. `writing` holds
while the import may still write: not a dry run, and no problem found yet.
"""

from __future__ import annotations

import mmap
from array import array
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from graph_api.db.transaction import UnitOfWork
from graph_api.services.changes.log import NODE_FIELDS
from graph_api.services.csv.headers import Problems
from graph_api.services.csv.mode import ImportMode

Key = tuple[str, str, str]
# (kind, op, key, fields changed or None, version after or None): see changes.bulk_log.record_many.
Change = tuple[
    Literal["NODE", "RELATIONSHIP"],
    Literal["CREATE", "UPDATE", "DELETE"],
    str,
    frozenset[str] | None,
    int | None,
]

_REPLACED_FIELDS = frozenset(NODE_FIELDS)
_FILTER_BYTES = 8 * 2**20  # 2^26 bits: about 2% false "maybe" at 3M keys


class SeenKeys:
    """Relationship keys of the file, as bits of their hashes: "certainly not seen" or "maybe".

    A set of millions of key tuples would be most of an import's memory. The rows
    written so far hold the keys anyway, so a "maybe" is settled by asking the
    database (relationships.py); the bitmap is anonymous memory, so only the pages
    a small import touches count.
    """

    def __init__(self) -> None:
        self._bits = mmap.mmap(-1, _FILTER_BYTES)

    def add(self, key: Key) -> bool:
        """Note the key; True if it may have been noted before."""
        code = hash(key)
        index = (code >> 3) % _FILTER_BYTES
        bit = 1 << (code & 7)
        byte = self._bits[index]
        if byte & bit:
            return True
        self._bits[index] = byte | bit
        return False


class WrittenLines:
    """The file line of each relationship the import inserted, by its id (for "first on line")."""

    def __init__(self) -> None:
        self._lines = array("I")
        self._starts: list[int] = []  # first id of each run of consecutive ids
        self._offsets: list[int] = []  # where that run's lines begin in _lines

    def extend(self, ids: list[int], lines: list[int]) -> None:
        """Ids in insertion order (ascending), with the lines of their rows."""
        base = len(self._lines)
        previous = None
        for index, rel_id in enumerate(ids):
            if previous is None or rel_id != previous + 1:
                self._starts.append(rel_id)
                self._offsets.append(base + index)
            previous = rel_id
        self._lines.extend(lines)

    def __len__(self) -> int:
        return len(self._lines)

    def line(self, rel_id: int) -> int | None:
        run = bisect_right(self._starts, rel_id) - 1
        if run < 0:
            return None
        index = self._offsets[run] + rel_id - self._starts[run]
        end = self._offsets[run + 1] if run + 1 < len(self._offsets) else len(self._lines)
        return self._lines[index] if index < end else None


@dataclass
class Counts:
    rows_read: int = 0
    nodes_created: int = 0
    nodes_updated: int = 0
    components_created: int = 0
    relationships_created: int = 0
    relationships_updated: int = 0


@dataclass
class ImportState:
    db: UnitOfWork
    session_id: str
    mode: ImportMode
    dry_run: bool
    create_missing_nodes: bool
    now: datetime
    stamp: Any  # `now` as insert_rows() stores it
    problems: Problems = field(default_factory=Problems)
    counts: Counts = field(default_factory=Counts)
    existing: set[str] = field(default_factory=set)  # the session's node ids (none in REPLACE)
    replaced: dict[str, int] = field(default_factory=dict)  # REPLACE: deleted id -> its version
    file_nodes: dict[str, int] = field(default_factory=dict)  # node id -> line in the file
    added: set[str] = field(default_factory=set)  # nodes made for missing endpoints
    rejected: dict[str, int] = field(default_factory=dict)  # node id -> line of its bad row
    # Keys of the file (-> line) the database cannot tell: in rows not written (a dry run,
    # or after a problem) or matching a relationship the session had before.
    relationship_lines: dict[Key, int] = field(default_factory=dict)
    seen_keys: SeenKeys = field(default_factory=SeenKeys)
    written_lines: WrittenLines = field(default_factory=WrittenLines)
    nodes_usable: bool = True  # False: the nodes file's header is unusable
    session_has_relationships: bool = False
    last_relationship_id: int = 0

    @property
    def writing(self) -> bool:
        return not self.dry_run and not self.problems

    def version(self, node_id: str) -> int:
        """A new node's version: 1, or one past the node REPLACE deleted under that id."""
        return self.replaced.get(node_id, 0) + 1

    def node_change(self, node_id: str) -> Change:
        """A node written by the import, not as an UPSERT of an existing one."""
        if node_id in self.replaced:
            # Deleted and created again in one request: the node lives on, so its net change
            # is UPDATE; REPLACE rewrote every field of it.
            return ("NODE", "UPDATE", node_id, _REPLACED_FIELDS, self.version(node_id))
        return ("NODE", "CREATE", node_id, None, None)
