"""Who may call what, and see which objects, in every service.

* **Authentication**: each request must carry the gateway's internal token
  (``Authorization: Bearer <jwt>``, see ``tokens.py``) minted for this service, this method
  and this path, and not used before; otherwise 401. Only the health probes and the OpenAPI
  document are open.
* **Function level**: every operation declares the roles it admits with :func:`allow`
  (shown in the OpenAPI document as ``x-roles``); other roles get 403. An operation that
  declares nothing cannot be registered: :func:`check_declared` fails the app at start.
* **Object level**: views narrow what a scoped role sees with :func:`partner_scope`,
  :func:`site_scope` and refuse foreign objects with :func:`require_partner` /
  :func:`require_site` (404: a caller learns nothing about objects that are not theirs).
* **Personal data**: schema fields marked ``metadata=PERSONAL`` are left out of answers
  to roles that may not see personal data (auditor, workshop), by :class:`RedactsPersonalData`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from flask import Flask, g, has_request_context, request
from flask_smorest import Blueprint
from marshmallow import Schema, post_dump

from services.common.problems import Problem, problem_response
from services.common.tokens import ROLES, InvalidToken, Principal, TokenVerifier

F = TypeVar("F", bound=Callable[..., Any])

ALLOWED_ROLES_ATTRIBUTE = "allowed_roles"
OPEN_ENDPOINTS = frozenset({"health.live", "health.ready", "api-docs.openapi_json", "metrics"})
PERSONAL_DATA_ROLES = frozenset({"admin", "partner", "counter"})
PERSONAL = {"personal": True}
SECURITY_SCHEME = "internalToken"
EVERYONE = ROLES
READERS = ("admin", "auditor")


def allow(*roles: str) -> Callable[[F], F]:
    """Declare the roles an operation admits: ``@allow("admin", "counter")``."""
    unknown = set(roles) - set(ROLES)
    if unknown or not roles:
        raise ValueError(f"roles must be among {ROLES}, got {roles}")

    def decorate(function: F) -> F:
        documented = Blueprint.doc(
            **{
                "x-roles": list(roles),
                "security": [{SECURITY_SCHEME: []}],
                "responses": {
                    "401": {"description": "Not authenticated (no valid API key)."},
                    "403": {"description": f"Only for: {', '.join(roles)}."},
                },
            }
        )(function)
        setattr(documented, ALLOWED_ROLES_ATTRIBUTE, frozenset(roles))
        return documented  # type: ignore[return-value]

    return decorate


def current_principal() -> Principal:
    principal = g.get("principal")
    if principal is None:  # only the open endpoints run without one
        raise Problem(401, "unauthenticated", "This request carries no identity.")
    return principal


def partner_scope() -> str | None:
    """The partner a partner key is limited to; None for roles that see every partner."""
    return current_principal().partner_id


def site_scope() -> str | None:
    """The site a counter key is limited to; None for roles that see every site."""
    return current_principal().site_id


def require_partner(partner_id: Any, what: str = "resource") -> None:
    scope = partner_scope()
    if scope is not None and str(partner_id) != scope:
        raise Problem(404, "not-found", f"No such {what}.")


def require_site(site_id: Any, what: str = "resource") -> None:
    scope = site_scope()
    if scope is not None and str(site_id) != scope:
        raise Problem(404, "not-found", f"No such {what}.")


def sees_personal_data() -> bool:
    principal = g.get("principal") if has_request_context() else None
    return principal is None or principal.role in PERSONAL_DATA_ROLES


class RedactsPersonalData(Schema):
    """Base of output schemas with fields marked ``metadata=PERSONAL``: those fields are
    dropped when the caller's role may not see personal data."""

    @post_dump
    def _redact_personal(self, data: dict[str, Any], **_kwargs: Any) -> dict[str, Any]:
        if sees_personal_data():
            return data
        personal = {
            name
            for name, field in self.fields.items()
            if field.metadata.get("personal") and field.data_key is None
        } | {
            field.data_key
            for field in self.fields.values()
            if field.metadata.get("personal") and field.data_key
        }
        return {key: value for key, value in data.items() if key not in personal}


def install_authorization(app: Flask, verifier: TokenVerifier) -> None:
    """Authenticate every request but the open ones, then apply the operation's roles."""

    @app.before_request
    def _authenticate_and_authorise():
        if request.endpoint in OPEN_ENDPOINTS or request.endpoint is None:
            return None  # None: 404/405 follow, nothing to protect
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return _unauthenticated("This service answers only requests through the gateway.")
        try:
            principal, _request_id = verifier.verify(
                token.strip(), method=request.method, path=request.path
            )
        except InvalidToken as exc:
            return _unauthenticated(str(exc))
        g.principal = principal
        roles = declared_roles(app, request.endpoint, request.method)
        if principal.role not in roles:
            return problem_response(
                403,
                "forbidden",
                f"The {principal.role} role may not do this.",
                allowed_roles=sorted(roles),
            )
        return None

    app.extensions["token_verifier"] = verifier


def _unauthenticated(detail: str):
    response = problem_response(401, "unauthenticated", detail)
    response.headers["WWW-Authenticate"] = 'Bearer realm="connexions-services"'
    return response


def declared_roles(app: Flask, endpoint: str, method: str) -> frozenset[str]:
    view = app.view_functions[endpoint]
    view_class = getattr(view, "view_class", None)
    name = "get" if method == "HEAD" else method.lower()
    target = getattr(view_class, name, None) if view_class is not None else view
    return getattr(target, ALLOWED_ROLES_ATTRIBUTE, frozenset())


def check_declared(app: Flask) -> None:
    """Fail at start if an operation forgot to say who may call it (default: nobody)."""
    missing = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in OPEN_ENDPOINTS:
            continue
        for method in _methods(rule.methods):
            if not declared_roles(app, rule.endpoint, method):
                missing.append(f"{method} {rule.rule}")
    if missing:
        raise RuntimeError(f"operations without @allow(...): {', '.join(sorted(missing))}")


def _methods(methods: Iterable[str] | None) -> list[str]:
    return [m for m in methods or () if m not in ("HEAD", "OPTIONS")]


def document_security(spec: Any) -> None:
    """Name the internal token in the service's OpenAPI document."""
    spec.components.security_scheme(
        SECURITY_SCHEME,
        {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "Minted by the gateway for each request; clients use an API key.",
        },
    )
