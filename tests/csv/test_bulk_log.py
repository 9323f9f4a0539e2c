"""The import's change log is written as it goes (services/changes/bulk_log.py, spilled.py).

A later change in the same request to an entity the import logged must still merge
into its net effect, in place, and keep the search documents exact.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from graph_api.db.models import changes, search_documents
from graph_api.services import nodes as node_service
from graph_api.services.csv import importer as csv_import
from graph_api.services.specs import NodePatch

NODES = "node_id,label\na,Apple\nb,Banana\nc,Cherry\n"
RELATIONSHIPS = "source,target,type\na,b,LIKES\nb,c,LIKES\na,c,LIKES\n"


async def _log(unit_of_work: Any, session_id: str) -> list[tuple[Any, ...]]:
    """The last revision's changes, in log order."""
    async with unit_of_work(write=False) as db:
        rows = (
            await db.execute(
                select(changes.c.revision, changes.c.op, changes.c.kind, changes.c.key,
                       changes.c.fields)
                .where(changes.c.session_id == session_id)
                .order_by(changes.c.id)
            )
        ).all()  # fmt: skip
    return [tuple(row)[1:] for row in rows if row.revision == rows[-1].revision]


async def test_changes_after_an_import_merge_into_its_log(
    unit_of_work: Any, new_session: Callable[..., Any]
) -> None:
    session_id = await new_session()
    async with unit_of_work() as db:
        await csv_import.import_csv(
            db=db, session_id=session_id, nodes=NODES, relationships=RELATIONSHIPS,
            options=csv_import.ImportOptions(),
        )  # fmt: skip
        await node_service.update_node(
            db=db, session_id=session_id, node_id="a", patch=NodePatch(label="Zebra")
        )
        await node_service.delete_nodes(db=db, session_id=session_id, node_ids=["b"])
        await node_service.update_node(
            db=db, session_id=session_id, node_id="c", patch=NodePatch(label="Cherry Tree")
        )
    log = await _log(unit_of_work, session_id)
    rel_ids = [key for _, kind, key, _ in log if kind == "RELATIONSHIP"]
    # a and c stay CREATEs in their places; b and its relationships cancel out.
    assert log == [
        ("CREATE", "NODE", "a", None),
        ("CREATE", "NODE", "c", None),
        ("CREATE", "RELATIONSHIP", rel_ids[0], None),
    ]
    async with unit_of_work(write=False) as db:
        documents = (
            await db.execute(
                select(search_documents.c.node_id, search_documents.c.terms).where(
                    search_documents.c.session_id == session_id
                )
            )
        ).all()
    terms = sorted((row.node_id, " ".join(row.terms) if isinstance(row.terms, list) else row.terms)
                   for row in documents)  # fmt: skip
    assert terms == [("a", "zebra"), ("c", "cherry tree")]


async def test_a_deleted_node_created_again_by_an_update_is_one_update(
    unit_of_work: Any, new_session: Callable[..., Any], run_import: Callable[..., Any]
) -> None:
    session_id = await new_session()
    await run_import(session_id, nodes=NODES)
    async with unit_of_work() as db:
        await csv_import.import_csv(
            db=db, session_id=session_id, nodes="node_id,label\na,Avocado\n",
            relationships=None, options=csv_import.ImportOptions(mode="UPSERT"),
        )  # fmt: skip
        await node_service.update_node(
            db=db, session_id=session_id, node_id="a", patch=NodePatch(type="fruit")
        )
        await node_service.delete_nodes(db=db, session_id=session_id, node_ids=["b"])
    log = await _log(unit_of_work, session_id)
    assert log == [("UPDATE", "NODE", "a", "label,type"), ("DELETE", "NODE", "b", None)]
