"""Nested fields of Query, Session, Node and Relationship on the compiled read path.

Each resolver answers one field for all the sources at its place in the query with
the same batch reads the loaders use (services/reads.py), narrowed to the columns
the query asks for, and mirrors the general resolver of that field in types/ and
queries.py: same lookups, same nulls, same checks. What the general resolver would
turn into an error is raised here and sends the whole operation the general way.
"""

from __future__ import annotations

from typing import Any

from graph_api.db.models import nodes, relationships
from graph_api.graphql.fast.plan import FieldPlan
from graph_api.graphql.fast.run import Index, Resolver, Run, child, leaf
from graph_api.services import access
from graph_api.services.reads import batch as batch_reads
from graph_api.services.validation import parse_session_id


def _node_keys(sources: list[Any], index: Index) -> list[tuple[str, str]]:
    session, node = index["session_id"], index["node_id"]
    return [(row[session], row[node]) for row in sources]


async def _nodes_by_keys(run: Run, keys: list[tuple[str, str]], columns: list[str]) -> list[Any]:
    # Many relationships share an endpoint: read (and check) each distinct key once.
    unique = list(dict.fromkeys(keys))
    rows = await batch_reads.nodes_by_keys(db=run.db, keys=unique, columns=columns)
    found = dict(zip(unique, rows, strict=True))
    return [found[key] for key in keys]


async def query_session(run: Run, plan: FieldPlan, sources: list[Any], index: Index) -> list[Any]:
    canonical = parse_session_id(plan.args["id"])
    selection = child(plan)
    rows: list[Any] = [None]
    if canonical is not None and await access.can_see(db=run.db, session_id=canonical):
        rows = await batch_reads.sessions_by_ids(
            db=run.db, ids=[canonical], columns=selection.columns
        )
    return await run.complete_rows(selection, rows * len(sources), nullable=True)


async def query_node(run: Run, plan: FieldPlan, sources: list[Any], index: Index) -> list[Any]:
    canonical = await access.require_session(db=run.db, session_id=plan.args["session_id"])
    selection = child(plan)
    rows = await batch_reads.nodes_by_keys(
        db=run.db, keys=[(canonical, plan.args["node_id"])], columns=selection.columns
    )
    return await run.complete_rows(selection, rows * len(sources), nullable=True)


async def session_node(run: Run, plan: FieldPlan, sources: list[Any], index: Index) -> list[Any]:
    selection = child(plan)
    node_id = plan.args["node_id"]
    keys = [(row[index["id"]], node_id) for row in sources]
    rows = await _nodes_by_keys(run, keys, selection.columns)
    return await run.complete_rows(selection, rows, nullable=True)


async def session_node_count(
    run: Run, plan: FieldPlan, sources: list[Any], index: Index
) -> list[Any]:
    ids = [row[index["id"]] for row in sources]
    return leaf(plan, await batch_reads.count_by_session(db=run.db, table=nodes, ids=ids))


async def session_relationship_count(
    run: Run, plan: FieldPlan, sources: list[Any], index: Index
) -> list[Any]:
    ids = [row[index["id"]] for row in sources]
    return leaf(plan, await batch_reads.count_by_session(db=run.db, table=relationships, ids=ids))


async def node_components(run: Run, plan: FieldPlan, sources: list[Any], index: Index) -> list[Any]:
    selection = child(plan)
    groups = await batch_reads.components_by_nodes(
        db=run.db, keys=_node_keys(sources, index), columns=selection.columns
    )
    return await run.complete_groups(selection, groups)


async def node_component_count(
    run: Run, plan: FieldPlan, sources: list[Any], index: Index
) -> list[Any]:
    counts = await batch_reads.component_counts(db=run.db, keys=_node_keys(sources, index))
    return leaf(plan, counts)


async def _endpoint_lists(
    run: Run, plan: FieldPlan, sources: list[Any], index: Index, outgoing: bool
) -> list[Any]:
    selection = child(plan)
    types = plan.args.get("types")
    types_key = None if types is None else tuple(types)
    keys = [(session_id, node_id, types_key) for session_id, node_id in _node_keys(sources, index)]
    groups = await batch_reads.relationships_by_endpoint(
        db=run.db, keys=keys, outgoing=outgoing, columns=selection.columns
    )
    return await run.complete_groups(selection, groups)


async def node_outgoing(run: Run, plan: FieldPlan, sources: list[Any], index: Index) -> list[Any]:
    return await _endpoint_lists(run, plan, sources, index, outgoing=True)


async def node_incoming(run: Run, plan: FieldPlan, sources: list[Any], index: Index) -> list[Any]:
    return await _endpoint_lists(run, plan, sources, index, outgoing=False)


async def node_session(run: Run, plan: FieldPlan, sources: list[Any], index: Index) -> list[Any]:
    selection = child(plan)
    ids = [row[index["session_id"]] for row in sources]
    rows = await batch_reads.sessions_by_ids(db=run.db, ids=ids, columns=selection.columns)
    return await run.complete_rows(selection, rows, nullable=False)


async def _endpoint(
    run: Run, plan: FieldPlan, sources: list[Any], index: Index, column: str
) -> list[Any]:
    selection = child(plan)
    session, node = index["session_id"], index[column]
    keys = [(row[session], row[node]) for row in sources]
    rows = await _nodes_by_keys(run, keys, selection.columns)
    return await run.complete_rows(selection, rows, nullable=False)


async def relationship_source(
    run: Run, plan: FieldPlan, sources: list[Any], index: Index
) -> list[Any]:
    return await _endpoint(run, plan, sources, index, "source_id")


async def relationship_target(
    run: Run, plan: FieldPlan, sources: list[Any], index: Index
) -> list[Any]:
    return await _endpoint(run, plan, sources, index, "target_id")


OBJECT_RESOLVERS: dict[tuple[str, str], Resolver] = {
    ("Query", "session"): query_session,
    ("Query", "node"): query_node,
    ("Session", "node"): session_node,
    ("Session", "nodeCount"): session_node_count,
    ("Session", "relationshipCount"): session_relationship_count,
    ("Node", "components"): node_components,
    ("Node", "componentCount"): node_component_count,
    ("Node", "outgoing"): node_outgoing,
    ("Node", "incoming"): node_incoming,
    ("Node", "session"): node_session,
    ("Relationship", "source"): relationship_source,
    ("Relationship", "target"): relationship_target,
}
