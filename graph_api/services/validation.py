"""Checks of single values against the contract's rules and limits (CONTRACT.md §4, §7).

Each check raises BadUserInput naming the offending field, or LimitExceeded for
the size of a list, before anything is written.
"""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Iterator, Sized
from typing import Any

import orjson

from graph_api.config import Limits
from graph_api.errors import BadUserInput, LimitExceeded

NODE_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")
# The escape \u0000 in serialized JSON, not preceded by an escaping backslash.
_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")
_SESSION_ID_PATTERN = re.compile(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
)


def parse_session_id(raw: object) -> str | None:
    """The canonical lowercase form of a well-formed session id, else None."""
    # fullmatch: `$` in match() would accept a trailing newline that uuid.UUID then rejects.
    if not isinstance(raw, str) or not _SESSION_ID_PATTERN.fullmatch(raw):
        return None
    return str(uuid.UUID(raw))


def is_node_id(value: object) -> bool:
    return isinstance(value, str) and NODE_ID_PATTERN.fullmatch(value) is not None


def check_node_id(value: str, *, field: str = "nodeId") -> str:
    if not is_node_id(value):
        raise BadUserInput(f"nodeId {value!r} must match {NODE_ID_PATTERN.pattern}", field=field)
    return value


def is_storable(value: str) -> bool:
    """Text every engine can store and compare: no U+0000 (PostgreSQL text cannot hold
    it) and no lone surrogate (not encodable as UTF-8)."""
    if "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def check_storable(value: str, *, field: str) -> str:
    if not is_storable(value):
        raise BadUserInput(
            f"{field} must be Unicode text without U+0000 or lone surrogates", field=field
        )
    return value


def check_text(value: str, *, field: str, max_length: int, allow_empty: bool = False) -> str:
    check_storable(value, field=field)
    if not allow_empty and not value.strip():
        raise BadUserInput(f"{field} must not be empty", field=field)
    if len(value) > max_length:
        raise BadUserInput(
            f"{field} is {len(value)} characters long; the limit is {max_length}", field=field
        )
    return value


def check_label(value: str, limits: Limits, *, field: str = "label") -> str:
    return check_text(value, field=field, max_length=limits.max_label_length)


def check_type(value: str, limits: Limits, *, field: str = "type") -> str:
    return check_text(value, field=field, max_length=limits.max_type_length)


def check_content(value: str, limits: Limits, *, field: str = "content") -> str:
    check_storable(value, field=field)
    size = len(value.encode("utf-8", "surrogatepass"))
    if size > limits.max_content_bytes:
        raise BadUserInput(
            f"{field} is {size} bytes; the limit is {limits.max_content_bytes}", field=field
        )
    return value


def check_json_object(value: Any, limits: Limits, *, field: str) -> dict[str, Any]:
    """A JSON object within the serialized size limit; None means {}."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise BadUserInput(f"{field} must be a JSON object", field=field)
    try:
        dumped = orjson.dumps(value)  # also rejects lone surrogates
    except TypeError as exc:
        raise BadUserInput(f"{field} is not valid JSON: {exc}", field=field) from exc
    if _JSON_NUL.search(dumped):
        raise BadUserInput(f"{field} must not contain U+0000 (in a key or a string)", field=field)
    size = len(dumped)
    if size > limits.max_json_bytes:
        raise BadUserInput(
            f"{field} is {size} bytes serialized; the limit is {limits.max_json_bytes}",
            field=field,
        )
    problem = unstorable_number(value)
    if problem is not None:
        raise BadUserInput(f"{field} {problem}", field=field)
    return value


# Signed 64-bit. PostgreSQL keeps JSON numbers exactly and gives a large float back as
# an integer (1e40 -> 1000...0), which the response encoder cannot write: a number of
# this magnitude, integer or not, is refused on the way in (CONTRACT.md §7).
_MAX_MAGNITUDE = 2**63


def json_values(value: Any) -> Iterator[Any]:
    """`value` and every value inside it (object members, array items), without recursion."""
    stack = [value]
    while stack:
        item = stack.pop()
        yield item
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def unstorable_number(value: Any) -> str | None:
    """Why a JSON value holds a number that cannot be stored and sent back, or None."""
    for item in json_values(value):
        if isinstance(item, bool):
            continue
        if isinstance(item, float) and not math.isfinite(item):
            # orjson writes NaN as null; PostgreSQL's JSON rejects it.
            return "must not contain NaN or Infinity"
        if isinstance(item, int | float) and not -_MAX_MAGNITUDE <= item < _MAX_MAGNITUDE:
            return "holds a number outside the signed 64-bit integer range"
    return None


def json_equal(left: Any, right: Any) -> bool:
    """Structural JSON equality: unlike Python's ==, true is not 1 and false is not 0."""
    # Python's == differs only in taking true for 1 and false for 0: what it finds
    # different is different, and it says so in C, without the walk below.
    if left != right:
        return False
    if isinstance(left, bool) or isinstance(right, bool):
        return type(left) is type(right) and left == right
    if isinstance(left, dict):
        return (
            isinstance(right, dict)
            and left.keys() == right.keys()
            and all(json_equal(value, right[key]) for key, value in left.items())
        )
    if isinstance(left, list):
        return (
            isinstance(right, list)
            and len(left) == len(right)
            and all(json_equal(a, b) for a, b in zip(left, right, strict=True))
        )
    return bool(left == right)


def changed_values(row: Any, values: dict[str, Any]) -> dict[str, Any]:
    """The subset of `values` that differs from the row's columns."""
    return {key: value for key, value in values.items() if not json_equal(getattr(row, key), value)}


def check_weight(value: float | None, *, field: str = "weight") -> float | None:
    if value is not None and not math.isfinite(value):
        raise BadUserInput(f"{field} must be a finite number", field=field)
    return value


def check_list_length(items: Sized, limits: Limits, *, field: str) -> None:
    if len(items) > limits.max_list_length:
        raise LimitExceeded(
            f"{field} has {len(items)} items; the limit is {limits.max_list_length}",
            limit="max_list_length",
            field=field,
        )


def check_version(value: int | None, *, field: str = "expectedVersion") -> int | None:
    if value is not None and value < 1:
        raise BadUserInput(f"{field} must be at least 1", field=field)
    return value
