"""Path, SearchHit and TypeCount(s): the answers of Session's graph questions (CONTRACT.md §12)."""

from __future__ import annotations

import strawberry

from graph_api.graphql.context import Info
from graph_api.graphql.types.node import Node
from graph_api.graphql.types.relationship import Relationship
from graph_api.services.graph import counts, paths, search


@strawberry.type
class Path:
    length: int = strawberry.field(
        description="Number of relationships on the path; 0 when from = to."
    )
    nodes: list[Node] = strawberry.field(description="from, ..., to: length + 1 nodes.")
    relationships: list[Relationship]

    @classmethod
    def from_path(cls, path: paths.Path, info: Info) -> Path:
        info.context.loaders.prime_nodes(path.nodes)
        return cls(
            length=len(path.relationships),
            nodes=[Node.from_row(row) for row in path.nodes],
            relationships=[Relationship.from_row(row) for row in path.relationships],
        )


@strawberry.type
class SearchHit:
    node: Node
    score: float
    matched_in: list[str] = strawberry.field(
        description='Where the words matched: "label" and/or "components".'
    )

    @classmethod
    def from_hit(cls, hit: search.SearchHit) -> SearchHit:
        return cls(node=Node.from_row(hit.node), score=hit.score, matched_in=hit.matched_in)


@strawberry.type
class TypeCount:
    type: str
    count: int


@strawberry.type
class TypeCounts:
    nodes: list[TypeCount]
    relationships: list[TypeCount]

    @classmethod
    def from_counts(cls, found: counts.TypeCounts) -> TypeCounts:
        return cls(
            nodes=[TypeCount(type=name, count=n) for name, n in found.nodes],
            relationships=[TypeCount(type=name, count=n) for name, n in found.relationships],
        )
