"""Prepaid-card codes in custody: sealed by donations, opened only by inventory.

Envelope encryption: each uploaded batch of codes gets a fresh 256-bit data key; every PIN
is encrypted with it (AES-GCM, the card's serial as associated data, so a ciphertext cannot
be moved to another card); the data key itself is wrapped with inventory's RSA public key
(OAEP, SHA-256) and then forgotten. Donations therefore stores and forwards codes it can no
longer read. Uniqueness is checked on a keyed hash (HMAC-SHA-256) both services share.

Keys live in one directory (``CARD_CODES_KEY_DIR``): ``public.pem`` (donations and
inventory), ``private.pem`` (inventory only) and ``hash.key``. :func:`generate_keys` makes a
development set; production keys come from the deployment's secret store.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_OAEP = padding.OAEP(
    mgf=padding.MGF1(algorithm=hashes.SHA256()), algorithm=hashes.SHA256(), label=None
)


class CardCodeKeysMissing(RuntimeError):
    pass


@dataclass(frozen=True)
class SealedCode:
    serial: str
    nonce: str  # base64
    ciphertext: str  # base64


@dataclass(frozen=True)
class CardCodeKeys:
    hash_key: bytes
    public_key: rsa.RSAPublicKey
    private_key: rsa.RSAPrivateKey | None = None

    @classmethod
    def load(cls, directory: Path) -> CardCodeKeys:
        try:
            hash_key = base64.b64decode((directory / "hash.key").read_bytes())
            public_key = serialization.load_pem_public_key((directory / "public.pem").read_bytes())
        except FileNotFoundError as exc:
            raise CardCodeKeysMissing(f"card-code keys not found in {directory}") from exc
        private_path = directory / "private.pem"
        private_key = None
        if private_path.exists():
            private_key = serialization.load_pem_private_key(
                private_path.read_bytes(), password=None
            )
        return cls(hash_key=hash_key, public_key=public_key, private_key=private_key)

    def keyed_hash(self, pin: str) -> str:
        return hmac.new(self.hash_key, pin.encode(), hashlib.sha256).hexdigest()

    def new_data_key(self) -> tuple[bytes, str]:
        """A fresh data key, and the same key wrapped for inventory (base64)."""
        data_key = AESGCM.generate_key(bit_length=256)
        wrapped = self.public_key.encrypt(data_key, _OAEP)
        return data_key, base64.b64encode(wrapped).decode()

    @staticmethod
    def seal(data_key: bytes, serial: str, pin: str) -> SealedCode:
        nonce = os.urandom(12)
        ciphertext = AESGCM(data_key).encrypt(nonce, pin.encode(), serial.encode())
        return SealedCode(
            serial, base64.b64encode(nonce).decode(), base64.b64encode(ciphertext).decode()
        )

    def unwrap(self, wrapped_key: str) -> bytes:
        if self.private_key is None:
            raise CardCodeKeysMissing("this service holds no private key: it cannot open codes")
        return self.private_key.decrypt(base64.b64decode(wrapped_key), _OAEP)

    @staticmethod
    def open(data_key: bytes, sealed: SealedCode) -> str:
        plain = AESGCM(data_key).decrypt(
            base64.b64decode(sealed.nonce),
            base64.b64decode(sealed.ciphertext),
            sealed.serial.encode(),
        )
        return plain.decode()


@functools.cache
def keys_in(directory: Path) -> CardCodeKeys:
    """The keys of ``directory``, read once per process."""
    return CardCodeKeys.load(directory)


def generate_keys(directory: Path) -> None:
    """Write a DEVELOPMENT key set (files readable by the owner only) if none is there."""
    directory.mkdir(parents=True, exist_ok=True)
    if (directory / "public.pem").exists():
        return
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    files = {
        "private.pem": private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
        "public.pem": private_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
        "hash.key": base64.b64encode(os.urandom(32)),
        "README": b"DEVELOPMENT keys made by Connexions solidaires: never use in production.\n",
    }
    for name, content in files.items():
        path = directory / name
        path.write_bytes(content)
        path.chmod(0o600)
