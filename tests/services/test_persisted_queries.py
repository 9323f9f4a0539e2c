"""The persisted-query rules (services/persisted_queries.py), on a real database."""

from __future__ import annotations

import hashlib

import pytest

from graph_api.errors import BadUserInput, PersistedQueryNotFound
from graph_api.services import persisted_queries as service

DOCUMENT = "{ __typename }"
HASH = hashlib.sha256(DOCUMENT.encode()).hexdigest()


def _ext(sha256: object = HASH, version: object = 1) -> dict[str, object]:
    return {"persistedQuery": {"version": version, "sha256Hash": sha256}}


def test_plan_without_persisted_query_runs_as_sent():
    assert service.plan(query=DOCUMENT, extensions=None, persisted_only=False) is None
    assert service.plan(query=DOCUMENT, extensions={"x": 1}, persisted_only=False) is None
    assert service.plan(query=None, extensions=None, persisted_only=True) is None


def test_plan_by_hash_with_text_and_persisted_only():
    assert service.plan(query=None, extensions=_ext(), persisted_only=False) == service.Plan(
        HASH, None, store=False
    )
    assert service.plan(query=DOCUMENT, extensions=_ext(), persisted_only=False) == service.Plan(
        HASH, DOCUMENT, store=True
    )
    # Persisted-only: the text is checked against what is stored, never stored.
    for extensions in (None, _ext()):
        assert service.plan(
            query=DOCUMENT, extensions=extensions, persisted_only=True
        ) == service.Plan(HASH, DOCUMENT, store=False)
    # Hashes compare in lower case, as Apollo's clients send them.
    upper = service.plan(query=DOCUMENT, extensions=_ext(HASH.upper()), persisted_only=False)
    assert upper is not None and upper.sha256 == HASH


@pytest.mark.parametrize(
    ("extensions", "field"),
    [
        (_ext(hashlib.sha256(b"{ other }").hexdigest()), "sha256Hash"),
        (_ext("z" * 64), "sha256Hash"),
        (_ext(None), "sha256Hash"),
        (_ext(version=None), "version"),
        (_ext(version="1"), "version"),
        ({"persistedQuery": []}, "version"),
    ],
)
def test_plan_refuses_malformed_extensions(extensions, field):
    with pytest.raises(BadUserInput) as refused:
        service.plan(query=DOCUMENT, extensions=extensions, persisted_only=False)
    assert refused.value.extensions["field"] == f"extensions.persistedQuery.{field}"


async def test_store_is_idempotent_and_require_finds_it(unit_of_work):
    async with unit_of_work() as db:
        with pytest.raises(PersistedQueryNotFound):
            await service.require_document(db=db, sha256=HASH)
    async with unit_of_work() as db:
        assert await service.store_document(db=db, document=DOCUMENT) == HASH
        assert await service.store_document(db=db, document=DOCUMENT) == HASH
    async with unit_of_work(write=False) as db:
        assert await service.require_document(db=db, sha256=HASH) == DOCUMENT
        assert await service.require_document(db=db, sha256=HASH.upper()) == DOCUMENT


def test_document_cache_keeps_the_most_recently_used():
    cache = service.DocumentCache(maxsize=2)
    cache.put("a", "A")
    cache.put("b", "B")
    assert cache.get("a") == "A"
    cache.put("c", "C")
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == ("A", None, "C")
