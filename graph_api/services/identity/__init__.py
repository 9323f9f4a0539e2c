"""Identity: users and API tokens, JWT verification, and bearer credentials to callers."""

from graph_api.services.identity.authenticate import Authenticator, bearer_token
from graph_api.services.identity.jwts import JwtVerifier

__all__ = ["Authenticator", "JwtVerifier", "bearer_token"]
