"""Automatic persisted queries (Apollo's protocol, CONTRACT.md §10): documents by their SHA-256.

A request names a document with `extensions.persistedQuery = {version: 1, sha256Hash}`.
Without the document's text the stored one runs, or PERSISTED_QUERY_NOT_FOUND tells the
client to send it again with the text; with the text, the hash is checked (a mismatch is
BAD_USER_INPUT) and the document stored in the database, so every server process of a
deployment knows it. In persisted-only mode nothing new is stored and every document
must already be (registered with `graph-api persisted add`).

`plan()` reads a request without touching the database; the edge then looks the document
up (`require_document`) or, once the operation has run (a document that does not parse or
validate is never kept), stores it (`store_document`), each in its own transaction. A hash
names one document forever, so a process may remember what it has seen stored
(`DocumentCache`) and skip the database next time.
"""

from __future__ import annotations

import hashlib
import re
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from graph_api.db.models import persisted_queries
from graph_api.db.transaction import UnitOfWork
from graph_api.errors import BadUserInput, PersistedQueryNotFound
from graph_api.services import clock

VERSION = 1
_SHA256_HEX = re.compile(r"[0-9a-fA-F]{64}")
_FIELD = "extensions.persistedQuery"


@dataclass(frozen=True)
class Plan:
    """What a request needs: the stored document (`document` None), its text checked as
    stored (persisted-only), or its text stored once it has run (`store`)."""

    sha256: str
    document: str | None
    store: bool


def document_hash(document: str) -> str:
    """The hex SHA-256 of a document's UTF-8 text, as Apollo's clients compute it."""
    return hashlib.sha256(document.encode()).hexdigest()


def plan(
    *, query: str | None, extensions: Mapping[str, Any] | None, persisted_only: bool
) -> Plan | None:
    """What `resolve` must do for this request; None when it runs as sent."""
    sha256 = requested_hash(extensions)
    if sha256 is None:
        if query is None or not persisted_only:
            return None
        return Plan(sha256=document_hash(query), document=query, store=False)
    if query is not None and document_hash(query) != sha256:
        raise BadUserInput(
            "persistedQuery.sha256Hash is not the SHA-256 of the query sent",
            field=f"{_FIELD}.sha256Hash",
        )
    return Plan(sha256=sha256, document=query, store=query is not None and not persisted_only)


def requested_hash(extensions: Mapping[str, Any] | None) -> str | None:
    """The sha256Hash a request's extensions name (lower case), None when they name none."""
    if not extensions or extensions.get("persistedQuery") is None:
        return None
    persisted = extensions["persistedQuery"]
    if not isinstance(persisted, Mapping) or persisted.get("version") != VERSION:
        raise BadUserInput(
            f"persistedQuery must be an object with version {VERSION}", field=f"{_FIELD}.version"
        )
    sha256 = persisted.get("sha256Hash")
    if not isinstance(sha256, str) or _SHA256_HEX.fullmatch(sha256) is None:
        raise BadUserInput(
            "persistedQuery.sha256Hash must be 64 hexadecimal digits",
            field=f"{_FIELD}.sha256Hash",
        )
    return sha256.lower()


async def require_document(*, db: UnitOfWork, sha256: str) -> str:
    """The stored document with this hash, else PERSISTED_QUERY_NOT_FOUND."""
    stored = await find_document(db=db, sha256=sha256)
    if stored is None:
        raise PersistedQueryNotFound()
    return stored


async def find_document(*, db: UnitOfWork, sha256: str) -> str | None:
    """The stored document with this hash, or None."""
    statement = select(persisted_queries.c.document).where(
        persisted_queries.c.sha256 == sha256.lower()
    )
    document: str | None = (await db.execute(statement)).scalar()
    return document


async def store_document(*, db: UnitOfWork, document: str) -> str:
    """Store a document under its hash (already stored: nothing changes); return the hash."""
    sha256 = document_hash(document)
    dialect_insert = postgresql.insert if db.dialect == "postgresql" else sqlite.insert
    statement = (
        dialect_insert(persisted_queries)
        .values(sha256=sha256, document=document, created_at=clock.now())
        .on_conflict_do_nothing(index_elements=[persisted_queries.c.sha256])
    )
    await db.execute(statement)
    return sha256


class DocumentCache:
    """The documents this process has seen stored, most recently used kept, by hash."""

    def __init__(self, maxsize: int = 1024) -> None:
        self.maxsize = maxsize
        self._documents: OrderedDict[str, str] = OrderedDict()

    def get(self, sha256: str) -> str | None:
        document = self._documents.get(sha256)
        if document is not None:
            self._documents.move_to_end(sha256)
        return document

    def put(self, sha256: str, document: str) -> None:
        self._documents[sha256] = document
        self._documents.move_to_end(sha256)
        while len(self._documents) > self.maxsize:
            self._documents.popitem(last=False)
