"""Annotated dependency aliases of the REST routes: the request's unit of work, its limits.

One request is one transaction (CONTRACT.md §2), opened here and nowhere else in
`rest/`: `WriteDb` for the routes that change something (and for validate, which
touches lastAccessed), `ReadDb`, a read snapshot, for the others. Both run with
FastAPI's `scope="function"`: the transaction closes right after the route
returned and its response model was serialised, *before* anything is sent, so a
failed commit still becomes an error response and no client sees a success that
was not kept. The publisher is the broker's, so REST writes reach subscribers.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, FastAPI, Path, Query, Request
from sqlalchemy.ext.asyncio import AsyncEngine

from graph_api.caller import Caller, slot_in
from graph_api.config import Limits, Settings
from graph_api.db.errors import contract_error, unavailable_error
from graph_api.db.transaction import UnitOfWork, transaction_context
from graph_api.errors import GraphAPIError
from graph_api.events.broker import Broker


@dataclass(frozen=True)
class RestRuntime:
    """What the REST routes need from the app: given once by include_routers."""

    settings: Settings
    engine: AsyncEngine
    broker: Broker


def install_runtime(app: FastAPI, runtime: RestRuntime) -> None:
    app.state.rest_runtime = runtime


def get_runtime(request: Request) -> RestRuntime:
    runtime = getattr(request.app.state, "rest_runtime", None)
    if not isinstance(runtime, RestRuntime):
        raise RuntimeError("include_routers() was not called for this app")
    return runtime


Runtime = Annotated[RestRuntime, Depends(get_runtime)]


def get_limits(runtime: Runtime) -> Limits:
    return runtime.settings.limits


RequestLimits = Annotated[Limits, Depends(get_limits)]


def get_caller(request: Request) -> Caller | None:
    """Who calls (graph_api/gate.py found out); the unit of work carries it to the services."""
    return slot_in(request.scope).caller


RequestCaller = Annotated[Caller | None, Depends(get_caller)]


@asynccontextmanager
async def _unit_of_work(
    runtime: RestRuntime, caller: Caller | None, *, write: bool
) -> AsyncIterator[UnitOfWork]:
    opened = False
    try:
        async with transaction_context(
            runtime.engine,
            write=write,
            limits=runtime.settings.limits,
            publisher=runtime.broker.publish,
            caller=caller,
        ) as db:
            opened = True
            yield db
    except GraphAPIError:
        raise
    except Exception as exc:
        # What only the database could see (a race on a unique key, a lost connection,
        # a timeout) leaves with its contract code, exactly as in GraphQL.
        error = contract_error(exc) if opened else unavailable_error(exc)
        if error is None:
            raise
        raise error from exc


async def write_unit_of_work(runtime: Runtime, caller: RequestCaller) -> AsyncIterator[UnitOfWork]:
    """A write transaction (BEGIN IMMEDIATE on SQLite), committed if the route succeeds."""
    async with _unit_of_work(runtime, caller, write=True) as db:
        yield db


async def read_unit_of_work(runtime: Runtime, caller: RequestCaller) -> AsyncIterator[UnitOfWork]:
    """A read snapshot: every read of the request sees one state."""
    async with _unit_of_work(runtime, caller, write=False) as db:
        yield db


WriteDb = Annotated[UnitOfWork, Depends(write_unit_of_work, scope="function")]
ReadDb = Annotated[UnitOfWork, Depends(read_unit_of_work, scope="function")]

# Path parameters are plain strings on purpose: a malformed session id is
# SESSION_NOT_FOUND (404) from the service layer, never FastAPI's 422.
SessionId = Annotated[
    str,
    Path(
        description=(
            "The session's UUID, case-insensitive. Anything else is 404 SESSION_NOT_FOUND."
        ),
        examples=["4f6b2c1e-8d2a-4c3b-9e8f-0a1b2c3d4e5f"],
    ),
]
NodeId = Annotated[
    str,
    Path(description="The node's id within its session, e.g. N001.", examples=["N001"]),
]
RelationshipId = Annotated[
    str,
    Path(description="The relationship's id (an opaque decimal string).", examples=["1"]),
]

# The page arguments of every list: the same limits as GraphQL's first/after.
_LIMIT_DESCRIPTION = "Page size: default 100, at most 5000 (configurable); negative is 422."
_CURSOR_DESCRIPTION = (
    "`next_cursor` of the previous page; valid only for the same list, filter and order."
)
Limit = Annotated[int | None, Query(description=_LIMIT_DESCRIPTION)]
Cursor = Annotated[str | None, Query(description=_CURSOR_DESCRIPTION)]
