"""Identity and sharing types (CONTRACT.md §11): User, SessionRole, SessionMember, "my sessions"."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from graph_api.graphql.types.common import PageInfo, page_parts
from graph_api.services.access import Role
from graph_api.services.identity.sharing import Member, SessionPage

if TYPE_CHECKING:
    from graph_api.graphql.types.session import Session

SessionRole = strawberry.enum(Role, name="SessionRole")


@strawberry.type
class User:
    id: str


@strawberry.type
class SessionMember:
    user_id: str
    role: SessionRole  # type: ignore[valid-type]
    added_at: datetime

    @classmethod
    def from_member(cls, member: Member) -> SessionMember:
        return cls(user_id=member.user_id, role=member.role, added_at=member.added_at)


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
