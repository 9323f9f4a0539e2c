"""The /graphql response body: orjson, with the standard library behind it for what orjson refuses.

Numbers beyond 64 bits are refused on the way in (services/validation.py), but a
value stored before that rule, or by another writer, must still not turn a committed
mutation into a 500 with the REST error shape (issue 17): the stdlib encoder writes
integers of any size.
"""

from __future__ import annotations

import json
import logging

import orjson

log = logging.getLogger("graph_api.graphql")


def encode_response(data: object) -> bytes:
    try:
        return orjson.dumps(data)
    except TypeError as exc:  # orjson.JSONEncodeError is a TypeError
        log.warning("response not encodable by orjson (%s); using the standard encoder", exc)
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str).encode()
