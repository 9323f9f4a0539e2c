"""A node's component sequence: positions stay 0..n-1 with no gaps after every change.

Every change bumps the node's version; expectedVersion is checked before anything else.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, delete, func, insert, select, update

from graph_api.db.models import components, nodes
from graph_api.db.transaction import UnitOfWork
from graph_api.errors import BadUserInput, ComponentNotFound
from graph_api.services import access, clock, node_rows
from graph_api.services import nodes as node_service
from graph_api.services.specs import ComponentPatch, ComponentSpec
from graph_api.services.validation import (
    changed_values,
    check_content,
    check_json_object,
    check_type,
)

_MAX_ID = 2**63 - 1


async def _components_of(*, db: UnitOfWork, session_id: str, node_id: str) -> list[Row[Any]]:
    return list(
        (
            await db.execute(
                select(components)
                .where(components.c.session_id == session_id, components.c.node_id == node_id)
                .order_by(components.c.position)
            )
        ).all()
    )


async def _count(*, db: UnitOfWork, session_id: str, node_id: str) -> int:
    return int(
        (
            await db.execute(
                select(func.count()).where(
                    components.c.session_id == session_id, components.c.node_id == node_id
                )
            )
        ).scalar_one()
    )


async def replace_components(
    *, db: UnitOfWork, session_id: str, node_id: str, rows: list[dict[str, Any]]
) -> bool:
    """Replace the sequence with validated rows; False (and nothing written) when identical."""
    current = await _components_of(db=db, session_id=session_id, node_id=node_id)
    if node_rows.same_components(current, rows):
        return False
    await db.execute(
        delete(components).where(
            components.c.session_id == session_id, components.c.node_id == node_id
        )
    )
    if rows:
        await db.execute(insert(components), rows)
    return True


async def set_components(
    db: UnitOfWork,
    session_id: str,
    node_id: str,
    specs: Sequence[ComponentSpec],
    *,
    expected_version: int | None = None,
) -> Row[Any]:
    """Replace the whole sequence; an identical sequence keeps ids and bumps nothing."""
    session_id = await access.start_change(db, session_id, expected_version)
    rows = node_rows.component_rows(session_id, node_id, specs, db.limits, field="components")
    node = await node_service.get_node_for_change(
        db=db, session_id=session_id, node_id=node_id, expected_version=expected_version
    )
    if not await replace_components(db=db, session_id=session_id, node_id=node_id, rows=rows):
        return node
    return await node_service.bump_node(
        db=db, session_id=session_id, node_id=node_id, components_changed=True
    )


async def add_component(
    db: UnitOfWork,
    session_id: str,
    node_id: str,
    spec: ComponentSpec,
    *,
    position: int | None = None,
    expected_version: int | None = None,
) -> Row[Any]:
    """Insert at `position` (default: the end), shifting later components up by one."""
    session_id = await access.start_change(db, session_id, expected_version)
    values = node_rows.check_component(spec, db.limits, field="component")
    await node_service.get_node_for_change(
        db=db, session_id=session_id, node_id=node_id, expected_version=expected_version
    )
    count = await _count(db=db, session_id=session_id, node_id=node_id)
    if position is None:
        position = count
    if not 0 <= position <= count:
        raise BadUserInput(f"position must be between 0 and {count}", field="position")
    await _shift(db=db, session_id=session_id, node_id=node_id, start=position, stop=None, by=1)
    now = clock.now()
    await db.execute(
        insert(components).values(
            session_id=session_id,
            node_id=node_id,
            position=position,
            created_at=now,
            updated_at=now,
            **values,
        )
    )
    return await node_service.bump_node(
        db=db, session_id=session_id, node_id=node_id, components_changed=True
    )


async def _shift(
    *, db: UnitOfWork, session_id: str, node_id: str, start: int, stop: int | None, by: int
) -> None:
    """Move positions in [start, stop] (stop None: to the end) by `by`."""
    condition = [
        components.c.session_id == session_id,
        components.c.node_id == node_id,
        components.c.position >= start,
    ]
    if stop is not None:
        condition.append(components.c.position <= stop)
    await db.execute(
        update(components).where(*condition).values(position=components.c.position + by)
    )


async def _component_for_change(
    *, db: UnitOfWork, session_id: str, component_id: str, expected_version: int | None
) -> Row[Any]:
    try:
        numeric = int(component_id)
    except (TypeError, ValueError):
        raise ComponentNotFound(component_id) from None
    if not 0 < numeric <= _MAX_ID or str(numeric) != component_id:
        raise ComponentNotFound(component_id)
    row = (
        await db.execute(
            select(components).where(
                components.c.id == numeric, components.c.session_id == session_id
            )
        )
    ).first()
    if row is None:
        raise ComponentNotFound(component_id)
    await node_service.get_node_for_change(
        db=db, session_id=session_id, node_id=row.node_id, expected_version=expected_version
    )
    return row


async def _checked_component(
    *, db: UnitOfWork, session_id: str, component_id: str, expected_version: int | None
) -> tuple[str, Row[Any]]:
    """The checks every change to one component makes first, in their error order."""
    session_id = await access.start_change(db, session_id, expected_version)
    row = await _component_for_change(
        db=db, session_id=session_id, component_id=component_id, expected_version=expected_version
    )
    return session_id, row


async def _bump_owner(*, db: UnitOfWork, session_id: str, row: Row[Any]) -> Row[Any]:
    """A changed component is a change to its node: bump that node and return it."""
    return await node_service.bump_node(
        db=db, session_id=session_id, node_id=row.node_id, components_changed=True
    )


async def _node(db: UnitOfWork, session_id: str, node_id: str) -> Row[Any]:
    return (
        await db.execute(
            select(nodes).where(nodes.c.session_id == session_id, nodes.c.node_id == node_id)
        )
    ).one()


async def update_component(
    *,
    db: UnitOfWork,
    session_id: str,
    component_id: str,
    patch: ComponentPatch,
    expected_version: int | None = None,
) -> Row[Any]:
    """Patch one component; returns its node (bumped only when something changed)."""
    session_id = await access.start_change(db, session_id, expected_version)
    values: dict[str, Any] = {}
    if patch.type is not None:
        values["type"] = check_type(patch.type, db.limits)
    if patch.content is not None:
        values["content"] = check_content(patch.content, db.limits)
    if patch.properties is not None:
        values["properties"] = check_json_object(patch.properties, db.limits, field="properties")
    row = await _component_for_change(
        db=db, session_id=session_id, component_id=component_id, expected_version=expected_version
    )
    changed = changed_values(row, values)
    if not changed:
        return await _node(db, session_id, row.node_id)
    await db.execute(
        update(components)
        .where(components.c.id == row.id)
        .values(**changed, updated_at=clock.now())
    )
    return await _bump_owner(db=db, session_id=session_id, row=row)


async def move_component(
    *,
    db: UnitOfWork,
    session_id: str,
    component_id: str,
    to_position: int,
    expected_version: int | None = None,
) -> Row[Any]:
    """Move one component to `to_position`, shifting those in between."""
    session_id, row = await _checked_component(
        db=db, session_id=session_id, component_id=component_id, expected_version=expected_version
    )
    count = await _count(db=db, session_id=session_id, node_id=row.node_id)
    if not 0 <= to_position < count:
        raise BadUserInput(f"toPosition must be between 0 and {count - 1}", field="toPosition")
    if to_position == row.position:
        return await _node(db, session_id, row.node_id)
    # Those between the old and the new place shift one step towards the old place.
    up = to_position < row.position
    await _shift(
        db=db,
        session_id=session_id,
        node_id=row.node_id,
        start=to_position if up else row.position + 1,
        stop=row.position - 1 if up else to_position,
        by=1 if up else -1,
    )
    await db.execute(
        update(components).where(components.c.id == row.id).values(position=to_position)
    )
    return await _bump_owner(db=db, session_id=session_id, row=row)


async def remove_component(
    *,
    db: UnitOfWork,
    session_id: str,
    component_id: str,
    expected_version: int | None = None,
) -> Row[Any]:
    """Remove one component and close the gap."""
    session_id, row = await _checked_component(
        db=db, session_id=session_id, component_id=component_id, expected_version=expected_version
    )
    await db.execute(delete(components).where(components.c.id == row.id))
    await _shift(
        db=db, session_id=session_id, node_id=row.node_id, start=row.position + 1, stop=None, by=-1
    )
    return await _bump_owner(db=db, session_id=session_id, row=row)
