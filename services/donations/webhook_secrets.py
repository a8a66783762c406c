"""Webhook signing secrets at rest: sealed with AES-256-GCM under donations' own key.

We must sign with the secret itself, so it cannot be stored hashed; it is sealed instead,
the endpoint's id as associated data (a sealed secret copied onto another endpoint does not
open). The key is ``WEBHOOK_SECRETS_KEY`` (base64, 32 bytes, from the deployment's secret
store) or else the file ``webhook-secrets.key`` beside the card-code keys
(``CARD_CODES_KEY_DIR``); a DEVELOPMENT key directory (the one ``generate_keys`` makes, with
its README) gets that file on first use. A database dump alone reveals no secret.
"""

from __future__ import annotations

import base64
import functools
import os
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from services.donations.domain.errors import WebhookSecretsUnavailable

KEY_FILE = "webhook-secrets.key"
_NONCE_BYTES = 12


class SecretBox:
    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise WebhookSecretsUnavailable("The webhook secrets key must be 32 bytes (base64).")
        self._aead = AESGCM(key)

    def seal(self, endpoint_id: str, secret: str) -> str:
        nonce = os.urandom(_NONCE_BYTES)
        sealed = nonce + self._aead.encrypt(nonce, secret.encode(), endpoint_id.encode())
        return base64.b64encode(sealed).decode()

    def open(self, endpoint_id: str, sealed: str) -> str:
        raw = base64.b64decode(sealed)
        nonce, ciphertext = raw[:_NONCE_BYTES], raw[_NONCE_BYTES:]
        return self._aead.decrypt(nonce, ciphertext, endpoint_id.encode()).decode()


def secret_box(key: bytes | None, key_dir: Path) -> SecretBox:
    """The box of ``key`` (the setting) or of the key file in ``key_dir``."""
    return SecretBox(key) if key else _box_in(key_dir.resolve())


@functools.cache
def _box_in(directory: Path) -> SecretBox:
    path = directory / KEY_FILE
    if not path.exists():
        readme = directory / "README"
        if not readme.exists() or b"DEVELOPMENT" not in readme.read_bytes():
            raise WebhookSecretsUnavailable(
                "No key to seal webhook secrets: set WEBHOOK_SECRETS_KEY."
            )
        # Written aside, then linked in place (atomic, refused if there): two processes
        # starting together end up with one key, never with a half-written one.
        draft = directory / f".{KEY_FILE}.{os.getpid()}"
        draft.write_bytes(base64.b64encode(os.urandom(32)))
        draft.chmod(0o600)
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return SecretBox(base64.b64decode(path.read_bytes()))
