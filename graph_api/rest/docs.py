"""/docs (Swagger UI) and /redoc served without a CDN.

FastAPI's pages load their JavaScript and CSS from a CDN, which a machine
without internet access (like the ones this project is developed and tested on)
cannot reach: the page stays blank. The fastapi-offline package ships the same
assets; we serve them under /docs-assets and point both pages at them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import fastapi_offline
from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.routing import Route

ASSETS_URL = "/docs-assets"
ASSETS_DIR = Path(fastapi_offline.__file__).resolve().parent / "static"


def serve_docs_offline(app: FastAPI) -> None:
    """Replace FastAPI's CDN-based /docs and /redoc with pages using local assets."""
    if app.openapi_url is None or not (ASSETS_DIR / "swagger-ui-bundle.js").exists():
        return
    openapi_url = app.openapi_url
    pages = {url for url in (app.docs_url, app.redoc_url) if url}
    # FastAPI added its own pages when the app was built; drop them so ours answer.
    app.router.routes[:] = [
        route
        for route in app.router.routes
        if not (isinstance(route, Route) and route.path in pages)
    ]
    app.mount(ASSETS_URL, StaticFiles(directory=ASSETS_DIR), name="docs-assets")

    def url(request: Request, path: str) -> str:
        root: str = request.scope.get("root_path", "")
        return root.rstrip("/") + path

    def page(
        render: Callable[..., HTMLResponse], title: str, assets: dict[str, str], **options: Any
    ) -> Callable[[Request], Awaitable[HTMLResponse]]:
        """A page `render` draws; `assets`: its URL arguments, by the file they name."""

        async def endpoint(request: Request) -> HTMLResponse:
            urls = {name: url(request, f"{ASSETS_URL}/{file}") for name, file in assets.items()}
            return render(
                openapi_url=url(request, openapi_url),
                title=f"{app.title} - {title}",
                **urls,
                **options,
            )

        return endpoint

    if app.docs_url:
        swagger_ui = page(
            get_swagger_ui_html,
            "Swagger UI",
            {
                "swagger_js_url": "swagger-ui-bundle.js",
                "swagger_css_url": "swagger-ui.css",
                "swagger_favicon_url": "favicon.png",
            },
            oauth2_redirect_url=app.swagger_ui_oauth2_redirect_url,
            swagger_ui_parameters=app.swagger_ui_parameters,
        )
        app.add_route(app.docs_url, swagger_ui, name="swagger_ui", include_in_schema=False)

    if app.redoc_url:
        redoc_assets = {"redoc_js_url": "redoc.standalone.js", "redoc_favicon_url": "favicon.png"}
        redoc = page(get_redoc_html, "ReDoc", redoc_assets, with_google_fonts=False)
        app.add_route(app.redoc_url, redoc, name="redoc", include_in_schema=False)
