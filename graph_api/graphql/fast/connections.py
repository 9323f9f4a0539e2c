"""Session.nodes / Session.relationships connections on the compiled read path.

A connection is one keyset page per session (services/reads.py, the same function the
general resolver calls, narrowed to the columns its items need); its edges, nodes,
pageInfo and totalCount are answered from that page like NodeConnection.from_page and
RelationshipConnection.from_page do.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from graph_api.graphql.fast.columns import index_of
from graph_api.graphql.fast.plan import FieldPlan, Selection
from graph_api.graphql.fast.run import Index, Resolver, Run, child, leaf
from graph_api.graphql.types.common import NodeOrder
from graph_api.services.reads import pages
from graph_api.services.specs import Page


@dataclass(eq=False)
class Connection:
    page: Page
    index: Index
    count: Callable[[], Awaitable[int]]


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


async def _connections(
    run: Run,
    plan: FieldPlan,
    sources: list[Any],
    index: Index,
    read: Callable[[str, list[str]], Awaitable[tuple[Page, Callable[[], Awaitable[int]]]]],
) -> list[Any]:
    """One page per distinct session among the sources, then the connection objects."""
    selection = child(plan)
    columns = _item_columns(selection)
    found: dict[str, Connection] = {}
    ids = [row[index["id"]] for row in sources]
    for session_id in dict.fromkeys(ids):
        page, count = await read(session_id, columns)
        found[session_id] = Connection(page, index_of(page.rows), count)
    return await run.complete(selection, [found[session_id] for session_id in ids], {})


async def session_nodes(run: Run, plan: FieldPlan, sources: list[Any], index: Index) -> list[Any]:
    args = plan.args
    node_filter = args["filter"].to_spec(run.limits) if args.get("filter") is not None else None
    order = (args.get("order_by") or NodeOrder.NODE_ID_ASC).value

    async def read(session_id: str, columns: list[str]) -> tuple[Page, Any]:
        page = await pages.page_nodes(
            db=run.db,
            session_id=session_id,
            first=args.get("first"),
            after=args.get("after"),
            node_filter=node_filter,
            order=order,
            columns=columns,
        )
        count = partial(
            pages.count_nodes, db=run.db, session_id=session_id, node_filter=node_filter
        )
        return page, count

    return await _connections(run, plan, sources, index, read)


async def session_relationships(
    run: Run, plan: FieldPlan, sources: list[Any], index: Index
) -> list[Any]:
    args = plan.args
    rel_filter = args["filter"].to_spec(run.limits) if args.get("filter") is not None else None

    async def read(session_id: str, columns: list[str]) -> tuple[Page, Any]:
        page = await pages.page_relationships(
            db=run.db,
            session_id=session_id,
            first=args.get("first"),
            after=args.get("after"),
            rel_filter=rel_filter,
            columns=columns,
        )
        count = partial(
            pages.count_relationships, db=run.db, session_id=session_id, rel_filter=rel_filter
        )
        return page, count

    return await _connections(run, plan, sources, index, read)


async def connection_nodes(
    run: Run, plan: FieldPlan, sources: list[Connection], index: Index
) -> list[Any]:
    groups = [source.page.rows for source in sources]
    return await run.complete_groups(child(plan), groups, _page_index(sources))


async def connection_edges(
    run: Run, plan: FieldPlan, sources: list[Connection], index: Index
) -> list[Any]:
    # An edge is (cursor, row); its node is completed with the index of the page rows.
    groups = [list(zip(source.page.cursors, source.page.rows, strict=True)) for source in sources]
    return await run.complete_groups(child(plan), groups, _page_index(sources))


def _page_index(sources: list[Connection]) -> Index:
    # The pages at one place in the query select the same columns: one index serves all.
    return next((source.index for source in sources if source.index), {})


async def connection_page_info(
    run: Run, plan: FieldPlan, sources: list[Connection], index: Index
) -> list[Any]:
    return await run.complete(child(plan), [source.page for source in sources], {})


async def connection_total_count(
    run: Run, plan: FieldPlan, sources: list[Connection], index: Index
) -> list[Any]:
    return leaf(plan, [await source.count() for source in sources])


async def edge_cursor(run: Run, plan: FieldPlan, sources: list[Any], index: Index) -> list[Any]:
    return leaf(plan, [cursor for cursor, _ in sources])


async def edge_node(run: Run, plan: FieldPlan, sources: list[Any], index: Index) -> list[Any]:
    return await run.complete(child(plan), [row for _, row in sources], index)


async def page_has_next(run: Run, plan: FieldPlan, sources: list[Page], index: Index) -> list[Any]:
    return leaf(plan, [page.has_next_page for page in sources])


async def page_end_cursor(
    run: Run, plan: FieldPlan, sources: list[Page], index: Index
) -> list[Any]:
    return leaf(plan, [page.cursors[-1] if page.cursors else None for page in sources])


CONNECTION_RESOLVERS: dict[tuple[str, str], Resolver] = {
    ("Session", "nodes"): session_nodes,
    ("Session", "relationships"): session_relationships,
    ("PageInfo", "hasNextPage"): page_has_next,
    ("PageInfo", "endCursor"): page_end_cursor,
}
for _type in ("NodeConnection", "RelationshipConnection"):
    CONNECTION_RESOLVERS[(_type, "nodes")] = connection_nodes
    CONNECTION_RESOLVERS[(_type, "edges")] = connection_edges
    CONNECTION_RESOLVERS[(_type, "pageInfo")] = connection_page_info
    CONNECTION_RESOLVERS[(_type, "totalCount")] = connection_total_count
for _type in ("NodeEdge", "RelationshipEdge"):
    CONNECTION_RESOLVERS[(_type, "cursor")] = edge_cursor
    CONNECTION_RESOLVERS[(_type, "node")] = edge_node
