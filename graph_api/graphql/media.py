"""The response media type of /graphql, as the GraphQL-over-HTTP spec describes (CONTRACT.md §10).

A client whose Accept header prefers `application/graphql-response+json` gets that type,
and a request that never ran (parse, validation or variable failures) answers 4xx
without a `data` entry. Everyone else gets `application/json` as before: status 200 for
GraphQL errors. No Accept header, `*/*` or `application/*` mean `application/json`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
JSON = "application/json"
_JSON_WILDCARDS = frozenset({JSON, "application/*", "*/*"})


def response_media_type(accept: str | None) -> str:
    """The media type to answer with for this Accept header (RFC 9110 q-values)."""
    graphql_q = json_q = 0.0
    for media_range, quality in _media_ranges(accept or ""):
        if media_range == GRAPHQL_RESPONSE_JSON:
            graphql_q = max(graphql_q, quality)
        elif media_range in _JSON_WILDCARDS:
            json_q = max(json_q, quality)
    # A tie goes to the type the client named: graphql-response+json is never implied.
    return GRAPHQL_RESPONSE_JSON if graphql_q > 0 and graphql_q >= json_q else JSON


def _media_ranges(accept: str) -> Iterable[tuple[str, float]]:
    for part in accept.split(","):
        media_range, *params = (piece.strip() for piece in part.split(";"))
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if media_range:
            yield media_range.lower(), quality


def did_not_run(data: object, errors: Iterable[Any] | None) -> bool:
    """True when a result has no data because the operation never produced any.

    Errors raised while resolving a field carry its path; errors before execution
    (syntax, validation, variables, limits, persisted queries) and failures of the
    transaction itself do not.
    """
    errors = list(errors or ())
    return data is None and bool(errors) and all(error.path is None for error in errors)


def status_without_data(body: Mapping[str, Any]) -> int:
    """graphql-response+json: 5xx when the server failed, else 400 (the request's fault)."""
    for error in body.get("errors") or ():
        if (error.get("extensions") or {}).get("code") == "INTERNAL_ERROR":
            return 500
    return 400
