"""The time, in one place: aware UTC datetimes with microseconds."""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    return datetime.now(UTC)


def add_years(moment: datetime, years: int) -> datetime:
    """`moment` plus calendar years; 29 February becomes 28 February in a non-leap year."""
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:
        return moment.replace(year=moment.year + years, day=28)
