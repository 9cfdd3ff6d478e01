"""Every path that serves the page or the API docs carries their headers; the docs load nothing from a CDN."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from interviewsim.app import create_app
from interviewsim.config import Settings
from tests.support.servers import thread_server

TOKEN = "headers-test-token-0123"
EXTERNAL = re.compile(r"""(?:src|href)=["']?(?:https?:)?//""")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    settings = Settings(data_dir=tmp_path_factory.mktemp("headers"), local_token=TOKEN)  # type: ignore[call-arg]
    with thread_server(create_app(settings)) as base_url:
        yield base_url


def test_the_page_is_served_at_one_path_only_with_its_headers(site: str) -> None:
    page = httpx.get(f"{site}/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["referrer-policy"] == "no-referrer"
    for second_path in ("/web/index.html", "/web/INDEX.HTML", "/web/", "/web/./index.html"):
        response = httpx.get(f"{site}{second_path}")
        assert response.status_code == 404 or (
            "frame-ancestors 'none'" in response.headers.get("content-security-policy", "")
        ), second_path
    assert httpx.get(f"{site}/web/app.js").headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_docs_pages_load_their_viewer_from_this_server_under_a_policy(site: str, path: str) -> None:
    response = httpx.get(f"{site}{path}")
    assert response.status_code == 200
    html = response.text
    assert not EXTERNAL.search(html), "the docs page loads something from another origin"
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "'unsafe-inline'" not in policy.split("script-src", 1)[1].split(";", 1)[0]
    assert "http" not in policy  # no other origin is allowed anything
    assert response.headers["x-content-type-options"] == "nosniff"
    for asset in re.findall(r"""(?:src|href)="(/docs-assets/[^"]+)\"""", html):
        fetched = httpx.get(f"{site}{asset}")
        assert fetched.status_code == 200 and len(fetched.content) > 1000, asset


IMPORT = re.compile(r"""^(?:import|export)\b[^"';]*?\bfrom\s+["']([^"']+)["']|^import\s+["']([^"']+)["']""", re.M)


def test_every_module_the_page_imports_is_served_as_javascript(site: str) -> None:
    """The page's script is ES modules: each one, followed from app.js, must load under the same headers."""
    seen: set[str] = set()
    pending = ["/web/app.js"]
    while pending:
        path = pending.pop()
        if path in seen:
            continue
        seen.add(path)
        response = httpx.get(f"{site}{path}")
        assert response.status_code == 200, path
        assert "javascript" in response.headers["content-type"], path  # browsers refuse other types for modules
        assert response.headers["x-content-type-options"] == "nosniff", path
        for match in IMPORT.finditer(response.text):
            target = match.group(1) or match.group(2)
            assert target.startswith(("./", "/web/")), f"{path} imports {target} from outside the page"
            pending.append("/web/" + target.removeprefix("./").removeprefix("/web/"))
    assert {"/web/auth.js", "/web/api.js", "/web/sse.js", "/web/views.js", "/web/charts.js"} <= seen
