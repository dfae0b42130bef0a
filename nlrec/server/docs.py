"""``/docs`` (Swagger UI) and ``/redoc`` from local files, so the API docs work offline.

The assets come from the ``fastapi-offline`` package (in the serve extra), which ships Swagger
UI's and ReDoc's JavaScript and CSS; nothing is loaded from a CDN.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

DOCS_STATIC = "/docs-static"


def docs_assets() -> Path | None:
    """The folder holding ``swagger-ui-bundle.js``, ``swagger-ui.css`` and ``redoc.standalone.js``."""
    spec = importlib.util.find_spec("fastapi_offline")
    if spec is None or spec.origin is None:
        return None
    folder = Path(spec.origin).parent / "static"
    need = ("swagger-ui-bundle.js", "swagger-ui.css", "redoc.standalone.js")
    return folder if all((folder / n).is_file() for n in need) else None


def install_docs(app: Any) -> bool:
    """Serve ``/docs`` and ``/redoc`` from local assets; False (FastAPI's CDN pages stay) when the
    assets are not installed."""
    from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
    from fastapi.staticfiles import StaticFiles

    folder = docs_assets()
    if folder is None:
        return False
    app.mount(DOCS_STATIC, StaticFiles(directory=folder), name="docs-static")
    title = f"{app.title} API"

    @app.get("/docs", include_in_schema=False)
    def swagger() -> Any:
        return get_swagger_ui_html(openapi_url=app.openapi_url, title=title,
                                   swagger_js_url=f"{DOCS_STATIC}/swagger-ui-bundle.js",
                                   swagger_css_url=f"{DOCS_STATIC}/swagger-ui.css",
                                   swagger_favicon_url=f"{DOCS_STATIC}/favicon.png")

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> Any:
        return get_redoc_html(openapi_url=app.openapi_url, title=title,
                              redoc_js_url=f"{DOCS_STATIC}/redoc.standalone.js",
                              redoc_favicon_url=f"{DOCS_STATIC}/favicon.png", with_google_fonts=False)

    return True
