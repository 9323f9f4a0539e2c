"""The REST surface (CONTRACT.md §8): thin routes over the same service layer."""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine

from graph_api.config import Settings
from graph_api.events.broker import Broker
from graph_api.rest import bulk, bulk_progress, components, nodes, relationships, sessions
from graph_api.rest.deps import RestRuntime, install_runtime
from graph_api.rest.docs import serve_docs_offline
from graph_api.rest.errors import install_error_handlers

_ROUTERS = (sessions, nodes, components, relationships, bulk)
# Where the REST routes live (the door guards these paths: graph_api/gate.py).
PATH_PREFIXES = frozenset(module.router.prefix for module in _ROUTERS)


def include_routers(
    app: FastAPI, *, settings: Settings, engine: AsyncEngine, broker: Broker
) -> None:
    """Attach every REST router to `app`, with its error handlers and offline /docs."""
    install_runtime(app, RestRuntime(settings=settings, engine=engine, broker=broker))
    install_error_handlers(app)
    for module in (sessions, nodes, components, relationships):
        app.include_router(module.router)
    app.include_router(bulk.router)  # issue 7: CSV import, whole-graph export
    app.include_router(bulk_progress.router)  # issue 18: an import's progress as SSE
    serve_docs_offline(app)
