"""Issue 17, items 1-2: fields after fragment expansion, fragment errors, the document's size."""

from __future__ import annotations

import pytest
from graphql import parse

from graph_api.config import Limits
from graph_api.graphql.documents import DocumentCache
from graph_api.graphql.limits import document_cost
from tests.abuse.test_documents import fragment_bomb, fragment_chain
from tests.factories import make_session


@pytest.fixture
def limits() -> Limits:
    return Limits(max_fields=50, max_query_bytes=64 * 1024, max_depth=3, max_aliases=6)


@pytest.fixture
async def session_id(gql):
    return await make_session(gql)


def code(error: dict) -> str:
    return str(error["extensions"]["code"])


async def test_fields_are_counted_after_fragment_expansion(gql):
    ok = "fragment A on Query { __typename } query { ...A ...A }"
    assert await gql.ok(ok) == {"__typename": "Query"}
    # 2^6 = 64 fields > 50.
    body = await gql(fragment_bomb(6))
    assert body["data"] is None
    assert [code(e) for e in body["errors"]] == ["LIMIT_EXCEEDED"]
    assert await gql.ok(fragment_bomb(5)) == {"__typename": "Query"}


async def test_plain_fields_count_too(gql):
    assert await gql.ok("{ " + "__typename " * 50 + "}")
    assert code(await gql.error("{ " + "__typename " * 51 + "}")) == "LIMIT_EXCEEDED"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("query { ...Nope }", "Unknown fragment 'Nope'."),
        (
            "fragment A on Query { ...B } fragment B on Query { ...A } query { ...A }",
            "Cannot spread fragment",
        ),
        ("fragment A on Query { ...A } query { ...A }", "Cannot spread fragment 'A'"),
        ("fragment A on Query { ...Gone } query { ...A }", "Unknown fragment 'Gone'."),
    ],
)
async def test_fragment_errors_are_validation_errors_with_a_code(gql, query, message):
    body = await gql(query)
    assert body.get("data") is None
    assert body["errors"][0]["message"].startswith(message)
    assert code(body["errors"][0]) == "GRAPHQL_VALIDATION_FAILED"


async def test_a_long_fragment_chain_is_a_validation_error(client):
    body = (await client.post("/graphql", json={"query": fragment_chain(1000)})).json()
    assert [code(e) for e in body["errors"]] == ["GRAPHQL_VALIDATION_FAILED"]
    assert "recursion" not in body["errors"][0]["message"]
    chain = (await client.post("/graphql", json={"query": fragment_chain(40)})).json()
    assert chain == {"data": {"__typename": "Query"}}


async def test_a_deeply_nested_document_is_a_parse_error_not_a_recursion_error(client):
    query = "{ " + "... on Query { " * 400 + "__typename" + " }" * 401
    limits_fit = len(query) < 8000
    assert limits_fit
    body = (await client.post("/graphql", json={"query": query})).json()
    assert body["errors"], body
    assert "recursion" not in body["errors"][0]["message"]


async def test_a_document_over_the_byte_limit_is_refused_before_parsing(gql):
    # Not even valid GraphQL: the size is checked first.
    error = await gql.error("{ " + "x" * 70_000)
    assert code(error) == "LIMIT_EXCEEDED"
    assert error["extensions"]["limit"] == "max_query_bytes"


async def test_depth_and_aliases_are_measured_through_fragments(gql, session_id):
    fits = 'fragment S on Session { node(nodeId: "N001") { session { id } } }'
    deeper = (
        'fragment S on Session { node(nodeId: "N001") { session { node(nodeId: "N001")'
        " { nodeId } } } }"
    )
    query = "query($s: ID!) { session(id: $s) { ...S } } "
    assert await gql.ok(query + fits, {"s": session_id})
    assert code(await gql.error(query + deeper, {"s": session_id})) == "LIMIT_EXCEEDED"
    aliases = "fragment A on Query { a: __typename b: __typename } "
    assert await gql.ok(aliases + "query { ...A ...A x: __typename y: __typename }")
    error = await gql.error(aliases + "query { ...A ...A ...A x: __typename }")
    assert code(error) == "LIMIT_EXCEEDED"
    assert error["message"] == "7 aliases found. Allowed: 6"


def test_document_cost_multiplies_each_fragment_per_spread():
    assert document_cost(parse(fragment_bomb(40))).fields == 2**40
    document = parse("query One { a: __typename b: __typename } query Two { c: __typename }")
    # Fields and depth of the largest operation; aliases of them all, as the limits count.
    assert document_cost(document).fields == 2
    assert document_cost(document).aliases == 3


def test_the_document_cache_is_bounded_by_bytes():
    cache = DocumentCache(max_bytes=1600)
    for i in range(50):
        cache.put(f"{{ a{i}: __typename }}" + " " * 80, cache.get("x"))
    assert cache.size_bytes <= 1600
    cache.put("x" * 200, cache.get("y"))  # larger than an entry may be: not kept
    assert cache.get("x" * 200).document is None


async def test_variables_with_too_many_values_are_refused_before_coercion(client):
    from graph_api.config import Limits as _Limits

    assert _Limits().max_input_values == 200_000
    query = (
        "mutation($s: ID!, $l: [NodeInput!]!) { createNodes(sessionId: $s, inputs: $l) { nodeId } }"
    )
    inputs = [{"label": "x", "metadata": {"a": [1, 2, 3]}}] * 100_000
    body = (
        await client.post("/graphql", json={"query": query, "variables": {"s": "x", "l": inputs}})
    ).json()
    assert body["errors"][0]["extensions"]["code"] == "LIMIT_EXCEEDED"
    assert body["errors"][0]["extensions"]["limit"] == "max_input_values"
