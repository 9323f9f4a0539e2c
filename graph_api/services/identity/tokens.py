"""Users and their API tokens (CONTRACT.md §11), managed by the CLI.

A token is `gat_<id>_<secret>`: the id finds the row, and only sha256(secret) is stored,
compared in constant time. The secret is 32 random bytes, so a plain hash is enough (no
slow KDF: nobody can guess 256 bits). A token is shown once, when it is created.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from graph_api.caller import Caller
from graph_api.db.models import api_tokens, users
from graph_api.db.transaction import UnitOfWork
from graph_api.errors import BadUserInput
from graph_api.services import clock
from graph_api.services.validation import check_storable

PREFIX = "gat_"
MAX_USER_ID_LENGTH = 200


@dataclass(frozen=True)
class TokenInfo:
    id: str
    user_id: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None


def check_user_id(user_id: str, *, field: str = "userId") -> str:
    """A user id: non-empty text without surrounding spaces, at most 200 characters."""
    if not user_id or user_id != user_id.strip() or len(user_id) > MAX_USER_ID_LENGTH:
        raise BadUserInput(
            f"{field} must be 1 to {MAX_USER_ID_LENGTH} characters without surrounding spaces",
            field=field,
        )
    return check_storable(user_id, field=field)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


async def add_user(*, db: UnitOfWork, user_id: str) -> bool:
    """Create a user; False when it exists already."""
    check_user_id(user_id, field="name")
    exists = (await db.execute(select(users.c.id).where(users.c.id == user_id))).first()
    if exists is not None:
        return False
    await db.execute(users.insert().values(id=user_id, created_at=clock.now()))
    return True


async def create_token(
    *, db: UnitOfWork, user_id: str, expires_in_days: int | None = None
) -> tuple[str, TokenInfo]:
    """(the token, shown once; its record). The user must exist."""
    if (await db.execute(select(users.c.id).where(users.c.id == user_id))).first() is None:
        raise BadUserInput(f"No user {user_id!r}: add it with `graph-api users add`", field="name")
    if expires_in_days is not None and expires_in_days <= 0:
        raise BadUserInput("--expires must be a positive number of days", field="expires")
    token_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    now = clock.now()
    expires_at = now + timedelta(days=expires_in_days) if expires_in_days else None
    await db.execute(
        api_tokens.insert().values(
            id=token_id,
            user_id=user_id,
            token_hash=_digest(secret),
            created_at=now,
            expires_at=expires_at,
        )
    )
    info = TokenInfo(token_id, user_id, now, expires_at, None)
    return f"{PREFIX}{token_id}_{secret}", info


async def list_tokens(*, db: UnitOfWork, user_id: str) -> list[TokenInfo]:
    """The user's tokens, oldest first (never their secrets)."""
    rows = await db.execute(
        select(api_tokens)
        .where(api_tokens.c.user_id == user_id)
        .order_by(api_tokens.c.created_at, api_tokens.c.id)
    )
    return [_info(row) for row in rows]


async def revoke_token(*, db: UnitOfWork, token_id: str) -> TokenInfo:
    """Revoke a token from now on (again: no change)."""
    row = (await db.execute(select(api_tokens).where(api_tokens.c.id == token_id))).first()
    if row is None:
        raise BadUserInput(f"No token {token_id!r}", field="tokenId")
    if row.revoked_at is None:
        await db.execute(
            update(api_tokens).where(api_tokens.c.id == token_id).values(revoked_at=clock.now())
        )
        row = (await db.execute(select(api_tokens).where(api_tokens.c.id == token_id))).first()
    return _info(row)


def is_api_token(token: str) -> bool:
    return token.startswith(PREFIX)


async def verify_token(*, db: UnitOfWork, token: str) -> Caller | None:
    """The caller an API token proves, or None (unknown, malformed, expired or revoked)."""
    token_id, _, secret = token.removeprefix(PREFIX).partition("_")
    if not token_id or not secret:
        return None
    row = (await db.execute(select(api_tokens).where(api_tokens.c.id == token_id))).first()
    if row is None or not hmac.compare_digest(_digest(secret), row.token_hash):
        return None
    if not _usable(row):
        return None
    return Caller(user_id=row.user_id, token_id=row.id, expires_at=row.expires_at)


async def still_valid(*, db: UnitOfWork, caller: Caller) -> bool:
    """Whether the credential behind `caller` still holds (not revoked, not expired)."""
    if caller.expires_at is not None and caller.expires_at <= clock.now():
        return False
    if caller.token_id is None:
        return True
    row = (await db.execute(select(api_tokens).where(api_tokens.c.id == caller.token_id))).first()
    return row is not None and _usable(row)


def _usable(row: Any) -> bool:
    return row.revoked_at is None and (row.expires_at is None or row.expires_at > clock.now())


def _info(row: Any) -> TokenInfo:
    return TokenInfo(row.id, row.user_id, row.created_at, row.expires_at, row.revoked_at)
