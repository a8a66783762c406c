"""Reaching a service's port directly grants nothing: only the gateway's fresh token opens it.

Each service app is called as a stranger would: without a token, with an expired one, one
signed by another key, one meant for another audience, an unsigned one, or a well-signed one
whose claims are not a valid principal. Every case is a 401 problem and changes nothing.
"""

from __future__ import annotations

import time
import uuid

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from services.common.tokens import (
    ALGORITHM,
    AUDIENCE,
    ISSUER,
    Principal,
    TokenIssuer,
    load_signing_key,
)
from services.donations.app import SERVICE as DONATIONS
from services.inventory.app import SERVICE as INVENTORY
from services.sales.app import SERVICE as SALES

SERVICES = {"donations": DONATIONS, "inventory": INVENTORY, "sales": SALES}
# One read and one write per service; the write would create something if it got through.
CALLS = {
    "donations": [
        ("GET", "/partners", None),
        ("POST", "/partners", {"name": "X", "kind": "other"}),
    ],
    "inventory": [
        ("GET", "/sites", None),
        ("POST", "/sites", {"name": "X", "city": "Lyon", "kind": "counter"}),
    ],
    "sales": [("GET", "/orders", None), ("POST", "/price-grids", {"entries": []})],
}


def _claims(**overrides):
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": str(uuid.uuid4()),
        "name": "stranger",
        "role": "admin",
        "rid": "r",
        "iat": now,
        "exp": now + 60,
    }
    claims.update(overrides)
    return {name: value for name, value in claims.items() if value is not None}


def _signed(claims, key=None) -> str:
    return jwt.encode(claims, key or load_signing_key(), algorithm=ALGORITHM)


STRANGERS = {
    "no token": lambda: None,
    "not a bearer token": lambda: "Basic YWRtaW46YWRtaW4=",
    "garbage": lambda: "Bearer not.a.jwt",
    "expired": lambda: (
        "Bearer "
        + TokenIssuer(load_signing_key(), ttl_seconds=60).mint(
            Principal(role="admin", key_id="k", name="n"), "r", now=time.time() - 600
        )
    ),
    "signed by another key": lambda: "Bearer " + _signed(_claims(), Ed25519PrivateKey.generate()),
    "unsigned (alg none)": lambda: "Bearer " + jwt.encode(_claims(), None, algorithm="none"),
    "symmetric (HS256) guess": lambda: (
        "Bearer " + jwt.encode(_claims(), "a-guessed-shared-secret-of-32-bytes", algorithm="HS256")
    ),
    "for another audience": lambda: "Bearer " + _signed(_claims(aud="somebody-else")),
    "from another issuer": lambda: "Bearer " + _signed(_claims(iss="somebody-else")),
    "unknown role": lambda: "Bearer " + _signed(_claims(role="root")),
    "partner without its partner": lambda: "Bearer " + _signed(_claims(role="partner")),
    "no expiry": lambda: "Bearer " + _signed(_claims(exp=None)),
    "a life of years": lambda: "Bearer " + _signed(_claims(exp=int(time.time()) + 10**9)),
}


@pytest.fixture(params=sorted(SERVICES))
def service(request, sqlite_settings):
    definition = SERVICES[request.param]
    runtime = definition.runtime(sqlite_settings(request.param))
    yield request.param, definition.create_app({"RUNTIME": runtime}).test_client()
    runtime.dispose()


@pytest.mark.parametrize("stranger", sorted(STRANGERS))
def test_a_direct_call_without_a_valid_gateway_token_is_401(service, stranger):
    name, client = service
    authorization = STRANGERS[stranger]()
    for method, path, body in CALLS[name]:
        headers = {"Authorization": authorization} if authorization else {"Authorization": ""}
        response = client.open(path, method=method, json=body, headers=headers)

        assert response.status_code == 401, (method, path, response.get_json())
        assert response.content_type == "application/problem+json"
        assert response.get_json()["code"] == "unauthenticated"
    listed = client.get(CALLS[name][0][1]).get_json()  # as admin, through a valid token
    assert listed["total"] == 0 if isinstance(listed, dict) else listed == []


def test_health_and_the_api_description_stay_open(service):
    _, client = service
    for path in ("/health/live", "/openapi.json"):
        assert client.get(path, headers={"Authorization": ""}).status_code == 200
