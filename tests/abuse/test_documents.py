"""Issue 17, items 1-2: documents that cost far more than their size, against a real server."""

from __future__ import annotations

import time

import httpx

from tests.abuse.conftest import health_probe


def fragment_bomb(levels: int) -> str:
    """~35 bytes a level; describes 2^levels fields."""
    parts = ["fragment F0 on Query { __typename }"]
    parts += [f"fragment F{i} on Query {{ ...F{i - 1} ...F{i - 1} }}" for i in range(1, levels + 1)]
    return f"query {{ ...F{levels} }}\n" + "\n".join(parts)


def fragment_chain(length: int) -> str:
    parts = ["fragment F0 on Query { __typename }"]
    parts += [f"fragment F{i} on Query {{ ...F{i - 1} }}" for i in range(1, length + 1)]
    return f"query {{ ...F{length} }}\n" + "\n".join(parts)


def codes(body: dict) -> list[str]:
    return [error["extensions"]["code"] for error in body["errors"]]


async def test_a_fragment_bomb_is_refused_in_milliseconds_while_health_answers(server):
    query = fragment_bomb(30)
    assert len(query) < 1300
    async with server() as proc, httpx.AsyncClient(base_url=proc.url, timeout=30) as http:
        with health_probe(proc.url):
            started = time.monotonic()
            response = await http.post("/graphql", json={"query": query})
            elapsed = time.monotonic() - started
        assert response.status_code == 200
        body = response.json()
        assert body["data"] is None
        assert codes(body) == ["LIMIT_EXCEEDED"]
        assert elapsed < 2.0, elapsed  # milliseconds when the machine is idle


async def test_a_document_of_many_fields_near_the_byte_limit_keeps_health_answering(server):
    # ~1 MB of text: parsed and validated off the event loop, then refused by the field count.
    query = "query { " + "__typename " * 95_000 + "}"
    async with server() as proc, httpx.AsyncClient(base_url=proc.url, timeout=60) as http:
        with health_probe(proc.url):
            response = await http.post("/graphql", json={"query": query})
        assert codes(response.json()) == ["LIMIT_EXCEEDED"]
        over = "query { " + "__typename " * 100_000 + "}"
        with health_probe(proc.url):
            started = time.monotonic()
            response = await http.post("/graphql", json={"query": over})
        assert codes(response.json()) == ["LIMIT_EXCEEDED"]
        assert "larger than" in response.json()["errors"][0]["message"]
        assert time.monotonic() - started < 1.0
