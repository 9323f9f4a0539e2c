"""`{ __typename }` (a client's liveness probe) opens no transaction; anything else does."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event


@pytest.fixture
def begins(app: Any) -> Any:
    """The number of transactions the app's engine began, as a growing list."""
    began: list[int] = []

    def on_begin(_conn: Any) -> None:
        began.append(1)

    sync_engine = app.state.engine.sync_engine
    event.listen(sync_engine, "begin", on_begin)
    yield began
    event.remove(sync_engine, "begin", on_begin)


@pytest.mark.parametrize(
    ("query", "data"),
    [
        ("{ __typename }", {"__typename": "Query"}),
        ("query Probe { a: __typename b: __typename }", {"a": "Query", "b": "Query"}),
        ("mutation { __typename }", {"__typename": "Mutation"}),
    ],
)
async def test_typename_only_opens_no_transaction(client, begins, query, data):
    response = await client.post("/graphql", json={"query": query})
    assert response.status_code == 200, response.text
    assert response.json() == {"data": data}
    assert begins == []


async def test_typename_next_to_a_field_opens_one(client, begins):
    query = '{ __typename session(id: "00000000-0000-4000-8000-000000000000") { id } }'
    response = await client.post("/graphql", json={"query": query})
    assert response.json() == {"data": {"__typename": "Query", "session": None}}
    assert begins == [1]


async def test_typename_in_a_fragment_still_opens_one(client, begins):
    # Only bare __typename fields are recognised; a fragment is left to the general rule.
    query = "query { ...F } fragment F on Query { __typename }"
    response = await client.post("/graphql", json={"query": query})
    assert response.json() == {"data": {"__typename": "Query"}}
    assert begins == [1]
