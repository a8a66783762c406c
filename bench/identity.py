"""Who the benchmarks act as: development token keys, admin tokens, API keys."""

from __future__ import annotations

import os
import tempfile
import uuid
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from services.common.acting_client import ActingClient
from services.common.tokens import Principal, TokenIssuer, generate_token_keys, load_signing_key

LONG_TTL_SECONDS = 300  # tokens minted ahead for the wrk runs against a service directly
BENCH_ADMIN = Principal(role="admin", key_id="bench", name="bench")


def ensure_token_keys() -> Path:
    """A development key pair for this run (``TOKEN_KEY_DIR``), made once per process."""
    if "TOKEN_KEY_DIR" not in os.environ:
        os.environ["TOKEN_KEY_DIR"] = tempfile.mkdtemp(prefix="bench-token-keys-")
    directory = Path(os.environ["TOKEN_KEY_DIR"])
    generate_token_keys(directory)
    return directory


def admin_tokens(count: int, *, service: str, method: str, path: str) -> list[str]:
    """``count`` admin tokens for ``method path`` at ``service``: each opens one request."""
    issuer = TokenIssuer(load_signing_key(), LONG_TTL_SECONDS)
    return [
        issuer.mint(BENCH_ADMIN, str(uuid.uuid4()), service=service, method=method, path=path)
        for _ in range(count)
    ]


def admin_client(app: Flask) -> FlaskClient:
    """A test client of a service app that calls as an admin, as the gateway would."""
    return ActingClient(app, app.response_class, principal=BENCH_ADMIN)
