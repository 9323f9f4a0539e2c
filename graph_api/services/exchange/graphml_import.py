"""GraphML in: a GraphML document turned into the two CSV documents the importer reads.

The conversion only renames; every rule (ids, lengths, JSON, duplicates,
endpoints, modes) stays the CSV importer's, so a GraphML file is checked and
imported exactly like CSV, all or nothing. Record N of a converted file is the
N-th <node> (or <edge>) element of the document, which is how problems are
reported back.

Nodes: the element id is the node id; the attributes named `label`, `type`,
`metadata` (a JSON object) and `components` (a JSON array) fill those fields,
every other attribute becomes a metadata key (typed as GraphML declares it:
int and long, float and double, boolean). Edges: `type` (or `label`, or
`relationship`) is the relationship type (RELATED_TO when there is none),
`weight` the weight, `properties` a JSON object, other attributes properties.
Graphics data (yEd's `yfiles.type` keys) is ignored.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import IO

from graph_api.errors import BadUserInput

DEFAULT_TYPE = "RELATED_TO"
_SPOOL = 16 * 1024 * 1024
_NODE_FIELDS = {
    "label": "label",
    "type": "type",
    "metadata": "metadata",
    "components": "components",
}
_EDGE_FIELDS = {
    "type": "type", "label": "type", "relationship": "type",
    "weight": "weight", "properties": "properties",
}  # fmt: skip
_TYPES = {"int": "long", "long": "long", "float": "double", "double": "double",
          "boolean": "boolean"}  # fmt: skip


@dataclass
class _Key:
    column: str  # the CSV header it becomes
    default: str | None = None


@dataclass
class _Domain:
    """The columns of one converted file, in order, and which GraphML key fills which."""

    fixed: list[str]
    keys: dict[str, _Key] = field(default_factory=dict)

    def header(self) -> list[str]:
        extra = [key.column for key in self.keys.values() if key.column not in self.fixed]
        return self.fixed + sorted(set(extra), key=extra.index)


@dataclass
class GraphmlCsv:
    """The two converted documents, as rewound binary streams."""

    nodes: IO[bytes]
    relationships: IO[bytes]


def graphml_to_csv(source: str | os.PathLike[str] | IO[bytes]) -> GraphmlCsv:
    """Convert a GraphML document; BAD_USER_INPUT when it is not well-formed GraphML."""
    nodes = _Domain(["node_id"])
    edges = _Domain(["source", "target", "type"])
    node_out, edge_out = _spool(), _spool()
    writers: tuple[csv.DictWriter[str], csv.DictWriter[str]] | None = None
    data_key: str | None = None
    row: dict[str, str] = {}
    try:
        for event, element in ET.iterparse(source, events=("start", "end")):
            tag = element.tag.rpartition("}")[2]
            if event == "start":
                if tag == "graph" and writers is None:
                    writers = _writers(nodes, edges, node_out, edge_out)
                elif tag in ("node", "edge"):
                    row = _start_row(tag, element, nodes if tag == "node" else edges)
                continue
            if tag == "key":
                _declare(element, nodes, edges)
            elif tag == "data":
                data_key = element.get("key")
                if data_key is not None:
                    row[data_key] = element.text or ""
            elif tag in ("node", "edge") and writers is not None:
                domain = nodes if tag == "node" else edges
                writers[0 if tag == "node" else 1].writerow(_csv_row(row, domain))
                element.clear()
    except ET.ParseError as exc:
        raise BadUserInput(f"the GraphML is not well-formed XML: {exc}", field="graphml") from None
    if writers is None:
        raise BadUserInput("the document has no GraphML <graph> element", field="graphml")
    for stream in (node_out, edge_out):
        stream.flush()
        stream.seek(0)
    return GraphmlCsv(node_out.detach(), edge_out.detach())  # type: ignore[arg-type]


def _spool() -> io.TextIOWrapper:
    raw = tempfile.SpooledTemporaryFile(max_size=_SPOOL)  # noqa: SIM115 (handed to the caller)
    return io.TextIOWrapper(raw, encoding="utf-8", newline="")


def _declare(element: ET.Element, nodes: _Domain, edges: _Domain) -> None:
    """A <key>: which column its values fill, in the nodes file, the edges file or both."""
    key_id, name = element.get("id"), element.get("attr.name")
    if key_id is None or name is None or element.get("yfiles.type"):
        return
    default = next((child.text for child in element if child.tag.endswith("default")), None)
    typed = _TYPES.get((element.get("attr.type") or "string").lower())
    for domain, fields, kind in ((nodes, _NODE_FIELDS, "node"), (edges, _EDGE_FIELDS, "edge")):
        if element.get("for", "all") not in (kind, "all"):
            continue
        column = fields.get(name.lower())
        if column is not None and column in {key.column for key in domain.keys.values()}:
            continue  # an alias of a column already filled (label and type on one edge)
        if column is None:
            column = f"{name}:{typed}" if typed else name
        domain.keys[key_id] = _Key(column, default)


def _writers(
    nodes: _Domain, edges: _Domain, node_out: IO[str], edge_out: IO[str]
) -> tuple[csv.DictWriter[str], csv.DictWriter[str]]:
    made = []
    for domain, out in ((nodes, node_out), (edges, edge_out)):
        writer = csv.DictWriter(out, domain.header(), lineterminator="\n", extrasaction="ignore")
        writer.writeheader()
        made.append(writer)
    return made[0], made[1]


def _start_row(tag: str, element: ET.Element, domain: _Domain) -> dict[str, str]:
    if tag == "node":
        return {"@node_id": element.get("id", "")}
    return {"@source": element.get("source", ""), "@target": element.get("target", "")}


def _csv_row(row: dict[str, str], domain: _Domain) -> dict[str, str]:
    values = {name[1:]: value for name, value in row.items() if name.startswith("@")}
    for key_id, key in domain.keys.items():
        value = row.get(key_id, key.default)
        if value is not None:
            values[key.column] = value
    if "source" in values and not values.get("type"):
        values["type"] = DEFAULT_TYPE
    return values
