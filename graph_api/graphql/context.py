"""The typed per-request context: settings, engine, the unit of work and its loaders."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import strawberry
from sqlalchemy.ext.asyncio import AsyncEngine
from strawberry.fastapi import BaseContext

from graph_api.caller import Caller, CallerSlot
from graph_api.config import Settings
from graph_api.db.transaction import Publisher, UnitOfWork
from graph_api.graphql.loaders import Loaders
from graph_api.services.changes import log as change_service

if TYPE_CHECKING:
    from graph_api.events.broker import Broker


class Context(BaseContext):
    def __init__(
        self,
        *,
        settings: Settings,
        engine: AsyncEngine,
        broker: Broker | None = None,
        publisher: Publisher | None = None,
        identity: CallerSlot | None = None,
    ) -> None:
        super().__init__()
        # Filled by the door (graph_api/gate.py), perhaps later for a WebSocket.
        self.identity = identity or CallerSlot()
        self.settings = settings
        self.engine = engine
        self.broker = broker
        self.publisher = publisher
        self._uow: UnitOfWork | None = None
        self._loaders: Loaders | None = None
        self._loaders_generation = 0
        # True while graphql/batch.py runs a batch's operations in its one transaction:
        # each operation then uses the bound unit of work instead of opening its own.
        self.batched = False

    @property
    def caller(self) -> Caller | None:
        return self.identity.caller

    def bind(self, uow: UnitOfWork) -> None:
        """Attach the request's transaction (done once per operation or batch, by
        extensions.RequestTransaction)."""
        self._uow = uow
        self._loaders = Loaders(uow)
        self._loaders_generation = change_service.generation(db=uow)

    @property
    def db(self) -> UnitOfWork:
        if self._uow is None:
            raise RuntimeError("no transaction is open for this request")
        return self._uow

    @property
    def loaders(self) -> Loaders:
        if self._loaders is None or self._uow is None:
            raise RuntimeError("no transaction is open for this request")
        if self._uow.write:
            # A mutation's later fields must not see rows cached before its earlier writes.
            generation = change_service.generation(db=self._uow)
            if generation != self._loaders_generation:
                self._loaders = Loaders(self._uow)
                self._loaders_generation = generation
        return self._loaders


Info = strawberry.Info[Context, Any]
