"""Enums and small result types shared by the schema."""

from __future__ import annotations

from dataclasses import asdict
from enum import Enum
from typing import Any

import strawberry

from graph_api.graphql.fast.plan import FieldPlan
from graph_api.graphql.fast.registry import batch
from graph_api.graphql.fast.run import Index, Run, leaf
from graph_api.graphql.types.records import RecordView
from graph_api.services.identity.sharing import SessionPage
from graph_api.services.specs import DeleteCounts, Page


@strawberry.enum
class Direction(Enum):
    OUT = "OUT"
    IN = "IN"
    BOTH = "BOTH"


@strawberry.enum
class NodeOrder(Enum):
    NODE_ID_ASC = "NODE_ID_ASC"
    NODE_ID_DESC = "NODE_ID_DESC"
    LABEL_ASC = "LABEL_ASC"
    UPDATED_AT_DESC = "UPDATED_AT_DESC"


@strawberry.enum
class DuplicatePolicy(Enum):
    ERROR = "ERROR"
    SKIP = "SKIP"
    UPDATE = "UPDATE"


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None

    @classmethod
    def of(cls, page: Page | SessionPage) -> PageInfo:
        return cls(has_next_page=page.has_next_page, end_cursor=_end_cursor(page))


def _end_cursor(page: Page | SessionPage) -> str | None:
    return page.cursors[-1] if page.cursors else None


@batch(PageInfo, "has_next_page")
async def _has_next_page_batch(
    run: Run, plan: FieldPlan, sources: list[Page], index: Index
) -> list[Any]:
    return leaf(plan, [page.has_next_page for page in sources])


@batch(PageInfo, "end_cursor")
async def _end_cursor_batch(
    run: Run, plan: FieldPlan, sources: list[Page], index: Index
) -> list[Any]:
    return leaf(plan, [_end_cursor(page) for page in sources])


def page_parts(page: Page | SessionPage, item: type[RecordView], edge: Any) -> dict[str, Any]:
    """edges, nodes and pageInfo of a connection over `page`, items of type `item`."""
    items = [item.from_row(row) for row in page.rows]
    return {
        "edges": [edge(cursor=c, node=i) for c, i in zip(page.cursors, items, strict=True)],
        "nodes": items,
        "page_info": PageInfo.of(page),
    }


@strawberry.type
class DeleteResult:
    deleted: bool
    nodes: int
    components: int
    relationships: int
    revision: int | None = strawberry.field(
        description=(
            "The session's revision after the delete; null when the session itself was deleted."
        )
    )

    @classmethod
    def from_counts(cls, counts: DeleteCounts) -> DeleteResult:
        return cls(**asdict(counts))
