"""Who may talk to the server over HTTP from a browser: trusted hosts, same-origin writes, CORS.

- Host: a request whose Host header names a host outside `Settings.trusted_hosts`
  (plus the configured `host`) is refused, so a DNS-rebinding page cannot reach a
  server on the user's machine under its own name.
- Cross-site writes (CSRF): a POST, PUT, PATCH or DELETE that a browser marks as
  coming from another site (`Sec-Fetch-Site: cross-site|same-site`, or an `Origin`
  that is neither this server nor listed in `cors_origins`) is refused before the app
  sees it, multipart uploads included. Requests without either header are not from
  a browser page (curl, the CLI, gql, Apollo on Node, graphql-ws) and pass.
- CORS stays closed unless `cors_origins` lists origins (Starlette's CORSMiddleware).

Refusals are 403 FORBIDDEN in the endpoint's error shape; nothing reaches the app.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import orjson
from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from graph_api.config import Settings
from graph_api.run_limit import send_json

STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_SAME_SITE_VALUES = frozenset({"same-origin", "none"})


def forbidden_body(path: str, message: str) -> bytes:
    if path.startswith("/graphql"):
        error = {"message": message, "extensions": {"code": "FORBIDDEN"}}
        return orjson.dumps({"data": None, "errors": [error]})
    return orjson.dumps({"error": {"code": "FORBIDDEN", "message": message}})


def host_name(host: str) -> str:
    """`example.org:8000` -> `example.org`; `[::1]:8000` -> `::1`."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def trusted_host_names(settings: Settings) -> frozenset[str]:
    return frozenset(host_name(h) for h in [*settings.trusted_hosts, settings.host] if h)


class HttpGuardMiddleware:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.hosts = trusted_host_names(settings)
        self.any_host = "*" in self.hosts
        self.origins = frozenset(o.rstrip("/").lower() for o in settings.cors_origins)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        host = headers.get("host", "")
        problem = None
        if not self.any_host and host_name(host) not in self.hosts:
            problem = f"Host {host_name(host)!r} is not a trusted host of this server"
        elif scope["type"] == "http" and scope["method"] in STATE_CHANGING:
            problem = self._cross_site(headers, host, scope.get("scheme", "http"))
        if problem is None:
            await self.app(scope, receive, send)
            return
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return
        await send_json(send, 403, forbidden_body(scope.get("path", ""), problem))

    def _cross_site(self, headers: dict[str, str], host: str, scheme: str) -> str | None:
        """Why a browser's write looks cross-site, or None."""
        origin = headers.get("origin")
        fetch_site = headers.get("sec-fetch-site")
        if origin is not None:
            normalised = origin.rstrip("/").lower()
            if normalised in self.origins:
                return None
            parts = urlsplit(normalised)
            if normalised != "null" and parts.netloc == host.lower():
                return None
            return f"Cross-site request refused (Origin {origin})"
        if fetch_site is not None and fetch_site.lower() not in _SAME_SITE_VALUES:
            return f"Cross-site request refused (Sec-Fetch-Site {fetch_site})"
        return None


def install(app: FastAPI, settings: Settings) -> None:
    """Add the guard (outermost, so nothing runs before it) and CORS when origins are listed."""
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["*"],
            allow_headers=["*"],
        )
    app.add_middleware(HttpGuardMiddleware, settings=settings)
