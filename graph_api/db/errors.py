"""Database and driver failures as the contract's error codes, the same on every engine.

Services check the rules themselves and raise contract errors first; what reaches
here is what only the database could see: a constraint hit by a race, a
deadlock, a statement timeout, a lost or refused connection. `contract_error()`
turns each into the error a client gets: never SQL text, never the driver's
message (the server log keeps the detail). PostgreSQL errors are classified by
SQLSTATE (asyncpg, through SQLAlchemy or raw from COPY); SQLite ones by the
extended error name Python's sqlite3 gives them.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import exc as sa_exc

from graph_api.errors import (
    BadUserInput,
    Duplicate,
    GraphAPIError,
    InternalError,
    NodeNotFound,
    SessionNotFound,
)

CONNECTION_LOST = "Database connection lost; retry the request"
UNAVAILABLE = "The database is unavailable"
TIMED_OUT = "The database did not answer in time (statement timeout); retry the request"
CONFLICT = "The request conflicted with a concurrent request and was rolled back; retry it"
BUSY = "The database is busy; retry the request"
ABORTED = "An earlier error in this request aborted its transaction"

# Class 08 (connection exception) and the ways a server ends a session.
_LOST_SQLSTATES = ("08", "57P01", "57P02")
_RETRY_SQLSTATES = ("40001", "40P01")  # serialization_failure, deadlock_detected
_TIMEOUT_SQLSTATES = ("57014", "55P03")  # query_canceled, lock_not_available
_UNAVAILABLE_SQLSTATES = ("53300", "53400", "57P03")  # too many connections, cannot connect now
_SQLITE_KINDS = {
    "SQLITE_CONSTRAINT_UNIQUE": "23505",
    "SQLITE_CONSTRAINT_PRIMARYKEY": "23505",
    "SQLITE_CONSTRAINT_FOREIGNKEY": "23503",
    "SQLITE_CONSTRAINT_CHECK": "23514",
    "SQLITE_CONSTRAINT_NOTNULL": "23502",
    "SQLITE_BUSY": "SQLITE_BUSY",
    "SQLITE_LOCKED": "SQLITE_BUSY",
}
# Constraint names follow the naming convention in db/models.py.
_CHECK_FIELDS = {"label_not_empty": "label", "position_non_negative": "position"}
# PostgreSQL gives the constraint's name, SQLite the columns ("nodes.session_id, nodes.node_id").
_UNIQUE_FIELDS = {
    "pk_nodes": "nodeId",
    "nodes.node_id": "nodeId",
    "pk_saves": "saveId",
    "saves.save_id": "saveId",
    "uq_relationships": "type",
    "relationships.type": "type",
}
_FK_FIELDS = {"source_id": "sourceId", "target_id": "targetId", "node_id": "nodeId"}
_KEY_DETAIL = re.compile(r"Key \((?P<columns>[^)]*)\)=\((?P<values>.*)\)")
_WRITTEN_TABLE = re.compile(r"^\s*(?:INSERT\s+INTO|UPDATE)\s+\"?(\w+)", re.IGNORECASE)
_SESSION_ONLY_TABLES = {"nodes", "changes", "saves"}


def contract_error(exc: BaseException) -> GraphAPIError | None:
    """The contract error for a database or driver failure; None when `exc` is not one."""
    if isinstance(exc, GraphAPIError):
        return exc
    if isinstance(exc, sa_exc.TimeoutError):  # no pooled connection free in pool_timeout
        return _transient(BUSY)
    if isinstance(exc, sa_exc.DBAPIError):
        if exc.connection_invalidated or isinstance(exc, sa_exc.InterfaceError):
            return _transient(CONNECTION_LOST)
        return _from_driver(exc.orig, exc.statement or "") or InternalError()
    if _sqlstate(exc) is not None:  # a raw asyncpg error (e.g. from COPY)
        return _from_driver(exc)
    if _is_asyncpg_interface_error(exc) or isinstance(exc, ConnectionError):
        return _transient(CONNECTION_LOST)
    if isinstance(exc, TimeoutError):  # asyncpg's command_timeout, the client-side backstop
        return _transient(TIMED_OUT)
    return None


def unavailable_error(exc: BaseException) -> GraphAPIError:
    """The error for a request that could not even open its transaction."""
    if isinstance(exc, GraphAPIError):
        return exc
    if isinstance(exc, sa_exc.TimeoutError):  # every pooled connection busy for pool_timeout
        return _transient(BUSY)
    if isinstance(exc, sa_exc.DBAPIError) and not exc.connection_invalidated:
        # SQLite's BEGIN IMMEDIATE waited out its busy timeout behind another writer.
        mapped = _from_driver(exc.orig)
        if mapped is not None and mapped.message in (BUSY, TIMED_OUT):
            return mapped
    return _transient(UNAVAILABLE)  # refused, unreachable, connect timeout, too many clients


def _from_driver(orig: BaseException | None, statement: str = "") -> GraphAPIError | None:
    if orig is None:
        return None
    state = _sqlstate(orig)
    if state is None:
        return None
    cause = orig.__cause__ if orig.__cause__ is not None else orig
    constraint = str(getattr(cause, "constraint_name", None) or _sqlite_constraint(orig))
    detail = str(getattr(cause, "detail", None) or "")
    if state == "23505":
        field = next((f for key, f in _UNIQUE_FIELDS.items() if key in constraint), None)
        extra = {"field": field} if field else {}
        return Duplicate("The request conflicts with existing data", **extra)
    if state == "23503":
        return _missing_reference(constraint, detail, statement)
    if state in ("23514", "23502"):
        field = next((f for key, f in _CHECK_FIELDS.items() if constraint.endswith(key)), "input")
        return BadUserInput(f"{field} breaks a rule of the data model", field=field)
    if state == "25P02":
        return InternalError(ABORTED)
    if state == "SQLITE_BUSY":
        return _transient(BUSY)
    for states, message in (
        (_RETRY_SQLSTATES, CONFLICT),
        (_TIMEOUT_SQLSTATES, TIMED_OUT),
        (_UNAVAILABLE_SQLSTATES, UNAVAILABLE),
        (_LOST_SQLSTATES, CONNECTION_LOST),
    ):
        if state.startswith(states):
            return _transient(message)
    return InternalError()


def _missing_reference(constraint: str, detail: str, statement: str) -> GraphAPIError:
    """A foreign key miss: the session or a node the request refers to is gone.

    PostgreSQL names the constraint (…_sessions or …_nodes) and the key; SQLite
    says neither, so the table written to tells: nodes, changes and saves only
    refer to sessions; components and relationships to nodes.
    """
    match = _KEY_DETAIL.search(detail)
    columns = match.group("columns").split(", ") if match else []
    values = match.group("values").split(", ") if match else []
    table = _WRITTEN_TABLE.search(statement)
    to_session = constraint.endswith("_sessions") or (
        not constraint and table is not None and table.group(1) in _SESSION_ONLY_TABLES
    )
    if to_session:
        if values:
            return SessionNotFound(values[0])
        return _reworded(SessionNotFound("?"), "The session this request refers to is gone")
    if values:
        return NodeNotFound(values[-1], field=_FK_FIELDS.get(columns[-1], "nodeId"))
    return _reworded(NodeNotFound("?"), "A node this request refers to does not exist")


def _reworded(error: GraphAPIError, message: str) -> GraphAPIError:
    error.message = message
    error.args = (message,)
    return error


def _transient(message: str) -> InternalError:
    error = InternalError(message)
    error.extensions["retryable"] = True
    return error


def _sqlstate(exc: BaseException) -> str | None:
    state = getattr(exc, "sqlstate", None)  # asyncpg and SQLAlchemy's asyncpg adapter
    if isinstance(state, str):
        return state
    name = getattr(exc, "sqlite_errorname", None)  # sqlite3 (Python 3.11+)
    if isinstance(name, str):
        return _SQLITE_KINDS.get(name, "SQLITE")
    return None


def _sqlite_constraint(orig: Any) -> str:
    # "CHECK constraint failed: ck_nodes_label_not_empty"; a foreign key names nothing.
    text = str(orig)
    return text.split("constraint failed: ", 1)[1] if "constraint failed: " in text else ""


def _is_asyncpg_interface_error(exc: BaseException) -> bool:
    # asyncpg's InterfaceError family: ConnectionDoesNotExistError, "connection is closed".
    return any(
        cls.__module__.startswith("asyncpg") and cls.__name__ == "InterfaceError"
        for cls in type(exc).__mro__
    )
