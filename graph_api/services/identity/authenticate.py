"""Bearer credentials to callers: API tokens (looked up every time) and JWTs (verified, cached).

An API token is checked against the database on every request, so that a revocation
(made by the CLI, perhaps in another process) holds for the next request at once. A
JWT cannot be revoked: its verification is cached until it expires (at most 5 minutes),
which keeps signature checks off the hot path.
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from graph_api.caller import Caller
from graph_api.config import Settings
from graph_api.db.transaction import transaction_context
from graph_api.services import clock
from graph_api.services.identity import tokens
from graph_api.services.identity.jwts import JwtVerifier

_JWT_CACHE_SIZE = 4096
_JWT_CACHE_TTL = timedelta(minutes=5)


class Authenticator:
    """Turns the token of an `Authorization: Bearer` header into a Caller, or None."""

    def __init__(self, settings: Settings, engine: AsyncEngine) -> None:
        self.required = settings.auth == "required"
        self.engine = engine
        self.limits = settings.limits
        self.jwt = JwtVerifier(
            public_key_file=settings.jwt_public_key_file,
            jwks_file=settings.jwks_file,
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
        )
        self._jwt_cache: OrderedDict[str, tuple[Caller, datetime]] = OrderedDict()

    async def caller_for(self, authorization: str | None) -> Caller | None:
        """The caller an Authorization header value proves; None when it proves nobody."""
        token = bearer_token(authorization)
        if token is None:
            return None
        if tokens.is_api_token(token):
            async with transaction_context(self.engine, write=False, limits=self.limits) as db:
                return await tokens.verify_token(db=db, token=token)
        return self._verify_jwt(token) if self.jwt.configured else None

    async def still_valid(self, caller: Caller) -> bool:
        """Whether `caller`'s credential still holds (API token not revoked, not expired)."""
        async with transaction_context(self.engine, write=False, limits=self.limits) as db:
            return await tokens.still_valid(db=db, caller=caller)

    def _verify_jwt(self, token: str) -> Caller | None:
        now = clock.now()
        cached = self._jwt_cache.get(token)
        if cached is not None:
            caller, until = cached
            if until > now and (caller.expires_at is None or caller.expires_at > now):
                return caller
            del self._jwt_cache[token]
        verified = self.jwt.verify(token)
        if verified is not None:
            self._jwt_cache[token] = (verified, now + _JWT_CACHE_TTL)
            while len(self._jwt_cache) > _JWT_CACHE_SIZE:
                self._jwt_cache.popitem(last=False)
        return verified


def bearer_token(authorization: str | None) -> str | None:
    """The token of `Bearer <token>` (scheme case-insensitive), else None."""
    if not authorization:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return None
    return token
