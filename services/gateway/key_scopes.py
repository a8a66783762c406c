"""What a partner or counter key acts for must exist and be in use.

A partner key needs an active partner (donations), a counter key an open counter site
(inventory): checked when the key is created (422 naming the field otherwise) and, for
every request, before the key is let through. The gateway asks the service that owns the
record (``GET /partners/{id}``, ``GET /sites/{id}``, with a token of its own) and remembers
the answer for ``cache_seconds`` (default 30 s): deactivating a partner or closing a site
stops its keys within that time on every gateway process. If the service cannot be reached,
the last answer stands; a scope never confirmed is refused (:class:`ScopeUnverifiable`: 503,
try again). The statuses are set in ``api/errors.py`` and ``authentication.py``.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from dataclasses import dataclass

from services.common.tokens import Principal, TokenIssuer
from services.gateway.upstreams import Upstreams, UpstreamUnavailable

GATEWAY = Principal(role="admin", key_id="gateway", name="gateway (key scopes)")
CACHE_ENTRIES = 10_000


@dataclass(frozen=True)
class Scope:
    field: str  # as the key's API names it
    service: str
    path: str

    @classmethod
    def of(cls, role: str, partner_id: str | None, site_id: str | None) -> Scope | None:
        if role == "partner" and partner_id:
            return cls("partner_id", "donations", f"/partners/{partner_id}")
        if role == "counter" and site_id:
            return cls("site_id", "inventory", f"/sites/{site_id}")
        return None


class ScopeRefused(Exception):
    """A new key's partner or site does not exist or is not in use."""

    def __init__(self, scope: Scope, reason: str) -> None:
        super().__init__(f"{scope.field}: {reason}")
        self.scope = scope
        self.reason = reason

    def details(self) -> dict:
        return {"errors": {"json": {self.scope.field: [self.reason]}}}


class ScopeUnverifiable(Exception):
    """The service owning a key's partner or site could not say whether it is in use."""

    def __init__(self, detail: str) -> None:
        super().__init__(f"{detail} Try again in a moment.")


class ScopeNoLongerInUse(Exception):
    """A key's partner has been deactivated, or its site closed, since it was created."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class KeyScopes:
    def __init__(
        self, upstreams: Upstreams, issuer: TokenIssuer, *, timeout: float, cache_seconds: float
    ) -> None:
        self._upstreams = upstreams
        self._issuer = issuer
        self._timeout = timeout
        self._cache_seconds = cache_seconds
        self._known: dict[Scope, tuple[float, str | None]] = {}  # expiry, reason refused
        self._lock = threading.Lock()

    def check_new(self, role: str, partner_id: str | None, site_id: str | None) -> None:
        """For a key about to be created: asked afresh; :class:`ScopeRefused` or
        :class:`ScopeUnverifiable`."""
        scope = Scope.of(role, partner_id, site_id)
        if scope is not None and (reason := self._ask(scope)) is not None:
            raise ScopeRefused(scope, reason)

    def require_in_use(self, principal: Principal) -> None:
        """For a request: :class:`ScopeNoLongerInUse` once the key's partner is inactive or
        its site closed; :class:`ScopeUnverifiable` if that was never confirmed."""
        scope = Scope.of(principal.role, principal.partner_id, principal.site_id)
        if scope is None:
            return
        with self._lock:
            known = self._known.get(scope)
        if known is None or known[0] <= time.monotonic():
            try:
                self._ask(scope)
            except ScopeUnverifiable:
                if known is None:
                    raise
        with self._lock:
            reason = self._known[scope][1] if scope in self._known else None
        if reason is not None:
            raise ScopeNoLongerInUse(reason)

    def _ask(self, scope: Scope) -> str | None:
        """Why the scope is refused (None: in use), remembered; :class:`ScopeUnverifiable`
        if nobody answers."""
        if scope.service not in self._upstreams:
            raise ScopeUnverifiable(f"No {scope.service} service is configured.")
        token = self._issuer.mint(
            GATEWAY, str(uuid.uuid4()), service=scope.service, method="GET", path=scope.path
        )
        try:
            reply = self._upstreams.send(
                scope.service,
                "GET",
                scope.path,
                headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
                timeout=self._timeout,
                preload=True,
            )
        except UpstreamUnavailable as exc:
            raise ScopeUnverifiable(f"The {scope.service} service could not be asked.") from exc
        reason = _refusal(scope, reply.status, _json(reply.data))
        with self._lock:
            if len(self._known) >= CACHE_ENTRIES:
                self._known.clear()
            self._known[scope] = (time.monotonic() + self._cache_seconds, reason)
        return reason


def _json(data: bytes):
    try:
        return json.loads(data)
    except ValueError:
        return None


def _refusal(scope: Scope, status: int, record) -> str | None:
    if status == 404:
        return f"no such {scope.field.removesuffix('_id')}."
    if status != 200 or not isinstance(record, dict):
        raise ScopeUnverifiable(f"The {scope.service} service answered {status}.")
    if scope.field == "partner_id" and record.get("active") is not True:
        return "the partner is deactivated."
    if scope.field == "site_id" and record.get("kind") != "counter":
        return f"the site is a {record.get('kind')}, not a counter."
    if scope.field == "site_id" and record.get("open") is not True:
        return "the site is closed."
    return None
