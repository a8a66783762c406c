"""Internal tokens for tests that call a service directly, as the gateway would.

The session fixture in ``tests/conftest.py`` makes a token key pair and points
``TOKEN_KEY_DIR`` at it. A token opens one request only, so test clients of service apps
mint one per request: as an admin unless the test names another caller with
``headers=as_counter(site_id)`` (or ``as_role``, ``as_partner``). An ``Authorization``
header of any other form is sent as it is.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from services.common.acting_client import ActingClient
from services.common.tokens import Principal

ACT_AS = "Test-Act-As"  # an Authorization scheme only these test clients understand
TEST_ADMIN = {"role": "admin", "partner_id": None, "site_id": None, "name": None}


def principal_for(role: str, *, partner_id=None, site_id=None, name: str | None = None):
    # One stable key id per caller, as a real API key has (idempotency keys are per caller).
    caller = f"{role}:{partner_id}:{site_id}:{name}"
    return Principal(
        role=role,
        key_id=str(uuid.uuid5(uuid.NAMESPACE_URL, caller)),
        name=name or f"test {role}",
        partner_id=str(partner_id) if partner_id else None,
        site_id=str(site_id) if site_id else None,
    )


def as_role(role: str, **scope) -> dict[str, str]:
    caller = {**TEST_ADMIN, "role": role, **{k: str(v) if v else None for k, v in scope.items()}}
    return {"Authorization": f"{ACT_AS} {json.dumps(caller)}"}


def as_admin() -> dict[str, str]:
    return as_role("admin")


def as_counter(site_id) -> dict[str, str]:
    return as_role("counter", site_id=site_id)


def as_partner(partner_id) -> dict[str, str]:
    return as_role("partner", partner_id=partner_id)


class ServiceTestClient(ActingClient):
    """Mints each request's token for the caller ``as_role`` named, an admin by default.

    Clients of apps that are not services (the gateway) send what the test gave.
    """

    def principal_for(self, environ: dict[str, Any]) -> Principal | None:
        if "token_verifier" not in self.application.extensions:
            return None
        scheme, _, caller = environ.get("HTTP_AUTHORIZATION", ACT_AS).partition(" ")
        if scheme != ACT_AS:
            return None
        return principal_for(**json.loads(caller or json.dumps(TEST_ADMIN)))
