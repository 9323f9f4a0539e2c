"""Pure helpers of the core: calendar years, DateTime text, ids, JSON equality, net effects."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from graph_api.graphql.scalars import parse_datetime, serialize_datetime
from graph_api.services.changes.log import _merge
from graph_api.services.clock import add_years, now
from graph_api.services.validation import json_equal, parse_session_id


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        (
            datetime(2024, 2, 29, 23, 59, 59, 999999, tzinfo=UTC),
            datetime(2124, 2, 29, 23, 59, 59, 999999, tzinfo=UTC),
        ),
        (
            datetime(2000, 2, 29, 1, 2, 3, 4, tzinfo=UTC),
            datetime(2100, 2, 28, 1, 2, 3, 4, tzinfo=UTC),
        ),
        (
            datetime(2026, 11, 26, 4, 27, 18, 123456, tzinfo=UTC),
            datetime(2126, 11, 26, 4, 27, 18, 123456, tzinfo=UTC),
        ),
        (datetime(2023, 3, 1, tzinfo=UTC), datetime(2123, 3, 1, tzinfo=UTC)),
    ],
)
def test_add_years_is_calendar_years(start, expected):
    assert add_years(start, 100) == expected


def test_add_years_on_29_february_to_a_leap_year_keeps_the_day():
    assert add_years(datetime(2024, 2, 29, tzinfo=UTC), 4) == datetime(2028, 2, 29, tzinfo=UTC)
    assert add_years(datetime(2024, 2, 29, tzinfo=UTC), 1) == datetime(2025, 2, 28, tzinfo=UTC)


def test_now_is_aware_utc():
    moment = now()
    assert moment.tzinfo is not None and moment.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (datetime(2026, 1, 1, tzinfo=UTC), "2026-01-01T00:00:00.000000+00:00"),
        (datetime(2026, 1, 1, 0, 0, 0, 5, tzinfo=UTC), "2026-01-01T00:00:00.000005+00:00"),
        (
            datetime(2026, 1, 1, 2, 30, tzinfo=timezone(timedelta(hours=2))),
            "2026-01-01T00:30:00.000000+00:00",
        ),
        (datetime(2026, 1, 1, 12, 0), "2026-01-01T12:00:00.000000+00:00"),  # naive = UTC
    ],
)
def test_datetimes_serialize_in_utc_with_microseconds(value, text):
    assert serialize_datetime(value) == text


@pytest.mark.parametrize(
    "text",
    [
        "2026-01-01T02:30:00+02:00",
        "2026-01-01T00:30:00Z",
        "2026-01-01T00:30:00",
        "2026-01-01T00:30:00.000000+00:00",
        "2025-12-31T19:30:00-05:00",
    ],
)
def test_datetime_inputs_take_any_offset_and_none_means_utc(text):
    assert parse_datetime(text) == datetime(2026, 1, 1, 0, 30, tzinfo=UTC)
    assert parse_datetime(text).utcoffset() == timedelta(0)


@pytest.mark.parametrize("bad", [3, None, "yesterday", "2026-13-01T00:00:00"])
def test_bad_datetime_inputs_are_rejected(bad):
    with pytest.raises(ValueError):
        parse_datetime(bad)


def test_session_ids_are_canonicalised():
    upper = "6F1C2A9E-1D2B-4C3D-8E4F-5A6B7C8D9E0F"
    assert parse_session_id(upper) == upper.lower()
    assert parse_session_id(upper + "\n") is None
    assert parse_session_id(upper.replace("-", "")) is None
    assert parse_session_id(None) is None
    assert parse_session_id(42) is None


@pytest.mark.parametrize(
    ("left", "right", "equal"),
    [
        ({"a": 1}, {"a": 1.0}, True),
        ({"a": [1, {"b": None}]}, {"a": [1, {"b": None}]}, True),
        ({"a": 1, "b": 2}, {"b": 2, "a": 1}, True),
        ({"a": 1}, {"a": True}, False),
        ({"a": 0}, {"a": False}, False),
        ([True], [1], False),
        ({"a": None}, {}, False),
        ({"a": "1"}, {"a": 1}, False),
        ([1, 2], [2, 1], False),
    ],
)
def test_json_equal_is_structural(left, right, equal):
    assert json_equal(left, right) is equal
    assert json_equal(right, left) is equal


@pytest.mark.parametrize(
    ("first", "then", "net"),
    [
        ("CREATE", "UPDATE", "CREATE"),
        ("CREATE", "DELETE", None),
        ("UPDATE", "UPDATE", "UPDATE"),
        ("UPDATE", "DELETE", "DELETE"),
        (None, "DELETE", "DELETE"),
        ("DELETE", "CREATE", "UPDATE"),  # deleted, then created again
    ],
)
def test_net_effect_of_two_changes(first, then, net):
    assert _merge(first, then) == net
