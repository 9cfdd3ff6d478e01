"""The API docs, Swagger UI at /docs and ReDoc at /redoc, served from the package under a strict policy.

The page keeps its token in localStorage on this origin, so no script may come from a CDN: Swagger UI
and ReDoc are the files `fastapi-offline` ships, and the policy allows only them and the one inline
script FastAPI writes (by its hash).
"""

from __future__ import annotations

import base64
import hashlib
import re
from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

DOCS_ASSETS = "/docs-assets"
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def docs_assets_root() -> Path:
    """The directory of Swagger UI's and ReDoc's files, inside the installed fastapi-offline package."""
    root = Path(str(files("fastapi_offline") / "static"))
    if not (root / "swagger-ui-bundle.js").is_file():
        raise RuntimeError(f"the API docs' assets are missing: no swagger-ui-bundle.js in {root}")
    return root


def docs_policy(page: str) -> str:
    """A Content-Security-Policy for `page`: its own origin, plus its inline scripts by hash."""
    hashes = [
        "'sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() + "'"
        for script in _INLINE_SCRIPT.findall(page)
    ]
    return "; ".join(
        [
            "default-src 'self'",
            " ".join(["script-src 'self'", *hashes]),
            # Both viewers set inline styles (ReDoc writes its stylesheet at run time).
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            "font-src 'self' data:",
            "connect-src 'self'",
            # ReDoc's search index runs in a worker started from a blob.
            "worker-src 'self' blob:",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def _docs_page(response: HTMLResponse) -> HTMLResponse:
    page = bytes(response.body).decode()
    headers = {
        "Content-Security-Policy": docs_policy(page),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
    }
    return HTMLResponse(page, headers=headers)


def mount_docs(app: FastAPI) -> None:
    """Serve /docs, /redoc and their assets; the app must be built with `docs_url=None, redoc_url=None`."""
    assets = docs_assets_root()
    openapi_url = app.openapi_url or "/openapi.json"

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return _docs_page(
            get_swagger_ui_html(
                openapi_url=f"{root}{openapi_url}",
                title=f"{app.title} - Swagger UI",
                swagger_js_url=f"{root}{DOCS_ASSETS}/swagger-ui-bundle.js",
                swagger_css_url=f"{root}{DOCS_ASSETS}/swagger-ui.css",
                swagger_favicon_url=f"{root}{DOCS_ASSETS}/favicon.png",
                oauth2_redirect_url=None,
                # No badge fetched from swagger.io's online validator.
                swagger_ui_parameters={**(app.swagger_ui_parameters or {}), "validatorUrl": None},
            )
        )

    @app.get("/redoc", include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return _docs_page(
            get_redoc_html(
                openapi_url=f"{root}{openapi_url}",
                title=f"{app.title} - ReDoc",
                redoc_js_url=f"{root}{DOCS_ASSETS}/redoc.standalone.js",
                redoc_favicon_url=f"{root}{DOCS_ASSETS}/favicon.png",
                with_google_fonts=False,
            )
        )

    app.mount(DOCS_ASSETS, StaticFiles(directory=assets), name="docs-assets")
