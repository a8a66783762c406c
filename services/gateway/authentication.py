"""The gateway's door: an API key in, a signed internal token out.

Every request under ``/api/`` must carry ``Authorization: Bearer <API key>``. The key is
looked up (``keys.py``), counted against its rate limit (``rate_limits.py``), and replaced on
the forwarded request by a token minted for this request alone (``services/common/tokens.py``:
this service, method and path, used once) carrying the key's role and scope and the request
id. The client's key never reaches a
service.
"""

from __future__ import annotations

from flask import Flask, current_app, g, request

from services.common.problems import Problem
from services.common.tokens import Principal, TokenIssuer
from services.gateway.key_scopes import KeyScopes, ScopeNoLongerInUse
from services.gateway.keys import KeyStore, UnknownKey
from services.gateway.proxy import Forwarding, add_request_guard
from services.gateway.rate_limits import RateLimits

EXTENSION = "gateway.authentication"


class Authentication:
    def __init__(
        self, keys: KeyStore, issuer: TokenIssuer, limits: RateLimits, scopes: KeyScopes
    ) -> None:
        self.keys = keys
        self.issuer = issuer
        self.limits = limits
        self.scopes = scopes

    def principal(self, *roles: str) -> Principal:
        """The caller of this request, counted; 401, 403 or 429 problems otherwise."""
        if "principal" in g:
            return self._admitted(g.principal, roles)
        client = request.remote_addr or "unknown"
        scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            raise _unauthenticated("Send your API key as 'Authorization: Bearer <key>'.")
        try:
            principal = self.keys.authenticate(secret.strip())
        except UnknownKey:
            # Only wrong keys are slowed down: a valid key behind the same address (a
            # counter's NAT, a proxy) keeps working while someone else guesses.
            self.limits.refuse_if_failing(client)
            self.limits.count_failure(client)
            raise _unauthenticated(
                "This API key is not valid (unknown, rotated or revoked)."
            ) from None
        self.limits.count_request(principal.key_id)
        try:
            self.scopes.require_in_use(principal)  # its partner still active, its site open
        except ScopeNoLongerInUse as refused:
            raise _unauthenticated(f"This API key no longer works: {refused.reason}") from None
        g.principal = principal
        return self._admitted(principal, roles)

    @staticmethod
    def _admitted(principal: Principal, roles: tuple[str, ...]) -> Principal:
        if roles and principal.role not in roles:
            raise Problem(
                403,
                "forbidden",
                f"The {principal.role} role may not do this.",
                allowed_roles=sorted(roles),
            )
        return principal

    def forwarding_headers(self, forwarding: Forwarding) -> dict[str, str | None]:
        """The request guard: the client's key out, a token for this request alone in."""
        token = self.issuer.mint(
            self.principal(),
            g.request_id,
            service=forwarding.service,
            method=request.method,
            path="/" + forwarding.path,
        )
        return {"Authorization": f"Bearer {token}"}


def _unauthenticated(detail: str) -> Problem:
    return Problem(
        401, "unauthenticated", detail, headers={"WWW-Authenticate": 'Bearer realm="connexions"'}
    )


def init_app(app: Flask, authentication: Authentication) -> None:
    app.extensions[EXTENSION] = authentication
    add_request_guard(app, authentication.forwarding_headers)


def current_authentication() -> Authentication:
    return current_app.extensions[EXTENSION]


def require(*roles: str) -> Principal:
    """In the gateway's own views: the caller, who must hold one of ``roles`` (any if none)."""
    return current_authentication().principal(*roles)
