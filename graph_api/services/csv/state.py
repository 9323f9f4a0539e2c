"""What a CSV import remembers between batches, and the counts it reports.

Node ids of the session and of the file, the relationship keys of the file (to
find duplicates), what REPLACE deleted, the problems so far. `writing` holds
while the import may still write: not a dry run, and no problem found yet.
"""

from __future__ import annotations

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
    relationship_lines: dict[Key, int] = field(default_factory=dict)
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
