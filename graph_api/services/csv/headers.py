"""CSV header rows: which column is which (CONTRACT.md §6, §9), and the problems we collect.

Header names are case-insensitive and may be neo4j-admin's: `:ID`, `name:ID`,
`:ID(group)` (name and group ignored), `:LABEL`, `:START_ID(group)`, `:END_ID(group)`,
`:TYPE`, typed columns `key:int|long|float|double|boolean|string` (a `[]` suffix
is a `;`-separated list) and `:IGNORE`. Every other column is an extra column:
a metadata (nodes) or properties (relationships) key holding the cell's text.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from graph_api.errors import CsvInvalid

FileName = Literal["nodes", "relationships"]
MAX_PROBLEMS = 100
_FILE_ORDER = {"nodes": 0, "relationships": 1}

_NODE_ID = re.compile(r"^[^:]*:id(\(.*\))?$", re.IGNORECASE | re.DOTALL)
_START_ID = re.compile(r"^:start_id(\(.*\))?$", re.IGNORECASE | re.DOTALL)
_END_ID = re.compile(r"^:end_id(\(.*\))?$", re.IGNORECASE | re.DOTALL)
_TYPED = re.compile(
    r"^(?P<key>.*):(?P<type>int|long|float|double|boolean|string)(?P<list>\[\])?$",
    re.IGNORECASE | re.DOTALL,
)
_INT = re.compile(r"^\s*[+-]?[0-9]+\s*$")
_FLOAT = re.compile(r"^\s*[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\s*$")
_INT64 = range(-(2**63), 2**63)

NODE_ALIASES = {
    "node_id": "node_id",
    "id": "node_id",
    "label": "label",
    "type": "type",
    ":label": "type",
    "metadata": "metadata",
    "components": "components",
}
RELATIONSHIP_ALIASES = {
    "source": "source",
    "source_id": "source",
    "from": "source",
    "target": "target",
    "target_id": "target",
    "to": "target",
    "type": "type",
    ":type": "type",
    "relationship": "type",
    "weight": "weight",
    "properties": "properties",
}
REQUIRED = {"nodes": ("node_id",), "relationships": ("source", "target", "type")}
_ALIAS_HINT = {
    "node_id": "node_id, id or :ID",
    "source": "source, source_id, from or :START_ID",
    "target": "target, target_id, to or :END_ID",
    "type": "type, :TYPE or relationship",
}


@dataclass(frozen=True, slots=True)
class Problem:
    file: FileName
    line: int
    column: str | None
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "message": self.message,
        }


class Problems:
    """Every problem found so far; the import keeps reading until it has MAX_PROBLEMS."""

    def __init__(self) -> None:
        self.items: list[Problem] = []

    def __bool__(self) -> bool:
        return bool(self.items)

    @property
    def full(self) -> bool:
        return len(self.items) >= MAX_PROBLEMS

    def add(self, file: FileName, line: int, column: str | None, message: str) -> None:
        self.items.append(Problem(file, line, column, message))

    def raise_if_any(self) -> None:
        if not self.items:
            return
        # Problems found batch by batch: sort so the first 100 by position are the ones kept.
        ordered = sorted(self.items, key=lambda p: (_FILE_ORDER[p.file], p.line))
        kept = [problem.as_dict() for problem in ordered[:MAX_PROBLEMS]]
        count = f"at least {MAX_PROBLEMS}" if len(ordered) >= MAX_PROBLEMS else str(len(ordered))
        plural = "" if len(ordered) == 1 else "s"
        raise CsvInvalid(
            f"The CSV was rejected ({count} problem{plural}); nothing was imported",
            problems=kept,
        )


# ---------------------------------------------------------------- typed values


def _to_int(text: str) -> int:
    if not _INT.match(text) or int(text) not in _INT64:
        raise ValueError("is not a 64-bit integer")
    return int(text)


def to_float(text: str) -> float:
    """A finite number written in decimal or exponent notation."""
    try:
        value = float(text)
    except ValueError:
        raise ValueError("is not a number") from None
    # float() also takes "1_0", Arabic-Indic digits, "nan" and "inf": the pattern decides.
    if not (text.isascii() and "_" not in text) and not _FLOAT.match(text):
        raise ValueError("is not a number")
    if not math.isfinite(value):
        raise ValueError("is not a finite number" if _FLOAT.match(text) else "is not a number")
    return value


def _to_bool(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered not in ("true", "false"):
        raise ValueError("is not true or false")
    return lowered == "true"


def _to_str(text: str) -> str:
    return text


_CONVERTERS: dict[str, Callable[[str], Any]] = {
    "int": _to_int,
    "long": _to_int,
    "float": to_float,
    "double": to_float,
    "boolean": _to_bool,
    "string": _to_str,
}


def _list_of(convert: Callable[[str], Any]) -> Callable[[str], list[Any]]:
    def convert_list(text: str) -> list[Any]:
        return [convert(part) for part in text.split(";")]

    return convert_list


# ---------------------------------------------------------------- headers


@dataclass(frozen=True, slots=True)
class Extra:
    """An extra column: its position, its header as written, its key, and its type (if typed)."""

    index: int
    header: str
    key: str
    convert: Callable[[str], Any] | None = None


@dataclass
class Header:
    """Where each known column is (index by canonical name) and the extra columns."""

    file: FileName
    names: list[str]
    known: dict[str, int] = field(default_factory=dict)
    extras: list[Extra] = field(default_factory=list)
    labels: bool = False  # nodes: the type column is neo4j-admin's :LABEL
    usable: bool = True  # False: a required column is missing or ambiguous

    @property
    def width(self) -> int:
        return len(self.names)

    def column(self, name: str) -> str:
        """The header of a known column as written in the file."""
        return self.names[self.known[name]]


def _canonical(file: FileName, name: str) -> str | None:
    """The known column a header names, or None for an extra column."""
    lowered = name.lower()
    aliases = NODE_ALIASES if file == "nodes" else RELATIONSHIP_ALIASES
    if lowered in aliases:
        return aliases[lowered]
    if file == "nodes":
        return "node_id" if _NODE_ID.match(name) else None
    if _START_ID.match(name):
        return "source"
    if _END_ID.match(name):
        return "target"
    typed = _TYPED.match(name)
    # neo4j-admin writes a numeric weight as weight:double (or :float, :int, :long).
    if typed and typed["key"].strip().lower() == "weight" and not typed["list"]:
        return "weight" if typed["type"].lower() in ("int", "long", "float", "double") else None
    return None


def _extra(index: int, name: str) -> Extra | None:
    """The extra column for a header, or None for neo4j-admin's :IGNORE."""
    if name.lower().endswith(":ignore"):
        return None
    typed = _TYPED.match(name)
    if typed is None:
        return Extra(index, name, name)
    convert = _CONVERTERS[typed["type"].lower()]
    return Extra(index, name, typed["key"].strip(), _list_of(convert) if typed["list"] else convert)


def parse_header(file: FileName, cells: list[str], line: int, problems: Problems) -> Header:
    """Map a header row; problems for missing, duplicated or unnamed columns."""
    header = Header(file, cells)
    extra_keys: dict[str, str] = {}
    for index, raw in enumerate(cells):
        name = raw.strip()
        known = _canonical(file, name)
        if known is not None:
            if known in header.known:
                first = header.column(known)
                problems.add(file, line, raw, f"column {raw!r} repeats column {first!r}")
                header.usable = False
                continue
            header.known[known] = index
            header.labels = header.labels or (file == "nodes" and name.lower() == ":label")
            continue
        extra = _extra(index, name)
        if extra is None:
            continue
        if not extra.key:
            problems.add(file, line, None, f"column {index + 1} has no name")
            continue
        folded = extra.key.lower()
        if folded in extra_keys:
            problems.add(file, line, raw, f"column {raw!r} repeats column {extra_keys[folded]!r}")
            continue
        extra_keys[folded] = raw
        header.extras.append(Extra(index, raw, extra.key, extra.convert))
    for name in REQUIRED[file]:
        if name not in header.known:
            problems.add(file, line, name, f"missing required column {name} ({_ALIAS_HINT[name]})")
            header.usable = False
    return header
