"""Card codes at rest: AES-256-GCM under inventory's own key, never donations' data keys.

A code received sealed for transport is opened once, on receipt, and sealed again here with
the card's id as associated data (a ciphertext copied onto another card does not open). The
key comes from ``CARD_CODES_AT_REST_KEY`` (base64) or the file ``at-rest.key`` in
``CARD_CODES_KEY_DIR``; a development key directory (the one ``generate_keys`` makes, with its
README) gets a key on first use, or ahead of time from :func:`generate_key` (``make keys``:
a container cannot write its read-only secrets). ``key_id`` is stored beside each ciphertext
for rotation.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from services.common.card_codes import CardCodeKeysMissing
from services.common.config import card_codes_key_dir, env_str

KEY_FILE = "at-rest.key"
KEY_ENV = "CARD_CODES_AT_REST_KEY"
_NONCE_BYTES = 12


@dataclass(frozen=True)
class Vault:
    key: bytes

    @property
    def key_id(self) -> str:
        return hashlib.sha256(self.key).hexdigest()[:16]

    def seal(self, card_id: str, code: str) -> bytes:
        nonce = os.urandom(_NONCE_BYTES)
        return nonce + AESGCM(self.key).encrypt(nonce, code.encode(), card_id.encode())

    def open(self, card_id: str, sealed: bytes) -> str:
        nonce, ciphertext = sealed[:_NONCE_BYTES], sealed[_NONCE_BYTES:]
        return AESGCM(self.key).decrypt(nonce, ciphertext, card_id.encode()).decode()


def current_vault() -> Vault:
    return _vault(env_str(KEY_ENV, ""), card_codes_key_dir())


@functools.cache
def _vault(from_env: str, directory: Path) -> Vault:
    key = base64.b64decode(from_env) if from_env else _key_file(directory)
    if len(key) != 32:
        raise CardCodeKeysMissing("the at-rest key must be 32 bytes (base64)")
    return Vault(key)


def _key_file(directory: Path) -> bytes:
    path = directory / KEY_FILE
    if not path.exists() and (directory / "README").exists():
        _create_development_key(path)
    try:
        return base64.b64decode(path.read_bytes())
    except FileNotFoundError as exc:
        raise CardCodeKeysMissing(f"no {KEY_ENV} and no {path}") from exc


def generate_key(directory: Path) -> None:
    """Write a DEVELOPMENT at-rest key into ``directory`` (``make keys``) unless one is there."""
    directory.mkdir(parents=True, exist_ok=True)
    _create_development_key(directory / KEY_FILE)


def _create_development_key(path: Path) -> None:
    """Exclusive create: two workers starting together keep the first one's key."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(descriptor, "wb") as file:
        file.write(base64.b64encode(AESGCM.generate_key(bit_length=256)))
