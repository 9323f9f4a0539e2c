"""Identity and sharing types (CONTRACT.md §11): User, SessionRole, SessionMember, "my sessions"."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry

from graph_api.graphql.types.common import PageInfo, page_parts
from graph_api.graphql.types.records import RecordView, record_type
from graph_api.services.access import Role
from graph_api.services.identity.sharing import SessionPage
from graph_api.services.records import MemberRecord

if TYPE_CHECKING:
    from graph_api.graphql.types.session import Session

SessionRole = strawberry.enum(Role, name="SessionRole")


@strawberry.type
class User:
    id: str


@strawberry.type
@record_type(MemberRecord)
class SessionMember(RecordView):
    role: SessionRole  # type: ignore[valid-type]


@strawberry.type
class SessionEdge:
    cursor: str
    node: Annotated[Session, strawberry.lazy("graph_api.graphql.types.session")]


@strawberry.type
class SessionConnection:
    edges: list[SessionEdge]
    nodes: list[Annotated[Session, strawberry.lazy("graph_api.graphql.types.session")]]
    page_info: PageInfo
    total_count: int

    @classmethod
    def from_page(cls, page: SessionPage) -> SessionConnection:
        from graph_api.graphql.types.session import Session

        return cls(**page_parts(page, Session, SessionEdge), total_count=page.total_count)
