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
_LOST_SQLSTATES = ("08", "57P01", "57P02", "57P03")
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
_UNIQUE_FIELDS = {"pk_nodes": "nodeId", "pk_saves": "saveId", "uq_relationships": "type"}
_FK_FIELDS = {"source_id": "sourceId", "target_id": "targetId", "node_id": "nodeId"}
_KEY_DETAIL = re.compile(r"Key \((?P<columns>[^)]*)\)=\((?P<values>.*)\)")


def contract_error(exc: BaseException) -> GraphAPIError | None:
    """The contract error for a database or driver failure; None when `exc` is not one."""
    if isinstance(exc, GraphAPIError):
        return exc
    if isinstance(exc, sa_exc.TimeoutError):  # no pooled connection free in pool_timeout
        return _transient(BUSY)
    if isinstance(exc, sa_exc.DBAPIError):
        if exc.connection_invalidated or isinstance(exc, sa_exc.InterfaceError):
            return _transient(CONNECTION_LOST)
        return _from_driver(exc.orig) or InternalError()
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
    return _transient(UNAVAILABLE)  # refused, unreachable, connect timeout, too many clients


def _from_driver(orig: BaseException | None) -> GraphAPIError | None:
    if orig is None:
        return None
    state = _sqlstate(orig)
    if state is None:
        return None
    cause = orig.__cause__ if orig.__cause__ is not None else orig
    constraint = str(getattr(cause, "constraint_name", None) or _sqlite_constraint(orig))
    detail = str(getattr(cause, "detail", None) or "")
    if state == "23505":
        field = next((f for key, f in _UNIQUE_FIELDS.items() if constraint.startswith(key)), None)
        extra = {"field": field} if field else {}
        return Duplicate("The request conflicts with existing data", **extra)
    if state == "23503":
        return _missing_reference(constraint, detail)
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


def _missing_reference(constraint: str, detail: str) -> GraphAPIError:
    """A foreign key miss: the session (…_session_id_sessions) or a node (…_nodes)."""
    match = _KEY_DETAIL.search(detail)
    columns = match.group("columns").split(", ") if match else []
    values = match.group("values").split(", ") if match else []
    if constraint.endswith("_sessions"):
        return SessionNotFound(values[0] if values else "(unknown)")
    column = columns[-1] if columns else "node_id"
    node_id = values[-1] if values else "(unknown)"
    return NodeNotFound(node_id, field=_FK_FIELDS.get(column, "nodeId"))


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
    # "CHECK constraint failed: ck_nodes_label_not_empty"
    text = str(orig)
    return text.rsplit(": ", 1)[-1] if "constraint failed" in text else ""


def _is_asyncpg_interface_error(exc: BaseException) -> bool:
    # asyncpg's InterfaceError family: ConnectionDoesNotExistError, "connection is closed".
    return any(
        cls.__module__.startswith("asyncpg") and cls.__name__ == "InterfaceError"
        for cls in type(exc).__mro__
    )
