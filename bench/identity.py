"""Who the benchmarks act as: development token keys, admin tokens, API keys."""

from __future__ import annotations

import os
import tempfile
import uuid
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from services.common.tokens import Principal, TokenIssuer, generate_token_keys, load_signing_key

LONG_TTL_SECONDS = 300  # one token for the wrk runs against a service directly (the most allowed)


def ensure_token_keys() -> Path:
    """A development key pair for this run (``TOKEN_KEY_DIR``), made once per process."""
    if "TOKEN_KEY_DIR" not in os.environ:
        os.environ["TOKEN_KEY_DIR"] = tempfile.mkdtemp(prefix="bench-token-keys-")
    directory = Path(os.environ["TOKEN_KEY_DIR"])
    generate_token_keys(directory)
    return directory


def admin_token(ttl_seconds: int = LONG_TTL_SECONDS) -> str:
    principal = Principal(role="admin", key_id="bench", name="bench")
    return TokenIssuer(load_signing_key(), ttl_seconds).mint(principal, str(uuid.uuid4()))


class _AdminClient(FlaskClient):
    def open(self, *args, **kwargs):
        headers = dict(kwargs.pop("headers", None) or {})
        headers.setdefault("Authorization", f"Bearer {admin_token(300)}")
        return super().open(*args, headers=headers, **kwargs)


def admin_client(app: Flask) -> FlaskClient:
    """A test client of a service app that calls as an admin, as the gateway would."""
    app.test_client_class = _AdminClient
    return app.test_client()
