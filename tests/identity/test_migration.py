"""Migration 0004 keeps an existing database working: its sessions stay as they were
without authentication, and are nobody's (so hidden) with it until `sessions assign`."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from sqlalchemy import func, insert, select

from graph_api.caller import Caller
from graph_api.config import Settings
from graph_api.db.engine import create_engine
from graph_api.db.migrations import alembic_config, upgrade_to_head
from graph_api.db.models import session_members, sessions
from graph_api.db.transaction import transaction_context
from graph_api.services import sessions as session_service
from graph_api.services.identity import sharing


async def test_a_database_from_before_identity(tmp_path: Path) -> None:
    engine = create_engine(Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"))
    try:
        async with engine.connect() as conn:
            conn = await conn.execution_options(graph_api_write=True)
            await conn.run_sync(
                lambda c: command.upgrade(alembic_config(c), "0003")
            )  # the revision before 0004
            await conn.commit()
        # Written as that version of the schema stores a session (today's services would
        # also write tables of later migrations).
        old_id = str(uuid.uuid4())
        now = datetime.now(UTC)
        async with engine.begin() as conn:
            await conn.execute(
                insert(sessions).values(
                    id=old_id,
                    name="old",
                    metadata={},
                    created_at=now,
                    last_accessed=now,
                    expires_at=now,
                    revision=1,
                )
            )
        await upgrade_to_head(engine)
        async with transaction_context(engine, write=False) as db:  # GRAPH_API_AUTH=none
            row = await session_service.get_session(db=db, session_id=old_id)
            assert row is not None and row.name == "old" and row.revision == 1
            members = select(func.count()).select_from(session_members)
            assert (await db.execute(members)).scalar_one() == 0
        async with transaction_context(engine, write=False, caller=Caller("ann")) as db:
            assert await session_service.get_session(db=db, session_id=old_id) is None
        async with transaction_context(engine, write=True) as db:
            await sharing.assign_owner(db=db, session_id=old_id, user_id="ann")
        async with transaction_context(engine, write=False, caller=Caller("ann")) as db:
            row = await session_service.get_session(db=db, session_id=old_id)
            assert row is not None and row.user_id == "ann"
    finally:
        await engine.dispose()
