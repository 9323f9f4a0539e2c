"""A session as GraphML or GEXF, for Gephi, yEd, Cytoscape and networkx, streamed in pages.

Both are written by hand (a few lines of XML each, escaped by the standard
library) so that a session of any size streams out without building a graph in
memory. The attributes keep everything the CSV export keeps: the node id is
the element id; `label`, `type`, `metadata` and `components` (JSON text) on
nodes; `type`, `weight` (when set) and `properties` (JSON text) on edges, whose
GEXF `label` is the type too, so tools that show edge labels show it. Edges are
directed; parallel edges (same endpoints, other types) are kept, each with its
relationship id as the edge id.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from typing import Any, Literal
from xml.sax.saxutils import escape, quoteattr

from graph_api.db.transaction import UnitOfWork
from graph_api.services.csv.export import (
    component_dict,
    json_text,
    node_pages,
    relationship_pages,
)

GraphFormat = Literal["graphml", "gexf"]
_CR = {"\r": "&#13;"}

_GRAPHML_HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<graphml xmlns="http://graphml.graphdrawing.org/xmlns" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" \
xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns \
http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">
  <key id="label" for="node" attr.name="label" attr.type="string"/>
  <key id="type" for="node" attr.name="type" attr.type="string"/>
  <key id="metadata" for="node" attr.name="metadata" attr.type="string"/>
  <key id="components" for="node" attr.name="components" attr.type="string"/>
  <key id="rel_type" for="edge" attr.name="type" attr.type="string"/>
  <key id="weight" for="edge" attr.name="weight" attr.type="double"/>
  <key id="properties" for="edge" attr.name="properties" attr.type="string"/>
  <graph id={graph_id} edgedefault="directed">
"""
_GRAPHML_TAIL = "  </graph>\n</graphml>\n"

_GEXF_HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<gexf xmlns="http://www.gexf.net/1.2draft" version="1.2">
  <meta><creator>graph_api</creator><description>session {graph_id}</description></meta>
  <graph defaultedgetype="directed" mode="static">
    <attributes class="node">
      <attribute id="type" title="type" type="string"/>
      <attribute id="metadata" title="metadata" type="string"/>
      <attribute id="components" title="components" type="string"/>
    </attributes>
    <attributes class="edge">
      <attribute id="type" title="type" type="string"/>
      <attribute id="properties" title="properties" type="string"/>
    </attributes>
"""


async def iter_graph(*, db: UnitOfWork, session_id: str, fmt: GraphFormat) -> AsyncIterator[str]:
    """The whole session in `fmt`, one chunk per page of nodes or relationships."""
    graphml = fmt == "graphml"
    head = _GRAPHML_HEAD if graphml else _GEXF_HEAD
    yield head.replace("{graph_id}", quoteattr(session_id) if graphml else escape(session_id))
    if not graphml:
        yield "    <nodes>\n"
    async for page in node_pages(db=db, session_id=session_id):
        yield "".join(
            _node(row, [component_dict(c) for c in sequence], graphml) for row, sequence in page
        )
    if not graphml:
        yield "    </nodes>\n    <edges>\n"
    async for rel_page in relationship_pages(db=db, session_id=session_id):
        yield "".join(_edge(row, graphml) for row in rel_page)
    yield _GRAPHML_TAIL if graphml else "    </edges>\n  </graph>\n</gexf>\n"


def _node(row: Any, sequence: list[dict[str, Any]], graphml: bool) -> str:
    values = {
        "type": row.type,
        "metadata": json_text(row.metadata),
        "components": json_text(sequence),
    }
    if graphml:
        data = _graphml_data({"label": row.label, **values})
        return f"    <node id={quoteattr(row.node_id)}>{data}</node>\n"
    return (
        f"      <node id={quoteattr(row.node_id)} label={quoteattr(row.label)}>"
        f"{_gexf_values(values.items())}</node>\n"
    )


def _edge(row: Any, graphml: bool) -> str:
    ends = f"id={quoteattr(str(row.id))} source={quoteattr(row.source_id)} "
    ends += f"target={quoteattr(row.target_id)}"
    weight = None if row.weight is None else repr(float(row.weight))
    properties = json_text(row.properties)
    if graphml:
        values = {"rel_type": row.type, "weight": weight, "properties": properties}
        return f"    <edge {ends}>{_graphml_data(values)}</edge>\n"
    weight_attr = "" if weight is None else f" weight={quoteattr(weight)}"
    values_text = _gexf_values((("type", row.type), ("properties", properties)))
    return f"      <edge {ends} label={quoteattr(row.type)}{weight_attr}>{values_text}</edge>\n"


def _graphml_data(values: dict[str, str | None]) -> str:
    return "".join(
        # A CR would come back as LF (XML normalises line ends): kept as a character reference.
        f'<data key="{key}">{escape(value, _CR)}</data>'
        for key, value in values.items()
        if value
    )


def _gexf_values(values: Iterable[tuple[str, str]]) -> str:
    items = "".join(f'<attvalue for="{key}" value={quoteattr(value)}/>' for key, value in values)
    return f"<attvalues>{items}</attvalues>"
