"""Opaque keyset cursors, valid only for the connection, filter and order that issued them."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import orjson

from graph_api.config import Limits
from graph_api.errors import BadUserInput, LimitExceeded


def scope_digest(*parts: Any) -> str:
    """A short fingerprint of what a cursor belongs to (list, session, filter, order)."""
    return hashlib.blake2s(orjson.dumps(parts, default=str), digest_size=6).hexdigest()


def encode_cursor(scope: str, key: list[Any]) -> str:
    raw = orjson.dumps([scope, key])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def not_our_cursor(field: str) -> BadUserInput:
    return BadUserInput(f"{field} is not a cursor issued for this list", field=field)


def decode_cursor(cursor: str, scope: str, *, field: str = "after") -> list[Any]:
    """The key behind `cursor`, or BAD_USER_INPUT (`field`: after, or REST's cursor) if not ours."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        found_scope, key = orjson.loads(raw)
    except (ValueError, TypeError, orjson.JSONDecodeError):
        raise not_our_cursor(field) from None
    if found_scope != scope or not isinstance(key, list):
        raise not_our_cursor(field)
    return key


def check_first(first: int | None, limits: Limits, *, field: str = "first") -> int:
    """The page size: the default when absent; negative or over the limit is an error.

    `field` names the argument in errors: `first` in GraphQL, `limit` in REST.
    """
    if first is None:
        return limits.default_page_size
    if first < 0:
        raise BadUserInput(f"{field} must not be negative", field=field)
    if first > limits.max_page_size:
        raise LimitExceeded(
            f"{field} is {first}; the limit is {limits.max_page_size}",
            limit="max_page_size",
            field=field,
        )
    return first
