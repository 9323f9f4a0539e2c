"""CSV records as checked import rows (CONTRACT.md §6, §7, §9).

A parser turns one record into a `NodeRow` or `RelationshipRow`, or into
problems on the record's line (and returns None). It checks everything a row
can tell on its own: the cell count, ids, lengths, JSON shapes and sizes, typed
values. What needs other rows or the database (duplicates, clashes, endpoints)
is the importer's job. JSON columns are serialised once here: the size limit
needs the text anyway, and the write step stores that same text.
"""

from __future__ import annotations

from dataclasses import dataclass
from sys import intern
from typing import Any, Generic, TypeVar

import orjson

from graph_api.config import Limits
from graph_api.services.csv.formula import unescape_cell
from graph_api.services.csv.headers import FileName, Header, Problems, to_float
from graph_api.services.csv.source import Record, bad_text_message
from graph_api.services.validation import NODE_ID_PATTERN, unstorable_number

RowT = TypeVar("RowT")
_COMPONENT_KEYS = frozenset({"type", "content", "properties"})
EMPTY_JSON = "{}"


@dataclass(slots=True)
class ComponentRow:
    type: str
    content: str
    properties: dict[str, Any]
    properties_text: str


@dataclass(slots=True)
class NodeRow:
    """None in label/type/metadata/components: the file has no such column (or an empty
    components cell), so an existing node keeps its value."""

    line: int
    node_id: str
    label: str | None
    type: str | None
    metadata: dict[str, Any] | None
    metadata_text: str
    components: list[ComponentRow] | None


@dataclass(slots=True)
class RelationshipRow:
    """has_weight / properties None: the file has no such column, an existing one keeps its own."""

    line: int
    source: str
    target: str
    type: str
    weight: float | None
    properties: dict[str, Any] | None
    properties_text: str


class RowError(Exception):
    """A cell that cannot be imported: the column (None: the whole row) and why."""

    def __init__(self, column: str | None, message: str) -> None:
        super().__init__(message)
        self.column = column
        self.message = message


class _Parser(Generic[RowT]):
    file: FileName

    def __init__(self, header: Header, limits: Limits, problems: Problems) -> None:
        self.header = header
        self.limits = limits
        self.problems = problems
        self.known = header.known
        # The file sets metadata/properties (as a whole, on UPSERT) when it has a column for them.
        has_json = "metadata" in header.known or "properties" in header.known
        self.has_object = has_json or bool(header.extras) or header.labels
        # Set for a formula-safe export: label and type cells are unescaped.
        self.excel_safe = False

    def _cell(self, value: str) -> str:
        return unescape_cell(value) if self.excel_safe else value

    def _record_ok(self, record: Record, suspect: bool) -> bool:
        """The record has the header's cell count and readable text; else problems."""
        if record.error is not None:
            index = record.column_index
            names = self.header.names
            column = names[index] if index is not None and index < len(names) else None
            self.problems.add(self.file, record.line, column, record.error)
            return False
        if len(record.cells) != self.header.width:
            self.problems.add(
                self.file,
                record.line,
                None,
                f"the row has {len(record.cells)} fields; the header has {self.header.width}",
            )
            return False
        if suspect:
            bad = False
            for name, cell in zip(self.header.names, record.cells, strict=True):
                message = bad_text_message(cell)
                if message is not None:
                    self.problems.add(self.file, record.line, name, f"the cell {message}")
                    bad = True
            return not bad
        return True

    def parse(self, record: Record, suspect: bool) -> RowT | None:
        """The row of a record, or None after adding its problems."""
        if not self._record_ok(record, suspect):
            return None
        try:
            return self._row(record.line, record.cells)
        except RowError as exc:
            self.problems.add(self.file, record.line, exc.column, exc.message)
            return None

    def _row(self, line: int, cells: list[str]) -> RowT:
        raise NotImplementedError

    def _node_id(self, cells: list[str], name: str, what: str) -> str:
        value = cells[self.known[name]]
        if NODE_ID_PATTERN.match(value) is not None:
            return value
        if not value:
            raise RowError(self.header.column(name), f"{what} is empty")
        raise RowError(
            self.header.column(name),
            f"{what} {value!r} is not a valid node id ({NODE_ID_PATTERN.pattern})",
        )

    def _text(self, value: str, column: str, what: str, max_length: int) -> str:
        if len(value) > max_length:
            raise RowError(
                column, f"{what} is {len(value)} characters long; the limit is {max_length}"
            )
        if not value.strip():
            raise RowError(column, f"{what} must not be blank")
        return value

    def _object(
        self, cells: list[str], json_column: str, first: dict[str, Any] | None = None
    ) -> tuple[dict[str, Any], str]:
        """The metadata/properties object: the JSON cell, then `first`, then extra columns."""
        value: dict[str, Any] = {}
        index = self.known.get(json_column)
        column = self.header.names[index] if index is not None else None
        if index is not None and cells[index]:
            value = self._json(cells[index], column, json_column)
            if not isinstance(value, dict):
                raise RowError(column, f"{json_column} must be a JSON object")
        if first:
            value.update(first)
        for extra in self.header.extras:
            cell = cells[extra.index]
            if not cell:
                continue
            try:
                value[extra.key] = extra.convert(cell) if extra.convert else cell
            except ValueError as exc:
                raise RowError(extra.header, f"{cell!r} {exc}") from None
        return value, self._json_text(value, column, json_column, self.limits.max_json_bytes)

    def _json(self, cell: str, column: str | None, what: str) -> Any:
        try:
            return orjson.loads(cell)
        except orjson.JSONDecodeError as exc:
            raise RowError(column, f"{what} is not valid JSON: {exc}") from None

    @staticmethod
    def _json_text(value: Any, column: str | None, what: str, limit: int) -> str:
        if not value:
            return EMPTY_JSON
        problem = unstorable_number(value)
        if problem is not None:
            raise RowError(column, f"{what} {problem}")
        try:
            text = orjson.dumps(value)
        except TypeError as exc:
            raise RowError(column, f"{what} cannot be stored: {exc}") from None
        if len(text) > limit:
            raise RowError(column, f"{what} is {len(text)} bytes serialized; the limit is {limit}")
        if b"\\u0000" in text:
            raise RowError(column, f"{what} contains a NUL character, which cannot be stored")
        return text.decode()


class NodeParser(_Parser[NodeRow]):
    file: FileName = "nodes"

    def _row(self, line: int, cells: list[str]) -> NodeRow:
        known, header, limits = self.known, self.header, self.limits
        node_id = self._node_id(cells, "node_id", "node id")
        label = None
        if "label" in known:
            label = self._cell(cells[known["label"]]) or node_id
            label = self._text(label, header.column("label"), "label", limits.max_label_length)
        type_, labels = self._type(cells)
        metadata, metadata_text = None, EMPTY_JSON
        if self.has_object:
            first = {"labels": labels} if labels else None
            metadata, metadata_text = self._object(cells, "metadata", first)
        components = None
        if "components" in known and cells[known["components"]]:
            components = self._components(cells[known["components"]], header.column("components"))
        return NodeRow(line, node_id, label, type_, metadata, metadata_text, components)

    def _type(self, cells: list[str]) -> tuple[str | None, list[str] | None]:
        """The type, and neo4j-admin's labels when a :LABEL cell names several."""
        if "type" not in self.known:
            return None, None
        column = self.header.column("type")
        value = self._cell(cells[self.known["type"]])
        labels = None
        if self.header.labels:
            labels = [part for part in value.split(";") if part]
            value = labels[0] if labels else ""
            labels = labels if len(labels) > 1 else None
        return self._text(value or "concept", column, "type", self.limits.max_type_length), labels

    def _components(self, cell: str, column: str) -> list[ComponentRow]:
        value = self._json(cell, column, "components")
        if not isinstance(value, list):
            raise RowError(column, "components must be a JSON array of component objects")
        if len(value) > self.limits.max_list_length:
            raise RowError(
                column,
                f"components has {len(value)} items; the limit is {self.limits.max_list_length}",
            )
        return [self._component(item, f"components[{i}]", column) for i, item in enumerate(value)]

    def _component(self, item: Any, where: str, column: str) -> ComponentRow:
        limits = self.limits
        if not isinstance(item, dict):
            raise RowError(column, f"{where} must be an object with type, content and properties")
        unknown = sorted(set(item) - _COMPONENT_KEYS)
        if unknown:
            raise RowError(column, f"{where} has unknown field(s): {', '.join(unknown)}")
        type_ = item.get("type")
        if not isinstance(type_, str):
            raise RowError(column, f"{where}.type must be a string")
        self._text(type_, column, f"{where}.type", limits.max_type_length)
        content = item.get("content")
        content = "" if content is None else content
        if not isinstance(content, str):
            raise RowError(column, f"{where}.content must be a string")
        size = len(content.encode("utf-8", "surrogatepass"))
        if size > limits.max_content_bytes:
            raise RowError(
                column, f"{where}.content is {size} bytes; the limit is {limits.max_content_bytes}"
            )
        if "\x00" in content:
            raise RowError(column, f"{where}.content contains a NUL character")
        properties = item.get("properties")
        properties = {} if properties is None else properties
        if not isinstance(properties, dict):
            raise RowError(column, f"{where}.properties must be a JSON object")
        text = self._json_text(properties, column, f"{where}.properties", limits.max_json_bytes)
        return ComponentRow(type_, content, properties, text)


class RelationshipParser(_Parser[RelationshipRow]):
    file: FileName = "relationships"

    def __init__(self, header: Header, limits: Limits, problems: Problems) -> None:
        super().__init__(header, limits, problems)
        self.weight_index = header.known.get("weight")

    def _row(self, line: int, cells: list[str]) -> RelationshipRow:
        known, header = self.known, self.header
        source = self._node_id(cells, "source", "source")
        target = self._node_id(cells, "target", "target")
        type_ = self._cell(cells[known["type"]])
        if not type_ or len(type_) > self.limits.max_type_length or not type_.strip():
            type_column = header.column("type")
            if not type_:
                raise RowError(type_column, "type is empty")
            self._text(type_, type_column, "type", self.limits.max_type_length)
        weight = None
        cell = cells[self.weight_index] if self.weight_index is not None else ""
        if cell:
            try:
                weight = to_float(cell)
            except ValueError as exc:
                raise RowError(header.column("weight"), f"weight {cell!r} {exc}") from None
        properties, properties_text = None, EMPTY_JSON
        if self.has_object:
            properties, properties_text = self._object(cells, "properties")
        # Interned: the import keeps every (source, target, type) key to find duplicates, and
        # the same few node ids and types recur on many rows.
        return RelationshipRow(
            line, intern(source), intern(target), intern(type_), weight, properties, properties_text
        )
