"""API keys: created, listed, rotated and revoked by an admin; checked on every request.

A key is ``cs_`` + 43 URL-safe characters (256 random bits). It is shown once, when it is
created or rotated; the database keeps its SHA-256 only. Looking a key up costs one
indexed query, remembered for ``cache_seconds`` (default 30 s). A rotation or revocation
notifies ``KEYS_CHANGED`` (PostgreSQL): every gateway process forgets its lookups at once,
so the key stops working everywhere; ``cache_seconds`` bounds a missed notification.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, select
from sqlalchemy.orm import sessionmaker

from services.common.db import make_engine, make_session_factory
from services.common.notifications import Listener, is_postgresql, notify
from services.common.tokens import Principal
from services.gateway.models import ApiKey

KEY_PREFIX = "cs_"
HINT_LENGTH = 8
CACHE_ENTRIES = 10_000
# Notified when a key is rotated or revoked: every gateway process forgets its lookups.
KEYS_CHANGED = "gateway_api_keys_changed"


class UnknownKey(Exception):
    """No such key, or it has been revoked."""

    def __init__(self, key: str = "") -> None:
        super().__init__("No such API key (or it is revoked).")
        self.key = key  # the id asked for, or why a secret was not looked up


class InvalidScope(ValueError):
    """A key's role and scope disagree (a partner key names one partner, a counter key one
    site, other roles neither); names the field to change."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason

    def details(self) -> dict:
        return {"errors": {"json": {self.field: [self.reason]}}}


_SCOPES = {"partner": "partner_id", "counter": "site_id"}  # the role whose key names one


def scope_mismatch(role: str, partner_id: str | None, site_id: str | None) -> InvalidScope | None:
    """What is wrong with a key's scope for its role, naming the field, or None."""
    given = {"partner_id": partner_id, "site_id": site_id}
    for owner, field in _SCOPES.items():
        if role == owner and given[field] is None:
            return InvalidScope(field, f"A {role} key names its {field[:-3]}: give {field}.")
        if role != owner and given[field] is not None:
            return InvalidScope(field, f"Only a {owner} key names a {field[:-3]}: leave it out.")
    return None


@dataclass(frozen=True)
class IssuedKey:
    """A key's record with its secret: the only time the secret is seen."""

    record: ApiKey
    secret: str


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_secret() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def principal_of(record: ApiKey) -> Principal:
    return Principal(
        role=record.role,
        key_id=record.id,
        name=record.name,
        partner_id=record.partner_id,
        site_id=record.site_id,
    )


class KeyStore:
    def __init__(self, database_url: str, *, cache_seconds: float = 30.0) -> None:
        self.database_url = database_url
        self.engine: Engine = make_engine(database_url)
        self._listener: Listener | None = None
        self._sessions: sessionmaker = make_session_factory(self.engine)
        self._cache_seconds = cache_seconds
        self._cache: OrderedDict[str, tuple[float, Principal | None]] = OrderedDict()
        self._lock = threading.Lock()

    def create(
        self,
        name: str,
        role: str,
        *,
        partner_id: str | None = None,
        site_id: str | None = None,
    ) -> IssuedKey:
        mismatch = scope_mismatch(role, partner_id, site_id)
        if mismatch is not None:
            raise mismatch
        try:
            Principal(role=role, key_id="new", name=name, partner_id=partner_id, site_id=site_id)
        except ValueError as exc:
            raise InvalidScope("role", str(exc)) from exc
        secret = new_secret()
        record = ApiKey(
            name=name,
            role=role,
            partner_id=partner_id,
            site_id=site_id,
            secret_hash=hash_secret(secret),
            hint=secret[:HINT_LENGTH],
        )
        with self._sessions.begin() as session:
            session.add(record)
        return IssuedKey(record, secret)

    def list(self, *, include_revoked: bool = False) -> list[ApiKey]:
        query = select(ApiKey).order_by(ApiKey.created_at, ApiKey.id)
        if not include_revoked:
            query = query.where(ApiKey.revoked_at.is_(None))
        with self._sessions() as session:
            return list(session.scalars(query))

    def get(self, key_id: str) -> ApiKey:
        with self._sessions() as session:
            record = session.get(ApiKey, key_id)
        if record is None:
            raise UnknownKey(key_id)
        return record

    def rotate(self, key_id: str) -> IssuedKey:
        """A new secret for the same key (same id, role and scope); the old one stops working."""
        secret = new_secret()
        with self._sessions.begin() as session:
            record = session.get(ApiKey, key_id, with_for_update=True)
            if record is None or record.revoked_at is not None:
                raise UnknownKey(key_id)
            record.secret_hash = hash_secret(secret)
            record.hint = secret[:HINT_LENGTH]
            record.rotated_at = datetime.now(UTC)
            notify(session, KEYS_CHANGED)
        self._forget_all()
        return IssuedKey(record, secret)

    def revoke(self, key_id: str) -> ApiKey:
        """Revoked keys stay listed (``include_revoked``) for the record; revoking twice is
        harmless."""
        with self._sessions.begin() as session:
            record = session.get(ApiKey, key_id, with_for_update=True)
            if record is None:
                raise UnknownKey(key_id)
            if record.revoked_at is None:
                record.revoked_at = datetime.now(UTC)
            notify(session, KEYS_CHANGED)
        self._forget_all()
        return record

    def authenticate(self, secret: str) -> Principal:
        """The principal of a key the client sent, or :class:`UnknownKey`."""
        if not secret.startswith(KEY_PREFIX) or len(secret) > 100:
            raise UnknownKey("malformed")
        digest = hash_secret(secret)
        now = time.monotonic()
        with self._lock:
            cached = self._cache.get(digest)
        if cached is not None and cached[0] > now:
            principal = cached[1]
        else:
            principal = self._lookup(digest)
            with self._lock:
                self._cache[digest] = (now + self._cache_seconds, principal)
                self._cache.move_to_end(digest)
                while len(self._cache) > CACHE_ENTRIES:
                    self._cache.popitem(last=False)
        if principal is None:
            raise UnknownKey("unknown")
        return principal

    def _lookup(self, digest: str) -> Principal | None:
        query = select(ApiKey).where(ApiKey.secret_hash == digest, ApiKey.revoked_at.is_(None))
        with self._sessions() as session:
            record = session.scalars(query).first()
        return principal_of(record) if record is not None else None

    def _forget_all(self) -> None:
        """This process forgets at once; other gateway processes within ``cache_seconds``."""
        with self._lock:
            self._cache.clear()

    def listen(self) -> KeyStore:
        """On PostgreSQL, forget every lookup as soon as any process (another gateway, the
        CLI) rotates or revokes a key; ``cache_seconds`` then only bounds a notification
        missed while the listener reconnects."""
        if self._listener is None and is_postgresql(self.database_url):
            self._listener = Listener(self.database_url, {KEYS_CHANGED: self._on_change}).start()
        return self

    def _on_change(self, _payload: str) -> None:
        self._forget_all()

    def close(self) -> None:
        if self._listener is not None:
            self._listener.stop()
        self.engine.dispose()
