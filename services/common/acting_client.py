"""A Flask test client that calls a service app as the gateway would.

Each request gets its own token, minted for that request's method and path at that app's
service (a token opens one request only, see ``tokens.py``). The embedded mode seeds its
demo data with it; tests and benchmarks call service apps with it.
"""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient
from werkzeug.wrappers import Request

from services.common.tokens import Principal, TokenIssuer, load_signing_key

SYSTEM_ADMIN = Principal(role="admin", key_id="system", name="system")


class ActingClient(FlaskClient):
    """Acts for ``principal`` (an admin by default) on requests that carry no
    ``Authorization`` header; a request that carries one is sent as it is."""

    def __init__(self, *args: Any, principal: Principal | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.principal = principal or SYSTEM_ADMIN
        self._issuer: TokenIssuer | None = None

    def principal_for(self, environ: dict[str, Any]) -> Principal | None:
        """Who this request acts for, or None to leave its headers alone."""
        return None if "HTTP_AUTHORIZATION" in environ else self.principal

    def run_wsgi_app(self, environ: dict[str, Any], buffered: bool = False) -> Any:
        principal = self.principal_for(environ)
        if principal is not None:
            environ["HTTP_AUTHORIZATION"] = "Bearer " + self.token(principal, environ)
        return super().run_wsgi_app(environ, buffered=buffered)

    def token(self, principal: Principal, environ: dict[str, Any]) -> str:
        if self._issuer is None:
            self._issuer = TokenIssuer(load_signing_key())
        request = Request(environ)
        return self._issuer.mint(
            principal,
            request.headers.get("X-Request-ID", "acting-client"),
            service=self.application.name,
            method=request.method,
            path=request.path,
        )
