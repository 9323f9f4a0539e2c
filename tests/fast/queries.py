"""Random read queries over Session / Node / Component / Relationship.

A Builder draws a document: root fields with aliases, arguments given inline or as
variables, named and inline fragments, @include/@skip, repeated fields that merge,
pagination (first, after with real or foreign cursors), filters and orders, and now
and then a field the compiled path leaves to the general one (neighbors, exportCsv).
Cursors are asked for as variables and filled in later from the database.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

from tests.fast.graphs import BAD_NODE_IDS, NODE_IDS, NODE_TYPES, REL_TYPES, Graph

SCALARS = {
    "Session": [
        "id",
        "userId",
        "name",
        "metadata",
        "createdAt",
        "lastAccessed",
        "expiresAt",
        "revision",
        "nodeCount",
        "relationshipCount",
    ],
    "Node": [
        "sessionId",
        "nodeId",
        "label",
        "type",
        "metadata",
        "version",
        "createdAt",
        "updatedAt",
        "componentCount",
    ],
    "Component": [
        "id",
        "nodeId",
        "position",
        "type",
        "content",
        "properties",
        "createdAt",
        "updatedAt",
    ],
    "Relationship": [
        "id",
        "sessionId",
        "sourceId",
        "targetId",
        "type",
        "weight",
        "properties",
        "version",
        "createdAt",
        "updatedAt",
    ],
}
ORDERS = ["NODE_ID_ASC", "NODE_ID_DESC", "LABEL_ASC", "UPDATED_AT_DESC"]


@dataclass
class CursorRef:
    """The k-th cursor of a page read with (filter, order), or of the default list."""

    list_name: str  # "nodes" | "relationships"
    filter: dict[str, Any] | None
    order: str
    k: int


class Literal(str):
    """An enum value: rendered bare."""


def render(value: Any) -> str:
    if isinstance(value, Literal):
        return str(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, int | float | str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(render(item) for item in value) + "]"
    return "{" + ", ".join(f"{key}: {render(item)}" for key, item in value.items()) + "}"


@dataclass
class Builder:
    draw: st.DrawFn
    graph: Graph
    var_defs: list[str] = field(default_factory=list)
    variables: dict[str, Any] = field(default_factory=dict)
    fragments: list[str] = field(default_factory=list)
    cursors: dict[str, CursorRef] = field(default_factory=dict)
    unsupported: bool = False
    count: int = 0
    text: str = ""

    def fresh(self, prefix: str) -> str:
        self.count += 1
        return f"{prefix}{self.count}"

    def maybe(self, p: float = 0.5) -> bool:
        return self.draw(st.floats(0, 1)) < p

    def arg(self, name: str, type_: str, value: Any) -> str:
        if self.maybe(0.4):
            variable = self.fresh("v")
            self.var_defs.append(f"${variable}: {type_}")
            self.variables[variable] = value
            return f"{name}: ${variable}"
        return f"{name}: {render(value)}"

    def directives(self) -> str:
        if not self.maybe(0.15):
            return ""
        name = self.draw(st.sampled_from(["include", "skip"]))
        value = self.draw(st.booleans())
        if self.maybe():
            variable = self.fresh("b")
            self.var_defs.append(f"${variable}: Boolean!")
            self.variables[variable] = value
            return f" @{name}(if: ${variable})"
        return f" @{name}(if: {render(value)})"

    def field(self, text: str) -> str:
        alias = f"{self.fresh('a')}: " if self.maybe(0.25) else ""
        return alias + text

    def selection(self, type_: str, depth: int) -> str:
        fields = [self.field(name) + self.directives() for name in self.scalars(type_)]
        if depth > 0:
            fields += self.objects(type_, depth - 1)
        if self.maybe(0.2):
            fields.append("__typename")
        if not fields or self.maybe(0.1):
            fields.append(self.draw(st.sampled_from(SCALARS[type_])))  # repeated: merged
        self.draw(st.randoms()).shuffle(fields)
        if self.maybe(0.2):  # part of it through a named fragment
            name = self.fresh("F")
            cut = len(fields) // 2
            self.fragments.append(f"fragment {name} on {type_} {{ {' '.join(fields[:cut])} }}")
            fields = [*fields[cut:], f"...{name}"]
        if self.maybe(0.15):
            fields = [f"... on {type_} {{ {' '.join(fields)} }}"]
        return "{ " + " ".join(fields) + " }"

    def scalars(self, type_: str) -> list[str]:
        names = SCALARS[type_]
        return self.draw(st.lists(st.sampled_from(names), unique=True, min_size=1, max_size=4))

    def objects(self, type_: str, depth: int) -> list[str]:
        choices = {
            "Session": [
                self.session_node,
                self.nodes_connection,
                self.relationships_connection,
                self.graph_question,
            ],
            "Node": [self.components, self.endpoint_list, self.node_session, self.rare],
            "Relationship": [self.endpoint],
            "Component": [],
        }[type_]
        if not choices:
            return []
        # Distinct fields: one name with two argument sets would not validate.
        picked = self.draw(st.lists(st.sampled_from(choices), unique=True, max_size=2))
        return [make(depth) for make in picked]

    # ---------------------------------------------------------------- object fields

    def session_node(self, depth: int) -> str:
        node_id = self.draw(st.sampled_from(NODE_IDS + BAD_NODE_IDS[:2]))
        args = self.arg("nodeId", "String!", node_id)
        return self.field(f"node({args}) {self.selection('Node', depth)}")

    def components(self, depth: int) -> str:
        text = self.field(f"components {self.selection('Component', depth)}")
        if self.maybe(0.15):  # the same field twice: sub-selections merge
            text += f" components {self.selection('Component', depth)}"
        return text

    def endpoint_list(self, depth: int) -> str:
        name = self.draw(st.sampled_from(["outgoing", "incoming"]))
        types = self.draw(st.none() | st.lists(st.sampled_from(REL_TYPES), max_size=2))
        args = (
            "" if types is None and self.maybe() else f"({self.arg('types', '[String!]', types)})"
        )
        return self.field(f"{name}{args} {self.selection('Relationship', depth)}")

    def node_session(self, depth: int) -> str:
        return self.field(f"session {self.selection('Session', min(depth, 1))}")

    def endpoint(self, depth: int) -> str:
        name = self.draw(st.sampled_from(["source", "target"]))
        return self.field(f"{name} {self.selection('Node', depth)}")

    def rare(self, depth: int) -> str:
        if not self.maybe(0.1):
            return "nodeId"
        self.unsupported = True
        return "neighbors { nodeId }"

    def graph_question(self, depth: int) -> str:
        """shortestPath, search or typeCounts (CONTRACT.md §12): the general path answers."""
        self.unsupported = True
        kind = self.draw(st.sampled_from(["path", "search", "counts"]))
        if kind == "counts":
            return self.field("typeCounts { nodes { type count } relationships { type count } }")
        if kind == "search":
            words = [row["label"] for row in self.graph.nodes] + ["abc", "x*", "é", "!"]
            args = [self.arg("query", "String!", self.draw(st.sampled_from(words)))]
            if self.maybe(0.3):
                args.append(self.arg("first", "Int", self.draw(st.sampled_from([0, 1, 3]))))
            if self.maybe(0.3):
                types = self.draw(st.lists(st.sampled_from(NODE_TYPES), max_size=2))
                args.append(self.arg("types", "[String!]", types))
            hit = f"{{ score matchedIn node {self.selection('Node', depth)} }}"
            return self.field(f"search({', '.join(args)}) {hit}")
        ends = st.sampled_from(NODE_IDS + BAD_NODE_IDS[:1])
        args = [
            self.arg("from", "String!", self.draw(ends)),
            self.arg("to", "String!", self.draw(ends)),
        ]
        if self.maybe():
            direction = self.draw(st.sampled_from(["OUT", "IN", "BOTH"]))
            args.append(self.arg("direction", "Direction", Literal(direction)))
        if self.maybe(0.3):
            args.append(self.arg("maxDepth", "Int", self.draw(st.sampled_from([0, 1, 3, 10]))))
        path = f"{{ length nodes {self.selection('Node', depth)} relationships {{ id type }} }}"
        return self.field(f"shortestPath({', '.join(args)}) {path}")

    # ---------------------------------------------------------------- connections

    def first(self) -> list[str]:
        first = self.draw(st.sampled_from([None, None, 0, 1, 2, 3, 100, -1, 6000]))
        return [] if first is None else [self.arg("first", "Int", first)]

    def after(self, list_name: str, filter_: dict[str, Any] | None, order: str) -> list[str]:
        kind = self.draw(st.sampled_from(["none", "none", "same", "default", "junk"]))
        if kind == "none":
            return []
        if kind == "junk":
            return [self.arg("after", "String", self.draw(st.sampled_from(["x", "", "WzFd"])))]
        variable = self.fresh("c")
        self.var_defs.append(f"${variable}: String")
        same = kind == "same"
        default_order = "NODE_ID_ASC" if list_name == "nodes" else ""
        self.cursors[variable] = CursorRef(
            list_name,
            filter_ if same else None,
            order if same else default_order,
            self.draw(st.integers(0, 3)),
        )
        return [f"after: ${variable}"]

    def connection(self, item: str, depth: int) -> str:
        parts = []
        if self.maybe(0.7):
            parts.append(self.field(f"nodes {self.selection(item, depth)}"))
        if self.maybe(0.5):
            cursor = "cursor " if self.maybe(0.7) else ""
            parts.append(self.field(f"edges {{ {cursor}node {self.selection(item, depth)} }}"))
        if self.maybe(0.5):
            parts.append(self.field("pageInfo { hasNextPage endCursor }"))
        if self.maybe(0.3) or not parts:
            parts.append(self.field("totalCount"))
        return "{ " + " ".join(parts) + " }"

    def nodes_connection(self, depth: int) -> str:
        filter_ = self.node_filter()
        order = self.draw(st.sampled_from(ORDERS))
        args = self.first() + self.after("nodes", filter_, order)
        if filter_ is not None:
            args.append(self.arg("filter", "NodeFilter", filter_))
        if order != "NODE_ID_ASC" or self.maybe(0.2):
            args.append(self.arg("orderBy", "NodeOrder", Literal(order)))
        text = f"nodes({', '.join(args)})" if args else "nodes"
        return self.field(f"{text} {self.connection('Node', depth)}")

    def relationships_connection(self, depth: int) -> str:
        filter_ = self.relationship_filter()
        args = self.first() + self.after("relationships", filter_, "")
        if filter_ is not None:
            args.append(self.arg("filter", "RelationshipFilter", filter_))
        text = f"relationships({', '.join(args)})" if args else "relationships"
        return self.field(f"{text} {self.connection('Relationship', depth)}")

    def node_filter(self) -> dict[str, Any] | None:
        if not self.maybe(0.4):
            return None
        ids = st.lists(st.sampled_from(NODE_IDS + BAD_NODE_IDS), max_size=3)
        labels = [row["label"] for row in self.graph.nodes] + ["%", "_", "\\", "É", "zz"]
        options = {
            "nodeIds": ids,
            "types": st.lists(st.sampled_from(NODE_TYPES), max_size=2),
            "labelContains": st.sampled_from(labels).map(lambda text: text[:2]),
            "updatedSince": st.sampled_from(
                ["2026-01-01T00:00:02Z", "2026-01-01T02:00:01+02:00", "2026-01-01T00:00:03"]
            ),
        }
        keys = self.draw(st.lists(st.sampled_from(sorted(options)), unique=True, max_size=2))
        return {key: self.draw(options[key]) for key in keys}

    def relationship_filter(self) -> dict[str, Any] | None:
        if not self.maybe(0.4):
            return None
        ids = st.lists(st.sampled_from(NODE_IDS + BAD_NODE_IDS[:1]), max_size=2)
        options = {
            "types": st.lists(st.sampled_from(REL_TYPES), max_size=2),
            "sourceIds": ids,
            "targetIds": ids,
            "touching": st.sampled_from(NODE_IDS + BAD_NODE_IDS[:1]),
        }
        keys = self.draw(st.lists(st.sampled_from(sorted(options)), unique=True, max_size=2))
        return {key: self.draw(options[key]) for key in keys}

    # ---------------------------------------------------------------- the document

    def root(self) -> str:
        roots = []
        for _ in range(self.draw(st.integers(1, 2))):
            if self.maybe(0.75):
                ids = [
                    self.graph.session_id,
                    self.graph.session_id.upper(),
                    "nope",
                    "00000000-0000-4000-8000-000000000000",
                ]
                session_id = self.draw(st.sampled_from(ids[:1] * 4 + ids))
                selection = self.selection("Session", self.draw(st.integers(1, 3)))
                roots.append(
                    self.field(f"session({self.arg('id', 'ID!', session_id)}) {selection}")
                )
            else:
                ids = [self.graph.session_id] * 6 + ["nope"]
                args = [
                    self.arg("sessionId", "ID!", self.draw(st.sampled_from(ids))),
                    self.arg("nodeId", "String!", self.draw(st.sampled_from([*NODE_IDS, "é"]))),
                ]
                selection = self.selection("Node", self.draw(st.integers(0, 2)))
                roots.append(self.field(f"node({', '.join(args)}) {selection}"))
        if self.maybe(0.1):
            roots.append("__typename")
        header = f"query Q({', '.join(self.var_defs)})" if self.var_defs else "query Q"
        return "\n".join([f"{header} {{ {' '.join(roots)} }}", *self.fragments])


@st.composite
def queries(draw: st.DrawFn, graph: Graph) -> Builder:
    builder = Builder(draw, graph)
    builder.text = builder.root()
    return builder
