"""One exception per contract error code (CONTRACT.md §5).

Services raise these; each edge (GraphQL extension, REST handler, CLI) translates
them once. `extensions` holds what the contract adds beside the code.
"""

from __future__ import annotations

from typing import Any, ClassVar


class GraphAPIError(Exception):
    """Base of every error a client may see with its code."""

    code: ClassVar[str] = "INTERNAL_ERROR"
    http_status: ClassVar[int] = 500
    # The message of a code that says it all (a subclass without one must be given one).
    default_message: ClassVar[str | None] = None

    def __init__(self, message: str | None = None, **extensions: Any) -> None:
        message = self.default_message if message is None else message
        if message is None:
            raise TypeError(f"{type(self).__name__} needs a message")
        super().__init__(message)
        self.message = message
        self.extensions: dict[str, Any] = {"code": self.code, **extensions}


class NotFound(GraphAPIError):
    """ "<what> <id> not found"; `field` names the argument that held the id, when given."""

    http_status = 404
    what: ClassVar[str]

    def __init__(self, key: object, *, field: str | None = None) -> None:
        extra = {"field": field} if field else {}
        super().__init__(f"{self.what} {key!s} not found", **extra)


class SessionNotFound(NotFound):
    code = "SESSION_NOT_FOUND"
    what = "Session"


class NodeNotFound(NotFound):
    code = "NODE_NOT_FOUND"
    what = "Node"


class ComponentNotFound(NotFound):
    code = "COMPONENT_NOT_FOUND"
    what = "Component"


class RelationshipNotFound(NotFound):
    code = "RELATIONSHIP_NOT_FOUND"
    what = "Relationship"


class Duplicate(GraphAPIError):
    code = "DUPLICATE"
    http_status = 409


class VersionConflict(GraphAPIError):
    code = "VERSION_CONFLICT"
    http_status = 409

    def __init__(self, what: str, *, expected: int, current: int) -> None:
        super().__init__(
            f"{what} is at version {current}, not {expected}",
            currentVersion=current,
            expectedVersion=expected,
        )


class BadUserInput(GraphAPIError):
    code = "BAD_USER_INPUT"
    http_status = 422

    def __init__(self, message: str, *, field: str, **extensions: Any) -> None:
        super().__init__(message, field=field, **extensions)


class CsvInvalid(GraphAPIError):
    code = "CSV_INVALID"
    http_status = 422

    def __init__(self, message: str, *, problems: list[dict[str, Any]]) -> None:
        super().__init__(message, problems=problems)


class LimitExceeded(GraphAPIError):
    code = "LIMIT_EXCEEDED"
    http_status = 422

    def __init__(self, message: str, *, limit: str | None = None, **extensions: Any) -> None:
        extra = {"limit": limit} if limit else {}
        super().__init__(message, **extra, **extensions)


class InternalError(GraphAPIError):
    code = "INTERNAL_ERROR"
    http_status = 500
    default_message = "Internal server error"


class Unauthenticated(GraphAPIError):
    """No, expired, revoked or invalid credentials where authentication is required (§11)."""

    code = "UNAUTHENTICATED"
    http_status = 401
    default_message = "Authentication required"


class Forbidden(GraphAPIError):
    """A member acting beyond their role (§11)."""

    code = "FORBIDDEN"
    http_status = 403


class PersistedQueryNotFound(GraphAPIError):
    """An automatic persisted query hash the server does not know (§10)."""

    code = "PERSISTED_QUERY_NOT_FOUND"
    http_status = 200  # Apollo's clients expect a 200 GraphQL error so they resend the query
    default_message = "PersistedQueryNotFound"


class BatchAborted(GraphAPIError):
    """An operation of a batch rolled back because another operation of it failed (§13)."""

    code = "BATCH_ABORTED"
    http_status = 200
    default_message = "Rolled back: another operation of this batch failed"
