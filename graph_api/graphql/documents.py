"""Parsing and validating a GraphQL document: bounded in size, cached by bytes, off the loop.

Replaces Strawberry's ParserCache, ValidationCache and its depth and alias limiters:
- the document's text is refused over `Limits.max_query_bytes` before it is parsed;
- the parse and validation results are cached together per document text in an LRU
  bounded by the bytes of text it holds (a parsed document weighs ~65x its text; a
  count bound let four 2.6 MB documents keep 670 MB);
- limits.check (fields, depth, aliases, measured without expanding fragments) runs
  before graphql-core's rules, which only see a document that passed;
- a document larger than `INLINE_BYTES` is parsed and validated in a worker thread, so
  the event loop (and /health) keeps answering while it is.
"""

from __future__ import annotations

import asyncio
import threading
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from graphql import DocumentNode, GraphQLError, GraphQLSchema, parse
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

from graph_api.config import Limits
from graph_api.errors import LimitExceeded
from graph_api.graphql import limits as limit_rules

# Below this, a thread hop costs more than the work it would move.
INLINE_BYTES = 16 * 1024


@dataclass
class _Entry:
    document: DocumentNode | None = None
    # Validation results per set of rules (DisableIntrospection adds one).
    errors: dict[tuple[Any, ...], list[GraphQLError]] | None = None


class DocumentCache:
    """An LRU of parsed and validated documents, bounded by the total length of their texts."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.max_entry = max(max_bytes // 16, 1)
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, query: str) -> _Entry:
        with self._lock:
            entry = self._entries.get(query)
            if entry is not None:
                self._entries.move_to_end(query)
                return entry
        return _Entry()

    def put(self, query: str, entry: _Entry) -> None:
        if len(query) > self.max_entry:
            return
        with self._lock:
            if query not in self._entries:
                self._bytes += len(query)
            self._entries[query] = entry
            self._entries.move_to_end(query)
            while self._bytes > self.max_bytes and self._entries:
                old, _ = self._entries.popitem(last=False)
                self._bytes -= len(old)

    @property
    def size_bytes(self) -> int:
        return self._bytes


def parse_document(query: str) -> DocumentNode:
    try:
        return parse(query)
    except RecursionError:
        raise GraphQLError("Syntax Error: the document is nested too deeply.") from None


def validate(
    schema: GraphQLSchema, document: DocumentNode, rules: tuple[Any, ...], limits: Limits
) -> list[GraphQLError]:
    """limits.check first; graphql-core's and Strawberry's rules only on a document that passed."""
    errors = limit_rules.check(document, limits)
    if errors:
        return errors
    return validate_document(schema, document, rules)


def _too_large(query: str, limits: Limits) -> GraphQLError | None:
    # len() counts characters; a character is 1-4 bytes, so encode only when close.
    size = len(query)
    if size > limits.max_query_bytes // 4:
        size = len(query.encode("utf-8", "surrogatepass"))
    if size <= limits.max_query_bytes:
        return None
    message = f"The query document is larger than {limits.max_query_bytes} bytes"
    return GraphQLError(message, original_error=LimitExceeded(message, limit="max_query_bytes"))


def document_extension(limits: Limits) -> Callable[[], SchemaExtension]:
    """A factory of `DocumentLimits` sharing one cache (Strawberry makes extensions per request)."""
    cache = DocumentCache(limits.document_cache_bytes)
    return lambda: DocumentLimits(limits, cache)


class DocumentLimits(SchemaExtension):
    def __init__(self, limits: Limits, cache: DocumentCache) -> None:
        super().__init__()
        self.limits = limits
        self.cache = cache

    async def _run(self, work: Callable[[], Any], query: str) -> Any:
        if len(query) <= INLINE_BYTES:
            return work()
        return await asyncio.to_thread(work)

    async def on_parse(self) -> AsyncIterator[None]:
        ec = self.execution_context
        query = ec.query
        if ec.graphql_document is None and query:
            error = _too_large(query, self.limits)
            if error is not None:
                raise error
            entry = self.cache.get(query)
            if entry.document is None:
                entry = _Entry(await self._run(lambda: parse_document(query), query), None)
                self.cache.put(query, entry)
            ec.graphql_document = entry.document
        yield

    async def on_validate(self) -> AsyncIterator[None]:
        ec = self.execution_context
        document = ec.graphql_document
        query = ec.query
        too_many = limit_rules.check_variables(ec.variables, self.limits)
        if too_many is not None:
            ec.pre_execution_errors = [too_many]
        elif document is not None and ec.pre_execution_errors is None:
            rules = tuple(ec.validation_rules)
            entry = self.cache.get(query) if query else _Entry()
            errors = (entry.errors or {}).get(rules) if entry.document is document else None
            if errors is None:
                schema = ec.schema._schema
                errors = await self._run(
                    lambda: validate(schema, document, rules, self.limits), query or ""
                )
                if query and entry.document is document:
                    entry.errors = {**(entry.errors or {}), rules: errors}
            ec.pre_execution_errors = errors
        yield
