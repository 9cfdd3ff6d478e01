"""A stand-in for Google's token-signing certificates (and the bit of Identity Toolkit check_revoked uses)."""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import json
import secrets
import threading
import time
from collections.abc import Iterator
from typing import Any

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.support.servers import thread_server

CERTS_PATH = "/robot/v1/metadata/x509/securetoken@system.gserviceaccount.com"
LOOKUP_PATH = "/identitytoolkit.googleapis.com/v1/projects/{project}/accounts:lookup"


def new_key() -> rsa.RSAPrivateKey:
    """A fresh 2048-bit RSA key."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def self_signed_pem(key: rsa.RSAPrivateKey) -> str:
    """A self-signed x509 certificate for `key`, as Google publishes them (PEM)."""
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "securetoken.system.gserviceaccount.com")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    return certificate.public_bytes(serialization.Encoding.PEM).decode()


def service_account_json(project_id: str, key: rsa.RSAPrivateKey | None = None) -> str:
    """A syntactically real service-account key (never valid at Google)."""
    pem = (key or new_key()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return json.dumps(
        {
            "type": "service_account",
            "project_id": project_id,
            "private_key_id": secrets.token_hex(20),
            "private_key": pem.decode(),
            "client_email": f"firebase-adminsdk@{project_id}.iam.gserviceaccount.com",
            "client_id": "1234567890",
            "token_uri": "http://127.0.0.1:9/token",
        }
    )


class FakeFirebaseCerts:
    """Serves `{kid: PEM}` over real HTTP and mints ID tokens signed like Firebase's."""

    def __init__(self) -> None:
        self.key = new_key()
        self.other_key = new_key()  # never served: tokens signed with it must fail
        self.kid = secrets.token_hex(20)
        self.cert_pem = self_signed_pem(self.key)
        self.requests = 0
        self.delay = 0.0
        self.status = 200
        self.users: dict[str, dict[str, Any]] = {}
        self.lookups = 0
        self._lock = threading.Lock()
        self.base_url = ""

    @property
    def url(self) -> str:
        """The certificate URL to configure (FIREBASE_CERTS_URL)."""
        return self.base_url + CERTS_PATH

    @property
    def host(self) -> str:
        """host:port, as FIREBASE_AUTH_EMULATOR_HOST wants it."""
        return self.base_url.removeprefix("http://")

    @contextlib.contextmanager
    def serve(self) -> Iterator[FakeFirebaseCerts]:
        """Run the server in a thread for the duration of the block."""
        app = Starlette(routes=[Route(CERTS_PATH, self._certs), Route(LOOKUP_PATH, self._lookup, methods=["POST"])])
        with thread_server(app) as base_url:
            self.base_url = base_url
            yield self

    def mint(
        self,
        uid: str,
        *,
        project_id: str,
        email: str | None = None,
        exp_delta: int = 3600,
        iat_delta: int = 0,
        aud: str | None = None,
        iss: str | None = None,
        kid: str | None = None,
        alg: str = "RS256",
        sub: str | None = None,
        signing_key: rsa.RSAPrivateKey | bytes | None = None,
        extra_claims: dict[str, Any] | None = None,
    ) -> str:
        """An ID token shaped like Firebase's; every field can be bent to test one check."""
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": iss if iss is not None else f"https://securetoken.google.com/{project_id}",
            "aud": aud if aud is not None else project_id,
            "auth_time": now + iat_delta,
            "user_id": uid,
            "sub": sub if sub is not None else uid,
            "iat": now + iat_delta,
            "exp": now + exp_delta,
            "firebase": {
                "identities": {"email": [email]} if email else {},
                "sign_in_provider": "password" if email else "anonymous",
            },
        }
        if email is not None:
            claims.update(email=email, email_verified=True)
        claims.update(extra_claims or {})
        headers = {"kid": kid if kid is not None else self.kid}
        if alg == "none":
            return jwt.encode(claims, "", algorithm="none", headers=headers)
        return jwt.encode(claims, signing_key or self.key, algorithm=alg, headers=headers)

    def mint_with_other_key(self, uid: str, *, project_id: str, **kwargs: Any) -> str:
        """A well-formed token with the served kid but signed by a key that is not served."""
        return self.mint(uid, project_id=project_id, signing_key=self.other_key, **kwargs)

    def mint_unsigned(self, uid: str, *, project_id: str, **kwargs: Any) -> str:
        """An `alg: none` token (what the Auth emulator issues)."""
        return self.mint(uid, project_id=project_id, alg="none", **kwargs)

    async def _certs(self, request: Request) -> Response:
        with self._lock:
            self.requests += 1
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.status != 200:
            return Response("unavailable", status_code=self.status)
        return JSONResponse({self.kid: self.cert_pem}, headers={"Cache-Control": "public, max-age=3600"})

    async def _lookup(self, request: Request) -> Response:
        with self._lock:
            self.lookups += 1
        body = await request.json()
        found = [self.users[uid] | {"localId": uid} for uid in body.get("localId", []) if uid in self.users]
        return JSONResponse({"users": found} if found else {})
