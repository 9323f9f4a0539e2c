"""JWTs from an identity provider (CONTRACT.md §11), verified with PyJWT.

Keys come from a PEM public key file or a JWKS file, read once. Only asymmetric
algorithms are accepted (RS256, ES256, EdDSA): `alg: none` and HMAC tokens are refused
before any key is tried, so a public key can never be used as an HMAC secret. `exp` and
`nbf` are checked with 60 s leeway; the user id is `sub`.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jwt

from graph_api.caller import Caller

ALGORITHMS = ("RS256", "ES256", "EdDSA")
LEEWAY_S = 60


class JwtVerifier:
    """Verifies bearer JWTs against the configured keys."""

    def __init__(
        self,
        *,
        public_key_file: Path | None = None,
        jwks_file: Path | None = None,
        issuer: str | None = None,
        audience: str | None = None,
    ) -> None:
        self.issuer = issuer
        self.audience = audience
        self._pem: str | None = None
        self._keys: dict[str | None, Any] = {}
        if public_key_file is not None:
            self._pem = public_key_file.read_text(encoding="utf-8")
        if jwks_file is not None:
            keyset = jwt.PyJWKSet.from_json(jwks_file.read_text(encoding="utf-8"))
            self._keys = {key.key_id: key.key for key in keyset.keys}

    @property
    def configured(self) -> bool:
        return self._pem is not None or bool(self._keys)

    def verify(self, token: str) -> Caller | None:
        """The caller the token proves, or None for any token that does not verify."""
        try:
            header = jwt.get_unverified_header(token)
            if header.get("alg") not in ALGORITHMS:
                return None
            key = self._key_for(header.get("kid"))
            if key is None:
                return None
            claims = jwt.decode(
                token,
                key,
                algorithms=list(ALGORITHMS),
                issuer=self.issuer,
                audience=self.audience,
                leeway=LEEWAY_S,
                options={"require": ["sub"], "verify_aud": self.audience is not None},
            )
        except (jwt.PyJWTError, ValueError, TypeError, json.JSONDecodeError):
            return None
        subject = claims.get("sub")
        if not isinstance(subject, str) or not subject:
            return None
        expires = claims.get("exp")
        expires_at = (
            datetime.fromtimestamp(expires + LEEWAY_S, UTC)
            if isinstance(expires, int | float)
            else None
        )
        return Caller(user_id=subject, expires_at=expires_at)

    def _key_for(self, kid: object) -> Any:
        if self._pem is not None:
            return self._pem
        if isinstance(kid, str) and kid in self._keys:
            return self._keys[kid]
        if len(self._keys) == 1:  # a single key needs no kid
            return next(iter(self._keys.values()))
        return None
