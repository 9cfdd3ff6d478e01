"""Serves the built-in practice page: `/` is index.html, `/web/...` its assets (no build step)."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.types import Scope

# The package directory also holds Python files; only these kinds of file are served.
ASSET_SUFFIXES = frozenset({".html", ".js", ".css", ".svg", ".png", ".ico", ".webp"})

# The page only talks to this server and loads nothing from elsewhere, so the policy can be strict.
# Signing in with Firebase will need its origins added to script-src and connect-src.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "media-src 'self' blob:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    # Revalidate on every visit, so a new version of the page is picked up at once.
    "Cache-Control": "no-cache",
}


class _Assets(StaticFiles):
    """StaticFiles limited to page assets, so `/web/routes.py` or `__pycache__` is a 404."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        if Path(path).suffix.lower() not in ASSET_SUFFIXES:
            raise HTTPException(status_code=404)
        return await super().get_response(path, scope)


def web_root() -> Path:
    """The directory holding index.html and its assets, found through the installed package."""
    # StaticFiles needs a real directory: a normal or editable install has one (a zipped one would not).
    root = Path(str(files("interviewsim.web")))
    if not (root / "index.html").is_file():
        raise RuntimeError(f"the web page is missing from the package: no index.html in {root}")
    return root


def mount_web(app: FastAPI) -> None:
    """Serve the page at `/` and its assets under `/web/`.

    Only `/web` is mounted, never `/`: a catch-all mount would shadow routes added after this call.
    """
    root = web_root()
    index = root / "index.html"

    @app.get("/", include_in_schema=False)
    async def page() -> FileResponse:
        return FileResponse(index, media_type="text/html", headers=PAGE_HEADERS)

    app.mount("/web", _Assets(directory=root), name="web")
