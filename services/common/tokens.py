"""Internal tokens: who is calling, signed by the gateway, verified by every service.

For each request it forwards, the gateway mints a short-lived JWT signed with its Ed25519
private key (EdDSA) that carries the caller's role, scope (a partner or a site), key and
request id. Services hold only the public key: a request that reaches a service port
without a valid token is refused, so the network grants nothing.

A token opens one request: its audience is one service (``connexions-<service>``), it names
the HTTP method and the path (below the service's root) it was minted for, and the service
refuses a ``jti`` it has already accepted (``replay.py``).

Keys are two PEM files, made by :func:`generate_token_keys` (``make run`` and the tests do it
for development): ``token-signing.pem`` (private, the gateway only) and ``token-verify.pem``
(public, every service), in ``TOKEN_KEY_DIR`` (default ``$DATA_DIR/keys``), or at the paths
named by ``TOKEN_SIGNING_KEY_FILE`` / ``TOKEN_VERIFY_KEY_FILE``.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from services.common.config import data_dir, env_int, env_str
from services.common.replay import SeenTokens

ROLES = ("admin", "partner", "workshop", "counter", "auditor")
ISSUER = "connexions-gateway"
AUDIENCE_PREFIX = "connexions-"
ALGORITHM = "EdDSA"
SIGNING_KEY_FILE = "token-signing.pem"
VERIFY_KEY_FILE = "token-verify.pem"
DEFAULT_TTL_SECONDS = 60
MAX_LIFETIME_SECONDS = 300  # a token meant to live longer was not minted by our gateway
CLOCK_LEEWAY_SECONDS = 5
REQUIRED_CLAIMS = ("exp", "iat", "iss", "aud", "sub", "role", "rid", "jti", "method", "path")


def audience_of(service: str) -> str:
    """The audience of tokens meant for ``service`` (its name: inventory, sales, ...)."""
    return AUDIENCE_PREFIX + service


class InvalidToken(Exception):
    """The token is missing, expired, malformed or not signed by our gateway."""


@dataclass(frozen=True)
class Principal:
    """The caller a request acts for: an API key's role and scope.

    ``partner_id`` is set for the ``partner`` role only, ``site_id`` for ``counter`` only.
    """

    role: str
    key_id: str
    name: str
    partner_id: str | None = None
    site_id: str | None = None

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"unknown role {self.role!r}")
        if (self.role == "partner") != (self.partner_id is not None):
            raise ValueError("a partner key (and only one) names its partner")
        if (self.role == "counter") != (self.site_id is not None):
            raise ValueError("a counter key (and only one) names its site")

    @property
    def actor(self) -> str:
        """How records name who acted: the key's name and id."""
        return f"{self.name} [{self.key_id}]"


def token_key_dir() -> Path:
    return Path(env_str("TOKEN_KEY_DIR", str(data_dir() / "keys"))).resolve()


def signing_key_path() -> Path:
    return Path(env_str("TOKEN_SIGNING_KEY_FILE", str(token_key_dir() / SIGNING_KEY_FILE)))


def verify_key_path() -> Path:
    return Path(env_str("TOKEN_VERIFY_KEY_FILE", str(token_key_dir() / VERIFY_KEY_FILE)))


def token_ttl_seconds() -> int:
    return env_int("TOKEN_TTL_SECONDS", DEFAULT_TTL_SECONDS)


def generate_token_keys(directory: Path) -> None:
    """Write a development key pair into ``directory`` unless one is there already."""
    directory.mkdir(parents=True, exist_ok=True)
    private_path, public_path = directory / SIGNING_KEY_FILE, directory / VERIFY_KEY_FILE
    if private_path.exists() and public_path.exists():
        return
    private_key = Ed25519PrivateKey.generate()
    private_path.write_bytes(
        private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    private_path.chmod(0o600)
    public_path.write_bytes(
        private_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )


def load_signing_key(path: Path | None = None) -> Ed25519PrivateKey:
    path = path or signing_key_path()
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except FileNotFoundError as exc:
        raise RuntimeError(f"no token signing key at {path} (see TOKEN_KEY_DIR)") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise RuntimeError(f"{path} is not an Ed25519 private key")
    return key


def load_verify_key(path: Path | None = None) -> Ed25519PublicKey:
    path = path or verify_key_path()
    try:
        key = serialization.load_pem_public_key(path.read_bytes())
    except FileNotFoundError as exc:
        raise RuntimeError(f"no token verification key at {path} (see TOKEN_KEY_DIR)") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise RuntimeError(f"{path} is not an Ed25519 public key")
    return key


class TokenIssuer:
    """The gateway's side: one signed token per forwarded request."""

    def __init__(self, key: Ed25519PrivateKey, ttl_seconds: int = DEFAULT_TTL_SECONDS) -> None:
        if not 0 < ttl_seconds <= MAX_LIFETIME_SECONDS:
            raise ValueError(f"a token lives 1 to {MAX_LIFETIME_SECONDS} s, not {ttl_seconds}")
        self._key = key
        self._ttl = ttl_seconds

    def mint(
        self,
        principal: Principal,
        request_id: str,
        *,
        service: str,
        method: str,
        path: str,
        now: float | None = None,
    ) -> str:
        """A token for one request: ``method`` ``path`` (below the service's root) at
        ``service``."""
        issued = int(time.time() if now is None else now)
        claims = {
            "iss": ISSUER,
            "aud": audience_of(service),
            "method": method.upper(),
            "path": path,
            "sub": principal.key_id,
            "name": principal.name,
            "role": principal.role,
            "rid": request_id,
            "iat": issued,
            "exp": issued + self._ttl,
            "jti": uuid.uuid4().hex,
        }
        if principal.partner_id:
            claims["partner_id"] = principal.partner_id
        if principal.site_id:
            claims["site_id"] = principal.site_id
        return jwt.encode(claims, self._key, algorithm=ALGORITHM)


class TokenVerifier:
    """A service's side: the principal of a token, or :class:`InvalidToken`.

    ``service`` is the service's name: tokens minted for another service are refused.
    """

    def __init__(self, key: Ed25519PublicKey, service: str) -> None:
        self._key = key
        self._audience = audience_of(service)
        self._seen = SeenTokens()

    def verify(self, token: str, *, method: str, path: str) -> tuple[Principal, str]:
        """The principal and the request id of a token minted for this very request
        (``method`` and ``path`` as the service received them), used once."""
        try:
            claims = jwt.decode(
                token,
                self._key,
                algorithms=[ALGORITHM],  # never what the token's header says
                audience=self._audience,
                issuer=ISSUER,
                leeway=CLOCK_LEEWAY_SECONDS,
                options={"require": [*REQUIRED_CLAIMS]},
            )
            if claims["exp"] - claims["iat"] > MAX_LIFETIME_SECONDS:
                raise InvalidToken("the token claims too long a life")
            if claims["method"] != method.upper() or claims["path"] != path:
                raise InvalidToken("the token was minted for another request")
            principal = Principal(
                role=claims["role"],
                key_id=str(claims["sub"]),
                name=str(claims.get("name", "")),
                partner_id=claims.get("partner_id"),
                site_id=claims.get("site_id"),
            )
        except jwt.ExpiredSignatureError as exc:
            raise InvalidToken("the token has expired") from exc
        except (jwt.InvalidTokenError, ValueError, TypeError) as exc:
            raise InvalidToken(f"the token is not valid: {exc}") from exc
        # Checked last: only a token valid in every other way takes a place in the set.
        if not self._seen.first_use(str(claims["jti"]), claims["exp"] + CLOCK_LEEWAY_SECONDS):
            raise InvalidToken("the token has been used already")
        return principal, str(claims["rid"])
