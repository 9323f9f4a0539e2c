"""The compiled read path answers exactly like the general execution (issue 6).

For random graphs and random queries (aliases, fragments, variables, directives,
arguments, pagination with real and foreign cursors, filters, orders, errors), the
schema with FastReads and the one without return byte-identical JSON, data and
errors alike; and every query that answers without errors (and uses only fields
the compiled path covers) was really answered by it.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import AsyncEngine

from graph_api.config import Settings
from graph_api.db.engine import create_engine
from graph_api.db.transaction import transaction_context
from graph_api.graphql.context import Context
from graph_api.graphql.inputs import NodeFilterInput, RelationshipFilterInput
from graph_api.graphql.scalars import parse_datetime
from graph_api.graphql.schema import build_schema
from graph_api.services.reads import pages
from graph_api.services.specs import PageArgs
from tests.fast.graphs import graphs, insert_graph
from tests.fast.queries import Builder, CursorRef, queries

SCHEMAS: dict[tuple[Any, bool], Any] = {}


def schema(app_settings: Settings, fast: bool) -> Any:
    key = (app_settings.limits.model_dump_json(), fast)
    if key not in SCHEMAS:
        SCHEMAS[key] = build_schema(app_settings.limits, fast_reads=fast)
    return SCHEMAS[key]


class FastPathLog(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.taken = 0

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage() == "compiled read path":
            self.taken += 1


async def run(
    app_settings: Settings, engine: AsyncEngine, fast: bool, text: str, variables: dict[str, Any]
) -> tuple[bytes, bool]:
    """The response body as the router would encode it, and whether FastReads answered."""
    logger = logging.getLogger("graph_api.graphql.fast")
    handler, level = FastPathLog(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        result = await schema(app_settings, fast).execute(
            text,
            variable_values=variables,
            context_value=Context(settings=app_settings, engine=engine),
            operation_name="Q",
        )
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    body: dict[str, Any] = {"data": result.data}
    if result.errors:
        body["errors"] = [error.formatted for error in result.errors]
    return orjson.dumps(body), handler.taken > 0


def _node_filter(raw: dict[str, Any] | None, app_settings: Settings) -> Any:
    if raw is None:
        return None
    since = raw.get("updatedSince")
    return NodeFilterInput(
        node_ids=raw.get("nodeIds"),
        types=raw.get("types"),
        label_contains=raw.get("labelContains"),
        updated_since=parse_datetime(since) if since is not None else None,
    ).to_spec(app_settings.limits)


def _relationship_filter(raw: dict[str, Any] | None, app_settings: Settings) -> Any:
    if raw is None:
        return None
    return RelationshipFilterInput(
        types=raw.get("types"),
        source_ids=raw.get("sourceIds"),
        target_ids=raw.get("targetIds"),
        touching=raw.get("touching"),
    ).to_spec(app_settings.limits)


async def cursors(
    engine: AsyncEngine, app_settings: Settings, session_id: str, wanted: dict[str, CursorRef]
) -> dict[str, Any]:
    """Real cursors (or, past the end of the list, a stale-looking string) for the query."""
    found: dict[str, Any] = {}
    if not wanted:
        return found
    async with transaction_context(engine, write=False, limits=app_settings.limits) as db:
        for variable, ref in wanted.items():
            if ref.list_name == "nodes":
                page = await pages.page_nodes(
                    db=db,
                    session_id=session_id,
                    args=PageArgs(100),
                    node_filter=_node_filter(ref.filter, app_settings),
                    order=ref.order,  # type: ignore[arg-type]
                )
            else:
                page = await pages.page_relationships(
                    db=db,
                    session_id=session_id,
                    args=PageArgs(100),
                    rel_filter=_relationship_filter(ref.filter, app_settings),
                )
            found[variable] = page.cursors[ref.k] if ref.k < len(page.cursors) else "WzFd"
    return found


@settings(
    max_examples=50,  # x 2 queries: 100 comparisons, a few seconds on an idle machine
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
@given(data=st.data())
async def test_compiled_path_answers_like_the_general_path(
    settings: Settings, data: st.DataObject
) -> None:
    # An engine per example: nothing pooled outlives the example that opened it.
    engine = create_engine(settings)
    try:
        graph = data.draw(graphs(str(uuid.uuid4())), label="graph")
        await insert_graph(engine, graph)
        for _ in range(2):
            await compare(engine, settings, data.draw(queries(graph), label="query"))
    finally:
        await engine.dispose()


async def compare(engine: AsyncEngine, app_settings: Settings, query: Builder) -> None:
    variables = {
        **query.variables,
        **await cursors(engine, app_settings, query.graph.session_id, query.cursors),
    }
    expected, _ = await run(app_settings, engine, False, query.text, variables)
    actual, fast = await run(app_settings, engine, True, query.text, variables)
    assert actual == expected, (query.text, variables)
    if b'"errors"' not in expected and not query.unsupported:
        assert fast, f"the compiled path did not answer: {query.text}"
