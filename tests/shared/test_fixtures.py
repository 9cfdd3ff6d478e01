"""The service checks themselves: a missing service skips a test locally and fails it under CI=true."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import services


@pytest.fixture
def fresh_probes() -> Iterator[None]:
    """Forget cached answers before and after, so a test's broken address never leaks into other tests."""
    services.problem.cache_clear()
    yield
    services.problem.cache_clear()


@pytest.mark.parametrize(
    ("service", "setting", "unreachable", "reason"),
    [
        ("postgres", "POSTGRES_ADMIN_URL", "postgresql://postgres@127.0.0.1:1/test", "PostgreSQL at"),
        ("redis", "REDIS_URL", "redis://127.0.0.1:1/0", "does not answer PING"),
        ("browser", "CHROMIUM", Path("/nonexistent/chromium"), "no Chromium at"),
    ],
)
@pytest.mark.usefixtures("fresh_probes")
def test_a_missing_service_fails_in_ci_and_skips_locally(
    monkeypatch: pytest.MonkeyPatch, service: str, setting: str, unreachable: object, reason: str
) -> None:
    monkeypatch.setattr(services, setting, unreachable)
    with pytest.raises(pytest.fail.Exception, match=f"{reason}.*CI must provide it"):
        services.require(service, ci=True)
    with pytest.raises(pytest.skip.Exception, match=reason) as skipped:
        services.require(service, ci=False)
    assert "\n" not in str(skipped.value)


@pytest.mark.usefixtures("fresh_probes")
def test_ci_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(services, "REDIS_URL", "redis://127.0.0.1:1/0")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception):
        services.require("redis")
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception):
        services.require("redis")


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.browser
def test_the_services_of_this_machine_are_present() -> None:
    for service in services.SERVICES:
        services.require(service, ci=True)


def test_tests_using_a_service_fixture_carry_its_marker(request: pytest.FixtureRequest) -> None:
    items = request.session.items
    for item in items:
        for fixture, service in {"postgres_url": "postgres", "redis_url": "redis", "browser": "browser"}.items():
            if fixture in getattr(item, "fixturenames", ()):
                assert item.get_closest_marker(service) is not None, item.nodeid
    for item in items:
        if "[postgresql" in item.nodeid:
            assert item.get_closest_marker("postgres") is not None, item.nodeid
