"""Serves the built-in practice page: `/` is index.html, `/web/...` its assets (no build step)."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from urllib.parse import urlsplit

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.types import Scope

from interviewsim.config import Settings
from interviewsim.web.docs import mount_docs

# The package directory also holds Python files; only these kinds of file are served. Not .html: the page
# is served at `/` only, with its headers (a second path to it would need them too).
ASSET_SUFFIXES = frozenset({".js", ".css", ".svg", ".png", ".ico", ".webp"})

IDENTITY_TOOLKIT_URL = "https://identitytoolkit.googleapis.com"
SECURE_TOKEN_URL = "https://securetoken.googleapis.com"


def content_security_policy(connect: tuple[str, ...] = ()) -> str:
    """The page's policy: it loads nothing from elsewhere and talks only to this server and `connect`."""
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "media-src 'self' blob:",
            " ".join(["connect-src 'self'", *connect]),
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


# The page only talks to this server and loads nothing from elsewhere, so the policy can be strict.
# With Firebase auth it also calls Google's sign-in REST API (see `auth_origins`).
CONTENT_SECURITY_POLICY = content_security_policy()
PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    # Revalidate on every visit, so a new version of the page is picked up at once.
    "Cache-Control": "no-cache",
}


def auth_endpoints(settings: Settings) -> tuple[str, str]:
    """Where the page signs in and refreshes tokens: Google, or the Auth emulator when it is in use."""
    emulator = settings.firebase_auth_emulator_host
    if settings.resolved_auth_mode == "firebase-emulator" and emulator:
        # The emulator serves both APIs under one plain-HTTP origin, prefixed by the Google host name.
        base = f"http://{emulator.removeprefix('http://').rstrip('/')}"
        return f"{base}/identitytoolkit.googleapis.com", f"{base}/securetoken.googleapis.com"
    return IDENTITY_TOOLKIT_URL, SECURE_TOKEN_URL


def auth_origins(settings: Settings) -> tuple[str, ...]:
    """The origins the page must reach to sign in: none with the local token."""
    if settings.resolved_auth_mode == "local":
        return ()
    origins = []
    for url in auth_endpoints(settings):
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in origins:
            origins.append(origin)
    return tuple(origins)


def page_headers(settings: Settings | None) -> dict[str, str]:
    """PAGE_HEADERS with the policy widened to the sign-in origins this server's auth mode needs."""
    if settings is None:
        return dict(PAGE_HEADERS)
    return PAGE_HEADERS | {"Content-Security-Policy": content_security_policy(auth_origins(settings))}


def web_config(settings: Settings) -> dict[str, str | None]:
    """What the page needs to know to sign in (nothing secret: the web API key is public)."""
    identity_toolkit_url, secure_token_url = auth_endpoints(settings)
    mode = settings.resolved_auth_mode
    return {
        "auth": mode,
        "firebase_api_key": settings.firebase_web_api_key if mode != "local" else None,
        "identity_toolkit_url": identity_toolkit_url,
        "secure_token_url": secure_token_url,
    }


LOCAL_CONFIG: dict[str, str | None] = {
    "auth": "local",
    "firebase_api_key": None,
    "identity_toolkit_url": IDENTITY_TOOLKIT_URL,
    "secure_token_url": SECURE_TOKEN_URL,
}


def _settings(request: Request) -> Settings | None:
    settings = getattr(request.app.state, "settings", None)
    return settings if isinstance(settings, Settings) else None


class _Assets(StaticFiles):
    """StaticFiles limited to page assets, so `/web/routes.py`, `/web/index.html` or `__pycache__` is a 404."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        if Path(path).suffix.lower() not in ASSET_SUFFIXES:
            raise HTTPException(status_code=404)
        response = await super().get_response(path, scope)
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response


def web_root() -> Path:
    """The directory holding index.html and its assets, found through the installed package."""
    # StaticFiles needs a real directory: a normal or editable install has one (a zipped one would not).
    root = Path(str(files("interviewsim.web")))
    if not (root / "index.html").is_file():
        raise RuntimeError(f"the web page is missing from the package: no index.html in {root}")
    return root


def mount_web(app: FastAPI) -> None:
    """Serve the page at `/`, its assets under `/web/`, and the API docs at `/docs` and `/redoc`.

    Only `/web` is mounted, never `/`: a catch-all mount would shadow routes added after this call.
    """
    root = web_root()
    index = root / "index.html"

    @app.get("/", include_in_schema=False)
    async def page(request: Request) -> FileResponse:
        return FileResponse(index, media_type="text/html", headers=page_headers(_settings(request)))

    # Registered before the mount, which would otherwise answer every /web/... path.
    @app.get("/web/config.json", include_in_schema=False)
    async def config(request: Request) -> JSONResponse:
        settings = _settings(request)
        body = web_config(settings) if settings else LOCAL_CONFIG  # an app without its lifespan: no auth set up
        return JSONResponse(body, headers={"Cache-Control": "no-store"})

    app.mount("/web", _Assets(directory=root), name="web")
    mount_docs(app)
