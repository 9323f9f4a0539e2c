"""The contract's scalars: DateTime (UTC, +00:00, microseconds always) and JSON."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import strawberry
from strawberry.scalars import JSON

__all__ = ["JSON", "DateTime", "parse_datetime", "serialize_datetime"]


def serialize_datetime(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def parse_datetime(value: Any) -> datetime:
    """Any ISO-8601 offset is accepted; none means UTC."""
    if not isinstance(value, str):
        raise ValueError("DateTime must be an ISO-8601 string")
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


# Used through StrawberryConfig.scalar_map: every `datetime` in the schema is this scalar.
DateTime = strawberry.scalar(
    name="DateTime",
    description=(
        "ISO-8601 date-time, always with a UTC offset (e.g. 2026-11-26T04:27:18.123456+00:00)."
    ),
    serialize=serialize_datetime,
    parse_value=parse_datetime,
)
