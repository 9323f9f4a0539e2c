"""The SDL is a tested artifact: schema/schema.graphql is what the server serves, and it is a
compatible superset of the shared contract's schema."""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest
from graphql import (
    DangerousChangeType,
    build_schema,
    find_breaking_changes,
    find_dangerous_changes,
)

from graph_api.graphql.schema import export_sdl

REPO = Path(__file__).parents[2]
EXPORTED = REPO / "schema" / "schema.graphql"
CONTRACT = REPO.parent / "shared" / "contract" / "schema.graphql"
DEFAULT_CHANGES = {
    DangerousChangeType.ARG_DEFAULT_VALUE_CHANGE,
    DangerousChangeType.INPUT_FIELD_DEFAULT_VALUE_CHANGE,
}


def test_exported_sdl_matches_the_live_schema():
    live = export_sdl()
    stored = EXPORTED.read_text(encoding="utf-8")
    if live != stored:
        diff = "".join(
            difflib.unified_diff(
                stored.splitlines(keepends=True),
                live.splitlines(keepends=True),
                fromfile="schema/schema.graphql",
                tofile="live schema",
            )
        )
        print(diff)
        pytest.fail(
            "schema/schema.graphql is stale; run `graph-api schema export schema/schema.graphql`"
            f"\n{diff}"
        )


def test_live_schema_is_a_compatible_superset_of_the_contract():
    if not CONTRACT.exists():
        pytest.skip(f"the shared contract is not checked out at {CONTRACT}")
    contract = build_schema(CONTRACT.read_text(encoding="utf-8"))
    live = build_schema(export_sdl())
    breaking = find_breaking_changes(contract, live)
    assert not breaking, "\n".join(
        f"{change.type.name}: {change.description}" for change in breaking
    )


def test_live_schema_keeps_the_contract_defaults():
    """Argument and input-field defaults are part of the contract too."""
    if not CONTRACT.exists():
        pytest.skip(f"the shared contract is not checked out at {CONTRACT}")
    contract = build_schema(CONTRACT.read_text(encoding="utf-8"))
    live = build_schema(export_sdl())
    changed = [
        change.description
        for change in find_dangerous_changes(contract, live)
        if change.type in DEFAULT_CHANGES
    ]
    assert not changed, changed
