"""Identity: users and API tokens, JWT verification, bearer credentials to callers, and sharing."""
