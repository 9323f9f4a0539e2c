"""create_app(settings): the FastAPI application with /graphql, /health, REST and the editor."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.requests import HTTPConnection
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from graph_api import __version__, http_guard
from graph_api.body_limit import BodyLimitMiddleware
from graph_api.caller import slot_in
from graph_api.config import Settings
from graph_api.db.engine import create_engine
from graph_api.db.migrations import upgrade_to_head
from graph_api.events.broker import Broker
from graph_api.events.factory import make_broker
from graph_api.gate import Gate
from graph_api.graphql.context import Context
from graph_api.graphql.router import GraphQLRouter
from graph_api.graphql.schema import build_schema
from graph_api.rate_limit import RateLimiter
from graph_api.rest import PATH_PREFIXES, include_routers
from graph_api.run_limit import RunTimeLimitMiddleware
from graph_api.services.identity.authenticate import Authenticator

log = logging.getLogger("graph_api")

WEB_DIR = Path(__file__).resolve().parent / "web"


async def database_ok(engine: AsyncEngine, *, timeout_s: float) -> bool:
    """One round trip; bounded, so a server that accepts but never answers is 503 too."""
    try:
        async with asyncio.timeout(timeout_s), engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        return True
    except Exception:
        log.exception("health check: the database is unavailable")
        return False


def create_app(settings: Settings | None = None, *, broker: Broker | None = None) -> FastAPI:
    """Build the app for `settings`; the database is migrated when it starts."""
    settings = settings or Settings()
    engine = create_engine(settings)
    broker = broker or make_broker(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if settings.migrate_on_start:
            await upgrade_to_head(engine)
        await broker.start()
        try:
            yield
        finally:
            await broker.stop()
            await engine.dispose()

    app = FastAPI(
        title="graph_api",
        version=__version__,
        summary="Session-scoped knowledge graphs over GraphQL, with a REST surface.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.broker = broker

    async def get_context(connection: HTTPConnection) -> Context:
        return Context(
            settings=settings,
            engine=engine,
            broker=broker,
            publisher=broker.publish,
            identity=slot_in(connection.scope),
        )

    graphql = GraphQLRouter[Context, None](
        build_schema(settings.limits, introspection=settings.introspection),
        context_getter=get_context,
        graphql_ide="graphiql" if settings.graphiql else None,
        subscription_protocols=[GRAPHQL_TRANSPORT_WS_PROTOCOL],
    )
    # POST, the requests that matter for speed, without FastAPI's dependency solving.
    app.add_route("/graphql", graphql.serve_post, methods=["POST"], include_in_schema=False)
    app.include_router(graphql, prefix="/graphql", include_in_schema=False)

    @app.get("/health", tags=["health"])
    async def health() -> JSONResponse:
        if await database_ok(engine, timeout_s=settings.connect_timeout_s):
            return JSONResponse({"status": "ok", "database": "ok"})
        return JSONResponse({"status": "degraded", "database": "unavailable"}, status_code=503)

    @app.exception_handler(Exception)
    async def unexpected(_request: Request, exc: Exception) -> JSONResponse:
        log.error("unhandled error", exc_info=exc)
        return JSONResponse(
            {"error": {"code": "INTERNAL_ERROR", "message": "Internal server error"}},
            status_code=500,
        )

    _mount_extras(app, settings, engine, broker)
    app.add_middleware(BodyLimitMiddleware, limits=settings.limits)
    app.add_middleware(RunTimeLimitMiddleware, seconds=settings.limits.max_run_seconds)
    app.add_middleware(
        Gate,
        authenticator=Authenticator(settings, engine),
        limiter=RateLimiter(settings.rate_limit, redis_url=settings.redis_url)
        if settings.rate_limit
        else None,
        rest_prefixes=PATH_PREFIXES,
    )
    http_guard.install(app, settings)
    return app


def _mount_extras(app: FastAPI, settings: Settings, engine: AsyncEngine, broker: Broker) -> None:
    """REST routes and the editor's static files."""
    include_routers(app, settings=settings, engine=engine, broker=broker)
    # Mounted last: "/" must not shadow /graphql, /health or the REST routes.
    if (WEB_DIR / "index.html").exists():
        app.mount("/", StaticFiles(directory=WEB_DIR, html=True), name="web")
