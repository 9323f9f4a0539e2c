"""ImportMode: the one definition of what an import does with what a session holds.

GraphQL (as the SDL's enum), REST (the `mode` form field) and the CLI (`--mode`)
all take it, with its help text, from here. Nothing heavy is imported, so that
`graph-api --help` stays quick.
"""

from __future__ import annotations

from enum import StrEnum


class ImportMode(StrEnum):
    """What an import does with what the session already holds (`help` says it in words)."""

    CREATE = "CREATE"
    UPSERT = "UPSERT"
    REPLACE = "REPLACE"

    @property
    def help(self) -> str:
        return _MODE_HELP[self]


_MODE_HELP = {
    ImportMode.CREATE: "Fail on any nodeId or (source, target, type) that already exists.",
    ImportMode.UPSERT: "Update what exists, create the rest.",
    ImportMode.REPLACE: "Delete the session's nodes and relationships first, then import.",
}
