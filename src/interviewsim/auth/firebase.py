"""Firebase mode: bearer tokens are Firebase ID tokens, verified with firebase-admin."""

from __future__ import annotations

import asyncio
import contextvars
import json
import logging
import os
import uuid
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, cast

import firebase_admin
import google.auth
import google.auth.credentials
import google.auth.exceptions
from firebase_admin import auth, credentials, exceptions

from interviewsim.auth.base import AuthUser
from interviewsim.config import FIREBASE_CERTS_URL
from interviewsim.vendors.errors import ProviderError

logger = logging.getLogger(__name__)

PROVIDER = "firebase"
EMULATOR_ENV = "FIREBASE_AUTH_EMULATOR_HOST"
DEFAULT_HTTP_TIMEOUT_SECONDS = 10.0
# Verification threads per process: checking a signature takes well under a millisecond, and a few
# threads cover a certificate refresh blocking on Google; other blocking work (speech synthesis fills
# asyncio's default pool) never delays sign-in because these threads are the verifier's own.
VERIFY_THREADS = 4
_SCOPES = ["https://www.googleapis.com/auth/cloud-platform", "https://www.googleapis.com/auth/identitytoolkit"]
# Every way a caller's token can be wrong: answered with None (401), never with an error.
_REJECTED: tuple[type[Exception], ...] = (
    auth.InvalidIdTokenError,  # also ExpiredIdTokenError and RevokedIdTokenError
    auth.UserDisabledError,
    auth.UserNotFoundError,
)
# Backend failures worth another attempt (Identity Toolkit, only reached with check_revoked).
_RETRYABLE_CODES = {
    exceptions.UNAVAILABLE,
    exceptions.INTERNAL,
    exceptions.DEADLINE_EXCEEDED,
    exceptions.UNKNOWN,
    exceptions.RESOURCE_EXHAUSTED,
}


class _GoogleCredential(credentials.Base):  # type: ignore[misc]  # firebase_admin ships no stubs
    """Adapts any google-auth credential (including anonymous) to what firebase_admin accepts."""

    def __init__(self, credential: google.auth.credentials.Credentials) -> None:
        super().__init__()
        self._credential = credential

    def get_credential(self) -> google.auth.credentials.Credentials:
        """The wrapped google-auth credential."""
        return self._credential


class FirebaseVerifier:
    """Accepts Firebase ID tokens of one project; verification runs off the event loop, on threads of its own."""

    name = "firebase"

    def __init__(self, app: Any, client: Any, *, check_revoked: bool, clock_skew_seconds: int, emulator: bool) -> None:
        self._app = app
        self._client = client
        self._check_revoked = check_revoked
        self._clock_skew_seconds = clock_skew_seconds
        self._emulator = emulator
        self._closed = False
        self._executor = ThreadPoolExecutor(max_workers=VERIFY_THREADS, thread_name_prefix="firebase-verify")

    @classmethod
    def create(
        cls,
        *,
        project_id: str | None,
        credentials_json: str | None,
        credentials_file: str | None,
        certs_url: str,
        clock_skew_seconds: int,
        check_revoked: bool,
        allow_emulator: bool = False,
        http_timeout_seconds: float = DEFAULT_HTTP_TIMEOUT_SECONDS,
    ) -> FirebaseVerifier:
        """Build a verifier on its own named firebase app; raise ValueError naming the bad setting."""
        emulator = _check_emulator_env(allow_emulator)
        _check_options(certs_url, clock_skew_seconds)
        credential, credential_project = _load_credential(credentials_json, credentials_file)
        resolved_project = project_id or credential_project
        if not resolved_project:
            raise ValueError("FIREBASE_PROJECT_ID is required (or a service-account key that names its project)")
        if check_revoked and credential is None and not emulator:
            raise ValueError(
                "FIREBASE_CHECK_REVOKED=true calls the Identity Toolkit API and needs "
                "FIREBASE_CREDENTIALS or GOOGLE_APPLICATION_CREDENTIALS"
            )
        app = firebase_admin.initialize_app(
            credential if credential is not None else _anonymous_credential(),
            options={"projectId": resolved_project, "httpTimeout": http_timeout_seconds},
            name=f"interviewsim-{uuid.uuid4().hex}",
        )
        try:
            client = auth.Client(app)
            _set_cert_url(client, certs_url)
        except Exception:
            firebase_admin.delete_app(app)
            raise
        return cls(app, client, check_revoked=check_revoked, clock_skew_seconds=clock_skew_seconds, emulator=emulator)

    @property
    def project_id(self) -> str:
        """The Firebase project whose tokens are accepted."""
        return cast(str, self._app.project_id)

    async def verify(self, token: str) -> AuthUser | None:
        """Return the token's user, None for any invalid token; ProviderError when Firebase is unreachable."""
        if not token:
            return None
        self._refuse_unexpected_emulator()
        context = contextvars.copy_context()  # as asyncio.to_thread does: logs keep the request id
        loop = asyncio.get_running_loop()
        claims = await loop.run_in_executor(self._executor, context.run, self._verify_blocking, token)
        if claims is None:
            return None
        email = claims.get("email")
        return AuthUser(id=str(claims["uid"]), email=email if isinstance(email, str) else None)

    def close(self) -> None:
        """Delete this verifier's firebase app and stop its threads; safe to call twice."""
        if not self._closed:
            self._closed = True
            self._executor.shutdown(wait=False, cancel_futures=True)
            firebase_admin.delete_app(self._app)

    def _verify_blocking(self, token: str) -> Mapping[str, object] | None:
        """Run firebase-admin's verification (blocking HTTP on certificate refresh) and classify its errors."""
        try:
            claims = self._client.verify_id_token(
                token, check_revoked=self._check_revoked, clock_skew_seconds=self._clock_skew_seconds
            )
        except auth.CertificateFetchError as error:
            raise ProviderError(PROVIDER, "could not fetch the token-signing certificates", retryable=True) from error
        except _REJECTED as error:
            # The class is the reason; the message would quote the token.
            logger.info("firebase token rejected: %s", type(error).__name__)
            return None
        except exceptions.FirebaseError as error:
            raise _backend_error(error) from error
        return cast(Mapping[str, object], claims)

    def _refuse_unexpected_emulator(self) -> None:
        """firebase-admin re-reads the emulator variable on every call; never let it switch checks off silently."""
        if not self._emulator and os.environ.get(EMULATOR_ENV):
            logger.error("%s appeared in the environment; refusing to verify tokens without signatures", EMULATOR_ENV)
            raise ProviderError(
                PROVIDER, f"{EMULATOR_ENV} is set but AUTH_MODE is not firebase-emulator", retryable=False
            )


def emulator_warning(host: str) -> str:
    """The warning to log loudly when AUTH_MODE=firebase-emulator."""
    return (
        f"AUTH_MODE=firebase-emulator: ID tokens are checked against the Firebase Auth emulator at {host}. "
        "Signatures and expiry are NOT verified: anyone can forge a token for any user. "
        "Use only on a development machine, never with real users or a public HOST."
    )


def _check_emulator_env(allow_emulator: bool) -> bool:
    """Make the emulator switch (an environment variable firebase-admin reads itself) agree with the auth mode."""
    host = os.environ.get(EMULATOR_ENV, "")
    if host and not allow_emulator:
        raise ValueError(
            f"{EMULATOR_ENV} turns off token signature checks; set AUTH_MODE=firebase-emulator or unset it"
        )
    if allow_emulator and not host:
        raise ValueError(f"AUTH_MODE=firebase-emulator needs {EMULATOR_ENV} (host:port) in the process environment")
    if "//" in host:
        raise ValueError(f"{EMULATOR_ENV} must be host:port, without a scheme")
    return bool(host)


def _check_options(certs_url: str, clock_skew_seconds: int) -> None:
    """Reject settings firebase-admin would only complain about on the first request."""
    if not certs_url.startswith(("https://", "http://")):
        raise ValueError("FIREBASE_CERTS_URL must be an http(s) URL")
    if not 0 <= clock_skew_seconds <= 60:
        raise ValueError("FIREBASE_CLOCK_SKEW_SECONDS must be between 0 and 60")


def _load_credential(credentials_json: str | None, credentials_file: str | None) -> tuple[Any, str | None]:
    """The configured credential and the project it names, or (None, None) when none is configured."""
    if credentials_json:
        return _credential_from_info(_parse_json_text(credentials_json), "FIREBASE_CREDENTIALS")
    if credentials_file:
        return _credential_from_info(_read_json_file(credentials_file), "GOOGLE_APPLICATION_CREDENTIALS")
    return None, None


def _parse_json_text(text: str) -> dict[str, Any]:
    """Parse FIREBASE_CREDENTIALS without ever quoting it back (it holds a private key)."""
    try:
        info = json.loads(text)
    except ValueError:
        raise ValueError(
            "FIREBASE_CREDENTIALS is not valid JSON: it must be the service-account key's JSON text "
            "(for a file path use GOOGLE_APPLICATION_CREDENTIALS)"
        ) from None
    if not isinstance(info, dict):
        raise ValueError("FIREBASE_CREDENTIALS must be a JSON object (a service-account key)")
    return info


def _read_json_file(path: str) -> dict[str, Any]:
    """Read the key file named by GOOGLE_APPLICATION_CREDENTIALS."""
    try:
        info = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise ValueError(f"GOOGLE_APPLICATION_CREDENTIALS={path} cannot be read: {error.strerror}") from None
    except ValueError:
        raise ValueError(f"GOOGLE_APPLICATION_CREDENTIALS={path} is not a JSON key file") from None
    if not isinstance(info, dict):
        raise ValueError(f"GOOGLE_APPLICATION_CREDENTIALS={path} is not a JSON key file")
    return info


def _credential_from_info(info: dict[str, Any], setting: str) -> tuple[Any, str | None]:
    """A firebase credential from parsed key JSON: service accounts natively, other google-auth types wrapped."""
    try:
        if info.get("type") == "service_account":
            certificate = credentials.Certificate(info)
            return certificate, cast(str | None, certificate.project_id)
        loaded, project = google.auth.load_credentials_from_dict(info, scopes=_SCOPES)  # type: ignore[no-untyped-call]
        return _GoogleCredential(loaded), cast(str | None, project)
    except (ValueError, google.auth.exceptions.GoogleAuthError):
        # The library's message may quote key material, so only the setting's name is reported.
        raise ValueError(f"{setting} is not a usable Google credential (expected a service-account key)") from None


def _anonymous_credential() -> _GoogleCredential:
    """No credential at all: enough to verify ID tokens, and it never probes for application-default ones."""
    return _GoogleCredential(google.auth.credentials.AnonymousCredentials())  # type: ignore[no-untyped-call]


def _set_cert_url(client: Any, certs_url: str) -> None:
    """Point the client's ID-token verifier at `certs_url` (the attribute firebase-admin's own tests set)."""
    verifier = getattr(getattr(client, "_token_verifier", None), "id_token_verifier", None)
    if verifier is not None and hasattr(verifier, "cert_url"):
        verifier.cert_url = certs_url
    elif certs_url != FIREBASE_CERTS_URL:
        raise RuntimeError("FIREBASE_CERTS_URL cannot be changed with this firebase-admin version")


def _backend_error(error: Any) -> ProviderError:
    """Map an Identity Toolkit failure (check_revoked) to a provider error."""
    response = getattr(error, "http_response", None)
    status = getattr(response, "status_code", None)
    retryable = error.code in _RETRYABLE_CODES
    return ProviderError(
        PROVIDER, f"identity toolkit call failed ({type(error).__name__})", retryable=retryable, status=status
    )
