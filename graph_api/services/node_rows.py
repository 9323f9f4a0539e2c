"""A node's and its components' column values, checked against the limits, and node ids.

What creating or patching a node writes, before anything is written: the services
of nodes, components and autoSave build their rows here. The ids the server
assigns (N001, N002, ...) follow one rule, also here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select

from graph_api.config import Limits
from graph_api.db.models import nodes
from graph_api.db.transaction import UnitOfWork
from graph_api.services import clock
from graph_api.services.specs import ComponentSpec, NodePatch, NodeSpec
from graph_api.services.validation import (
    check_content,
    check_json_object,
    check_label,
    check_list_length,
    check_type,
    json_equal,
)

# Ids the server assigns: the prefix and the zero-padded width. The editor numbers the nodes
# it creates offline by the same rule, from web/js/rules.js (generated: graph_api/client_rules.py).
ASSIGNED_ID_PREFIX = "N"
ASSIGNED_ID_DIGITS = 3
_ASSIGNED_ID = re.compile(rf"^{ASSIGNED_ID_PREFIX}([0-9]+)$")


def node_row(
    session_id: str, node_id: str, spec: NodeSpec, limits: Limits, *, now: datetime
) -> dict[str, Any]:
    """A new node's row (version 1), its fields checked."""
    return {
        "session_id": session_id,
        "node_id": node_id,
        "label": check_label(spec.label, limits, field="label"),
        "type": check_type(spec.type, limits, field="type"),
        "metadata": check_json_object(spec.metadata, limits, field="metadata"),
        "version": 1,
        "created_at": now,
        "updated_at": now,
    }


def patch_values(patch: NodePatch, limits: Limits) -> dict[str, Any]:
    """The checked values a node patch sets (what it leaves out stays as it is)."""
    values: dict[str, Any] = {}
    if patch.label is not None:
        values["label"] = check_label(patch.label, limits)
    if patch.type is not None:
        values["type"] = check_type(patch.type, limits)
    if patch.metadata is not None:
        values["metadata"] = check_json_object(patch.metadata, limits, field="metadata")
    return values


def check_component(spec: ComponentSpec, limits: Limits, *, field: str) -> dict[str, Any]:
    """A component input as column values (without position and ids)."""
    return {
        "type": check_type(spec.type, limits, field=f"{field}.type"),
        "content": check_content(spec.content or "", limits, field=f"{field}.content"),
        "properties": check_json_object(spec.properties, limits, field=f"{field}.properties"),
    }


def component_rows(
    session_id: str, node_id: str, specs: Sequence[ComponentSpec], limits: Limits, *, field: str
) -> list[dict[str, Any]]:
    """Validated component rows at positions 0..n-1."""
    check_list_length(specs, limits, field=field)
    now = clock.now()
    return [
        {
            "session_id": session_id,
            "node_id": node_id,
            "position": position,
            **check_component(spec, limits, field=f"{field}[{position}]"),
            "created_at": now,
            "updated_at": now,
        }
        for position, spec in enumerate(specs)
    ]


def same_components(current: Sequence[Any], rows: Sequence[dict[str, Any]]) -> bool:
    """Whether validated rows would leave a sequence as it is (ids and timestamps aside).

    `current` holds rows with the attributes type, content and properties, the
    properties decoded or as stored (JSON text). The cheap columns are compared first:
    a sequence that differs there is told apart without decoding any properties."""
    return (
        len(current) == len(rows)
        and all(
            old.type == new["type"] and old.content == new["content"]
            for old, new in zip(current, rows, strict=True)
        )
        and all(
            json_equal(_decoded(old.properties), new["properties"])
            for old, new in zip(current, rows, strict=True)
        )
    )


def _decoded(properties: Any) -> Any:
    # Properties are a JSON object: text is the stored form, not yet decoded.
    return json.loads(properties) if isinstance(properties, str) else properties


async def next_node_numbers(*, db: UnitOfWork, session_id: str, taken: Iterable[str]) -> int:
    """The number after the highest N<digits> id in the session (and in `taken`)."""
    existing = (
        await db.execute(
            select(nodes.c.node_id).where(
                nodes.c.session_id == session_id, nodes.c.node_id.like(f"{ASSIGNED_ID_PREFIX}%")
            )
        )
    ).scalars()
    highest = 0
    for node_id in (*existing, *taken):
        match = _ASSIGNED_ID.match(node_id)
        if match:
            highest = max(highest, int(match.group(1)))
    return highest + 1


def format_node_id(number: int) -> str:
    return f"{ASSIGNED_ID_PREFIX}{number:0{ASSIGNED_ID_DIGITS}d}"
