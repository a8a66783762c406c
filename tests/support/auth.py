"""Internal tokens for tests that call a service directly, as the gateway would.

The session fixture in ``tests/conftest.py`` makes a token key pair and points
``TOKEN_KEY_DIR`` at it. Test clients of service apps send an admin token unless the test
passes its own ``Authorization`` header, e.g. ``headers=as_counter(site_id)``.
"""

from __future__ import annotations

import uuid

from flask.testing import FlaskClient

from services.common.tokens import Principal, TokenIssuer, load_signing_key


def token_for(role: str, *, partner_id=None, site_id=None, name: str | None = None) -> str:
    # One stable key id per caller, as a real API key has (idempotency keys are per caller).
    caller = f"{role}:{partner_id}:{site_id}:{name}"
    principal = Principal(
        role=role,
        key_id=str(uuid.uuid5(uuid.NAMESPACE_URL, caller)),
        name=name or f"test {role}",
        partner_id=str(partner_id) if partner_id else None,
        site_id=str(site_id) if site_id else None,
    )
    return TokenIssuer(load_signing_key()).mint(principal, request_id=str(uuid.uuid4()))


def as_role(role: str, **scope) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(role, **scope)}"}


def as_admin() -> dict[str, str]:
    return as_role("admin")


def as_counter(site_id) -> dict[str, str]:
    return as_role("counter", site_id=site_id)


def as_partner(partner_id) -> dict[str, str]:
    return as_role("partner", partner_id=partner_id)


class ServiceTestClient(FlaskClient):
    """Adds an admin token to requests to a service app that carry no Authorization."""

    def open(self, *args, **kwargs):
        if "token_verifier" in self.application.extensions:
            headers = kwargs.get("headers")
            names = {name.lower() for name, _ in _items(headers)}
            if "authorization" not in names:
                kwargs["headers"] = [*_items(headers), *as_admin().items()]
        return super().open(*args, **kwargs)


def _items(headers) -> list[tuple[str, str]]:
    if headers is None:
        return []
    if hasattr(headers, "items"):
        return list(headers.items())
    return list(headers)
