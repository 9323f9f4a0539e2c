"""NodeConnection and RelationshipConnection: Relay-style keyset pages of a session.

The compiled read path reads one page per session (services/reads/pages.py, the
function the general resolvers call, narrowed to the columns its items need) and
answers edges, nodes, pageInfo and totalCount from it with the resolvers below.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import strawberry

from graph_api.config import Limits
from graph_api.db.transaction import UnitOfWork
from graph_api.graphql.context import Info
from graph_api.graphql.fast.plan import FieldPlan, Selection
from graph_api.graphql.fast.registry import batch
from graph_api.graphql.fast.run import Index, Run, child, index_of, leaf
from graph_api.graphql.inputs import NodeFilterInput, RelationshipFilterInput
from graph_api.graphql.types.common import NodeOrder, PageInfo, page_parts
from graph_api.graphql.types.node import Node
from graph_api.graphql.types.relationship import Relationship
from graph_api.services.reads import pages
from graph_api.services.specs import Page, PageArgs

Counter = Callable[[UnitOfWork], Awaitable[int]]  # the database -> a connection's totalCount


@dataclass(frozen=True)
class PageReads:
    """How a connection field reads its page of a session and counts all its items,
    from the field's arguments: one place for both read paths."""

    page: Callable[..., Awaitable[Page]]  # (db=, session_id=[, columns=]) -> the page
    count: Callable[..., Awaitable[int]]  # (db=, session_id=) -> items matching the filter

    def counter(self, session_id: str) -> Counter:
        return lambda db: self.count(db=db, session_id=session_id)


def node_reads(
    limits: Limits,
    first: int | None,
    after: str | None,
    filter: NodeFilterInput | None,
    order_by: NodeOrder | None,
) -> PageReads:
    """Session.nodes(first, after, filter, orderBy)."""
    node_filter = filter.to_spec(limits) if filter is not None else None
    page = partial(
        pages.page_nodes,
        args=PageArgs(first, after),
        node_filter=node_filter,
        order=(order_by or NodeOrder.NODE_ID_ASC).value,
    )
    return PageReads(page, partial(pages.count_nodes, node_filter=node_filter))


def relationship_reads(
    limits: Limits, first: int | None, after: str | None, filter: RelationshipFilterInput | None
) -> PageReads:
    """Session.relationships(first, after, filter)."""
    rel_filter = filter.to_spec(limits) if filter is not None else None
    return PageReads(
        partial(pages.page_relationships, args=PageArgs(first, after), rel_filter=rel_filter),
        partial(pages.count_relationships, rel_filter=rel_filter),
    )


async def _count_items(root: Any, info: Info) -> int:
    """totalCount of a connection: its count read, run when asked for."""
    count: Counter = root._count
    return await count(info.context.db)


@strawberry.type
class NodeEdge:
    cursor: str
    node: Node


@strawberry.type
class NodeConnection:
    edges: list[NodeEdge]
    nodes: list[Node] = strawberry.field(description="Shortcut for edges { node }.")
    page_info: PageInfo
    _count: strawberry.Private[Counter]
    total_count: int = strawberry.field(resolver=_count_items)

    @classmethod
    def from_page(cls, page: Page, session_id: str, reads: PageReads) -> NodeConnection:
        return cls(**page_parts(page, Node, NodeEdge), _count=reads.counter(session_id))


@strawberry.type
class RelationshipEdge:
    cursor: str
    node: Relationship


@strawberry.type
class RelationshipConnection:
    edges: list[RelationshipEdge]
    nodes: list[Relationship]
    page_info: PageInfo
    _count: strawberry.Private[Counter]
    total_count: int = strawberry.field(resolver=_count_items)

    @classmethod
    def from_page(cls, page: Page, session_id: str, reads: PageReads) -> RelationshipConnection:
        parts = page_parts(page, Relationship, RelationshipEdge)
        return cls(**parts, _count=reads.counter(session_id))


# ---------------------------------------------------------------- compiled read path


@dataclass(eq=False)
class Connection:
    page: Page
    index: Index
    count: Callable[[], Awaitable[int]]


async def connections(
    run: Run, plan: FieldPlan, sources: list[Any], index: Index, reads: PageReads
) -> list[Any]:
    """One page per distinct session among the sources, then the connection objects."""
    selection = child(plan)
    columns = _item_columns(selection)
    found: dict[str, Connection] = {}
    ids = [row[index["id"]] for row in sources]
    for session_id in dict.fromkeys(ids):
        read = await reads.page(db=run.db, session_id=session_id, columns=columns)
        counted = partial(reads.count, db=run.db, session_id=session_id)
        found[session_id] = Connection(read, index_of(read.rows), counted)
    return await run.complete(selection, [found[session_id] for session_id in ids], {})


def _item_columns(selection: Selection) -> list[str]:
    """The columns every item selection of the connection needs (edges.node and nodes)."""
    wanted: list[str] = []
    for plan in selection.fields:
        if plan.name == "nodes":
            wanted += child(plan).columns
        elif plan.name == "edges":
            for node in child(plan).find("node"):
                wanted += child(node).columns
    return list(dict.fromkeys(wanted))


def _page_index(sources: list[Connection]) -> Index:
    # The pages at one place in the query select the same columns: one index serves all.
    return next((source.index for source in sources if source.index), {})


async def _nodes(run: Run, plan: FieldPlan, sources: list[Connection], index: Index) -> list[Any]:
    groups = [source.page.rows for source in sources]
    return await run.complete_groups(child(plan), groups, _page_index(sources))


async def _edges(run: Run, plan: FieldPlan, sources: list[Connection], index: Index) -> list[Any]:
    # An edge is (cursor, row); its node is completed with the index of the page rows.
    groups = [list(zip(source.page.cursors, source.page.rows, strict=True)) for source in sources]
    return await run.complete_groups(child(plan), groups, _page_index(sources))


async def _page_info(
    run: Run, plan: FieldPlan, sources: list[Connection], index: Index
) -> list[Any]:
    return await run.complete(child(plan), [source.page for source in sources], {})


async def _total_count(
    run: Run, plan: FieldPlan, sources: list[Connection], index: Index
) -> list[Any]:
    return leaf(plan, [await source.count() for source in sources])


async def _edge_cursor(run: Run, plan: FieldPlan, sources: list[Any], index: Index) -> list[Any]:
    return leaf(plan, [cursor for cursor, _ in sources])


async def _edge_node(run: Run, plan: FieldPlan, sources: list[Any], index: Index) -> list[Any]:
    return await run.complete(child(plan), [row for _, row in sources], index)


for _connection, _edge in ((NodeConnection, NodeEdge), (RelationshipConnection, RelationshipEdge)):
    batch(_connection, "nodes")(_nodes)
    batch(_connection, "edges")(_edges)
    batch(_connection, "page_info")(_page_info)
    batch(_connection, "total_count")(_total_count)
    batch(_edge, "cursor")(_edge_cursor)
    batch(_edge, "node")(_edge_node)
