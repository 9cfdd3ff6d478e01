"""FirebaseVerifier against a fake certificate server over real HTTP."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from interviewsim.auth.base import AuthUser, Verifier
from interviewsim.auth.firebase import EMULATOR_ENV, FirebaseVerifier, emulator_warning
from interviewsim.vendors.errors import ProviderError
from tests.fakes.firebase import FakeFirebaseCerts, service_account_json
from tests.support.servers import free_port

PROJECT = "interviewsim-test"
MakeVerifier = Callable[..., FirebaseVerifier]


@pytest.fixture(autouse=True)
def _no_emulator(monkeypatch: pytest.MonkeyPatch) -> None:
    """The emulator switch is process-wide; tests opt in explicitly."""
    monkeypatch.delenv(EMULATOR_ENV, raising=False)


@pytest.fixture
def certs() -> Iterator[FakeFirebaseCerts]:
    with FakeFirebaseCerts().serve() as fake:
        yield fake


@pytest.fixture
def make_verifier(certs: FakeFirebaseCerts) -> Iterator[MakeVerifier]:
    """Build verifiers pointed at the fake; all are closed at teardown."""
    built: list[FirebaseVerifier] = []

    def make(**overrides: Any) -> FirebaseVerifier:
        options: dict[str, Any] = {
            "project_id": PROJECT,
            "credentials_json": None,
            "credentials_file": None,
            "certs_url": certs.url,
            "clock_skew_seconds": 0,
            "check_revoked": False,
            **overrides,
        }
        verifier = FirebaseVerifier.create(**options)
        built.append(verifier)
        return verifier

    yield make
    for verifier in built:
        verifier.close()


async def test_valid_token_gives_the_user(certs: FakeFirebaseCerts, make_verifier: MakeVerifier) -> None:
    verifier = make_verifier()
    token = certs.mint("user-1", project_id=PROJECT, email="ada@example.com")
    assert isinstance(verifier, Verifier)
    assert verifier.name == "firebase"
    assert await verifier.verify(token) == AuthUser(id="user-1", email="ada@example.com")


async def test_token_without_email_gives_no_email(certs: FakeFirebaseCerts, make_verifier: MakeVerifier) -> None:
    assert await make_verifier().verify(certs.mint("anon", project_id=PROJECT)) == AuthUser(id="anon")


BAD_TOKENS: dict[str, Callable[[FakeFirebaseCerts], str]] = {
    "expired": lambda c: c.mint("u", project_id=PROJECT, iat_delta=-7200, exp_delta=-3600),
    "wrong audience": lambda c: c.mint("u", project_id=PROJECT, aud="another-project"),
    "wrong issuer": lambda c: c.mint("u", project_id=PROJECT, iss="https://securetoken.google.com/another-project"),
    "another key": lambda c: c.mint_with_other_key("u", project_id=PROJECT),
    "alg none": lambda c: c.mint_unsigned("u", project_id=PROJECT),
    "HS256": lambda c: c.mint("u", project_id=PROJECT, alg="HS256", signing_key=b"k" * 32),
    "empty sub": lambda c: c.mint("u", project_id=PROJECT, sub=""),
    "sub too long": lambda c: c.mint("u", project_id=PROJECT, sub="x" * 129),
    "unknown kid": lambda c: c.mint("u", project_id=PROJECT, kid="not-a-served-kid"),
    "no kid": lambda c: c.mint("u", project_id=PROJECT, kid=""),
    "garbage": lambda c: "not-a-jwt",
    "three garbage segments": lambda c: "a.b.c",
    "empty": lambda c: "",
}


@pytest.mark.parametrize("case", list(BAD_TOKENS))
async def test_invalid_tokens_are_rejected(case: str, certs: FakeFirebaseCerts, make_verifier: MakeVerifier) -> None:
    assert await make_verifier().verify(BAD_TOKENS[case](certs)) is None


async def test_rejection_logs_the_reason_class_not_the_token(
    certs: FakeFirebaseCerts, make_verifier: MakeVerifier, caplog: pytest.LogCaptureFixture
) -> None:
    token = certs.mint("u", project_id=PROJECT, iat_delta=-7200, exp_delta=-3600)
    with caplog.at_level(logging.INFO, logger="interviewsim.auth.firebase"):
        assert await make_verifier().verify(token) is None
    assert "ExpiredIdTokenError" in caplog.text
    assert token not in caplog.text
    assert token.split(".")[1] not in caplog.text


async def test_clock_skew_is_honoured(certs: FakeFirebaseCerts, make_verifier: MakeVerifier) -> None:
    token = certs.mint("u", project_id=PROJECT, iat_delta=5)
    assert await make_verifier(clock_skew_seconds=10).verify(token) == AuthUser(id="u")
    assert await make_verifier(clock_skew_seconds=0).verify(token) is None


async def test_certificates_are_fetched_once_and_cached(certs: FakeFirebaseCerts, make_verifier: MakeVerifier) -> None:
    verifier = make_verifier()
    tokens = [certs.mint(f"user-{n}", project_id=PROJECT) for n in range(20)]
    users = [await verifier.verify(token) for token in tokens]
    assert [user.id for user in users if user] == [f"user-{n}" for n in range(20)]
    assert certs.requests == 1


async def test_cert_server_down_is_a_provider_error(certs: FakeFirebaseCerts, make_verifier: MakeVerifier) -> None:
    verifier = make_verifier(certs_url=f"http://127.0.0.1:{free_port()}/certs")
    with pytest.raises(ProviderError) as caught:
        await verifier.verify(certs.mint("u", project_id=PROJECT))
    assert caught.value.provider == "firebase"
    assert caught.value.retryable


async def test_cert_server_error_status_is_a_provider_error(
    certs: FakeFirebaseCerts, make_verifier: MakeVerifier
) -> None:
    certs.status = 503
    with pytest.raises(ProviderError) as caught:
        await make_verifier().verify(certs.mint("u", project_id=PROJECT))
    assert caught.value.retryable


async def test_verification_does_not_block_the_event_loop(
    certs: FakeFirebaseCerts, make_verifier: MakeVerifier
) -> None:
    certs.delay = 0.5
    verifier = make_verifier()
    token = certs.mint("u", project_id=PROJECT)
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.02)
            ticks += 1

    task = asyncio.create_task(ticker())
    try:
        user = await verifier.verify(token)
    finally:
        task.cancel()
    assert user == AuthUser(id="u")
    assert ticks >= 5


async def test_two_projects_coexist(certs: FakeFirebaseCerts, make_verifier: MakeVerifier) -> None:
    first, second = make_verifier(project_id="project-a"), make_verifier(project_id="project-b")
    token_a = certs.mint("a", project_id="project-a")
    token_b = certs.mint("b", project_id="project-b")
    assert (first.project_id, second.project_id) == ("project-a", "project-b")
    assert await first.verify(token_a) == AuthUser(id="a")
    assert await second.verify(token_b) == AuthUser(id="b")
    assert await first.verify(token_b) is None
    assert await second.verify(token_a) is None


async def test_close_is_idempotent(make_verifier: MakeVerifier) -> None:
    verifier = make_verifier()
    verifier.close()
    verifier.close()


async def test_service_account_json_supplies_the_project(certs: FakeFirebaseCerts, make_verifier: MakeVerifier) -> None:
    verifier = make_verifier(project_id=None, credentials_json=service_account_json("from-key"))
    assert verifier.project_id == "from-key"
    assert await verifier.verify(certs.mint("u", project_id="from-key")) == AuthUser(id="u")


async def test_credentials_file_is_read(certs: FakeFirebaseCerts, make_verifier: MakeVerifier, tmp_path: Path) -> None:
    key_file = tmp_path / "key.json"
    key_file.write_text(service_account_json("from-file"))
    verifier = make_verifier(project_id=None, credentials_file=str(key_file), check_revoked=True)
    assert verifier.project_id == "from-file"


@pytest.mark.parametrize("text", ["{not json", '["a list"]', '{"type": "service_account", "private_key": "SECRET"}'])
def test_bad_credentials_json_names_the_setting_without_echoing_it(make_verifier: MakeVerifier, text: str) -> None:
    with pytest.raises(ValueError, match="FIREBASE_CREDENTIALS") as caught:
        make_verifier(credentials_json=text)
    assert "SECRET" not in str(caught.value)
    error = caught.value
    assert error.__cause__ is None and (error.__context__ is None or error.__suppress_context__)


def test_missing_credentials_file_names_the_setting(make_verifier: MakeVerifier, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="GOOGLE_APPLICATION_CREDENTIALS"):
        make_verifier(credentials_file=str(tmp_path / "absent.json"))


def test_project_id_is_required(make_verifier: MakeVerifier) -> None:
    with pytest.raises(ValueError, match="FIREBASE_PROJECT_ID"):
        make_verifier(project_id=None)


def test_check_revoked_needs_credentials(make_verifier: MakeVerifier) -> None:
    with pytest.raises(ValueError, match="FIREBASE_CHECK_REVOKED"):
        make_verifier(check_revoked=True)


@pytest.mark.parametrize("skew", [-1, 61])
def test_clock_skew_out_of_range(make_verifier: MakeVerifier, skew: int) -> None:
    with pytest.raises(ValueError, match="FIREBASE_CLOCK_SKEW_SECONDS"):
        make_verifier(clock_skew_seconds=skew)


def test_emulator_variable_without_emulator_mode_is_refused(
    make_verifier: MakeVerifier, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(EMULATOR_ENV, "127.0.0.1:9099")
    with pytest.raises(ValueError, match=EMULATOR_ENV):
        make_verifier()


def test_emulator_mode_without_the_variable_is_refused(make_verifier: MakeVerifier) -> None:
    with pytest.raises(ValueError, match=EMULATOR_ENV):
        make_verifier(allow_emulator=True)


async def test_emulator_variable_appearing_later_stops_verification(
    certs: FakeFirebaseCerts, make_verifier: MakeVerifier, monkeypatch: pytest.MonkeyPatch
) -> None:
    verifier = make_verifier()
    monkeypatch.setenv(EMULATOR_ENV, certs.host)
    with pytest.raises(ProviderError) as caught:
        await verifier.verify(certs.mint_unsigned("intruder", project_id=PROJECT))
    assert not caught.value.retryable


async def test_emulator_mode_skips_signature_and_expiry(
    certs: FakeFirebaseCerts, make_verifier: MakeVerifier, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Documents firebase-admin: with the emulator variable set, only aud/iss/sub are checked."""
    monkeypatch.setenv(EMULATOR_ENV, certs.host)
    verifier = make_verifier(allow_emulator=True)
    unsigned = certs.mint_unsigned("dev", project_id=PROJECT, email="dev@example.com")
    expired = certs.mint_unsigned("dev", project_id=PROJECT, iat_delta=-7200, exp_delta=-3600)
    assert await verifier.verify(unsigned) == AuthUser(id="dev", email="dev@example.com")
    assert await verifier.verify(expired) == AuthUser(id="dev")
    assert await verifier.verify(certs.mint_unsigned("dev", project_id="other")) is None
    assert certs.requests == 0


async def test_check_revoked_against_the_emulator(
    certs: FakeFirebaseCerts, make_verifier: MakeVerifier, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(EMULATOR_ENV, certs.host)
    now = int(time.time())
    certs.users = {
        "ok": {"validSince": str(now - 100)},
        "revoked": {"validSince": str(now + 100)},
        "disabled": {"disabled": True},
    }
    verifier = make_verifier(allow_emulator=True, check_revoked=True)
    assert await verifier.verify(certs.mint_unsigned("ok", project_id=PROJECT)) == AuthUser(id="ok")
    for uid in ("revoked", "disabled", "deleted"):
        assert await verifier.verify(certs.mint_unsigned(uid, project_id=PROJECT)) is None
    assert certs.lookups == 4


def test_emulator_warning_is_loud() -> None:
    text = emulator_warning("127.0.0.1:9099")
    assert "127.0.0.1:9099" in text
    assert "NOT verified" in text
