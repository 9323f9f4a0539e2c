"""A session with an owner, an editor and a viewer, a stranger, and three bad tokens.

Built through the services (as an administrator: no caller) on the test's database,
so that every identity test starts from the same, readable cast.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from graph_api.caller import Caller
from graph_api.db.models import api_tokens, components, session_members, sessions
from graph_api.db.transaction import transaction_context
from graph_api.services import clock
from graph_api.services import nodes as node_service
from graph_api.services import relationships as relationship_service
from graph_api.services import sessions as session_service
from graph_api.services.access import Role
from graph_api.services.csv import export as csv_export
from graph_api.services.identity import sharing, tokens
from graph_api.services.specs import ComponentSpec, NodeSpec, RelationshipSpec, SessionSpec

ACTORS = ("owner", "editor", "viewer", "stranger", "no token", "expired token", "revoked token")


@dataclass
class World:
    engine: AsyncEngine
    session_id: str = ""
    tokens: dict[str, str] = field(default_factory=dict)

    def headers(self, actor: str) -> dict[str, str]:
        token = self.tokens.get(actor)
        return {"Authorization": f"Bearer {token}"} if token else {}

    async def admin(self, work: Any) -> Any:
        async with transaction_context(self.engine, write=True) as db:
            return await work(db)

    async def snapshot(self) -> tuple[Any, ...]:
        """Everything a refused request must leave as it was."""

        async def read(db: Any) -> tuple[Any, ...]:
            row = (
                await db.execute(select(sessions).where(sessions.c.id == self.session_id))
            ).first()
            count = (await db.execute(select(func.count()).select_from(sessions))).scalar_one()
            if row is None:
                return ("gone", count)
            exported = await csv_export.export_csv(db=db, session_id=self.session_id)
            members = sorted(
                tuple(m)
                for m in await db.execute(
                    select(session_members.c.user_id, session_members.c.role).where(
                        session_members.c.session_id == self.session_id
                    )
                )
            )
            return (
                count,
                row.revision,
                row.last_accessed,
                row.name,
                exported.nodes_csv,
                exported.relationships_csv,
                members,
            )

        result: tuple[Any, ...] = await self.admin(read)
        return result

    async def add_node(self, node_id: str) -> dict[str, Any]:
        """A node with one component and a relationship to N001, for one attempt."""

        async def add(db: Any) -> dict[str, Any]:
            spec = NodeSpec(
                node_id=node_id,
                label=node_id,
                components=[ComponentSpec(type="text", content="c")],
            )
            await node_service.create_nodes(db=db, session_id=self.session_id, specs=[spec])
            [rel] = await relationship_service.create_relationships(
                db=db,
                session_id=self.session_id,
                specs=[RelationshipSpec(source_id=node_id, target_id="N001", type="t")],
            )
            component = await db.execute(
                select(components.c.id).where(
                    components.c.session_id == self.session_id,
                    components.c.node_id == node_id,
                )
            )
            return {"node": node_id, "rel": str(rel.id), "component": str(component.scalar_one())}

        result: dict[str, Any] = await self.admin(add)
        return result


async def build_world(engine: AsyncEngine) -> World:
    world = World(engine)

    async def cast(db: Any) -> None:
        for name in ("owner", "editor", "viewer", "stranger"):
            await tokens.add_user(db=db, user_id=name)
            world.tokens[name], _ = await tokens.create_token(db=db, user_id=name)
        world.tokens["expired token"], expired = await tokens.create_token(
            db=db, user_id="owner", expires_in_days=1
        )
        await db.execute(
            update(api_tokens)
            .where(api_tokens.c.id == expired.id)
            .values(expires_at=clock.now() - timedelta(minutes=1))
        )
        world.tokens["revoked token"], revoked = await tokens.create_token(db=db, user_id="owner")
        await tokens.revoke_token(db=db, token_id=revoked.id)

    await world.admin(cast)
    async with transaction_context(engine, write=True, caller=Caller("owner")) as db:
        row = await session_service.create_session(db=db, spec=SessionSpec(name="shared"))
        world.session_id = row.id
        for user, role in (("editor", Role.EDITOR), ("viewer", Role.VIEWER)):
            await sharing.share_session(db=db, session_id=row.id, user_id=user, role=role)
    return world
