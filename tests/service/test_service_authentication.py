"""Reaching a service's port directly grants nothing: only the gateway's fresh token opens it.

Each service app is called as a stranger would: without a token, with an expired one, one
signed by another key, one meant for another service, method or path, an unsigned one, or a
well-signed one whose claims are not a valid principal. Every case is a 401 problem and
changes nothing. A token the gateway minted opens its one request once: replayed to any
service, it is refused.
"""

from __future__ import annotations

import time
import uuid

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from services.common.replay import SeenTokens
from services.common.tokens import (
    ALGORITHM,
    ISSUER,
    Principal,
    TokenIssuer,
    audience_of,
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


def _claims(service, http_method, http_path, **overrides):
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "aud": audience_of(service),
        "method": http_method,
        "path": http_path,
        "sub": str(uuid.uuid4()),
        "name": "stranger",
        "role": "admin",
        "rid": "r",
        "iat": now,
        "exp": now + 60,
        "jti": uuid.uuid4().hex,
    }
    claims.update(overrides)
    return {name: value for name, value in claims.items() if value is not None}


def _signed(claims, key=None) -> str:
    return jwt.encode(claims, key or load_signing_key(), algorithm=ALGORITHM)


def _minted(service, method, path, **options) -> str:
    principal = Principal(role="admin", key_id="k", name="n")
    issuer = TokenIssuer(load_signing_key(), ttl_seconds=60)
    return issuer.mint(principal, "r", service=service, method=method, path=path, **options)


# Each makes the Authorization header of one call (service, method, path).
STRANGERS = {
    "no token": lambda *_: "",
    "not a bearer token": lambda *_: "Basic YWRtaW46YWRtaW4=",
    "garbage": lambda *_: "Bearer not.a.jwt",
    "expired": lambda *call: "Bearer " + _minted(*call, now=time.time() - 600),
    "signed by another key": lambda *call: (
        "Bearer " + _signed(_claims(*call), Ed25519PrivateKey.generate())
    ),
    "unsigned (alg none)": lambda *call: "Bearer " + jwt.encode(_claims(*call), None, "none"),
    "symmetric (HS256) guess": lambda *call: (
        "Bearer " + jwt.encode(_claims(*call), "a-guessed-shared-secret-of-32-bytes", "HS256")
    ),
    "for another audience": lambda *call: "Bearer " + _signed(_claims(*call, aud="somebody")),
    "for every service (the old shared audience)": lambda *call: (
        "Bearer " + _signed(_claims(*call, aud="connexions-services"))
    ),
    "minted for another service": lambda service, *call: (
        "Bearer " + _minted("gateway" if service != "gateway" else "sales", *call)
    ),
    "minted for another method": lambda service, method, path: (
        "Bearer " + _minted(service, "DELETE", path)
    ),
    "minted for another path": lambda service, method, path: (
        "Bearer " + _minted(service, method, path + "/other")
    ),
    "naming no method or path": lambda *call: (
        "Bearer " + _signed(_claims(*call, method=None, path=None))
    ),
    "without an id (jti)": lambda *call: "Bearer " + _signed(_claims(*call, jti=None)),
    "from another issuer": lambda *call: "Bearer " + _signed(_claims(*call, iss="somebody")),
    "unknown role": lambda *call: "Bearer " + _signed(_claims(*call, role="root")),
    "partner without its partner": lambda *call: (
        "Bearer " + _signed(_claims(*call, role="partner"))
    ),
    "no expiry": lambda *call: "Bearer " + _signed(_claims(*call, exp=None)),
    "a life of years": lambda *call: (
        "Bearer " + _signed(_claims(*call, exp=int(time.time()) + 10**9))
    ),
}


@pytest.mark.parametrize("stranger", sorted(STRANGERS))
def test_a_direct_call_without_a_valid_gateway_token_is_401(each_service, stranger):
    name, _, client = each_service
    for method, path, body in CALLS[name]:
        headers = {"Authorization": STRANGERS[stranger](name, method, path)}
        response = client.open(path, method=method, json=body, headers=headers)

        assert response.status_code == 401, (method, path, response.get_json())
        assert response.content_type == "application/problem+json"
        assert response.get_json()["code"] == "unauthenticated"
    listed = client.get(CALLS[name][0][1]).get_json()  # as admin, through a valid token
    assert listed["total"] == 0 if isinstance(listed, dict) else listed == []


def test_health_and_the_api_description_stay_open(each_service):
    _, _, client = each_service
    for path in ("/health/live", "/openapi.json"):
        assert client.get(path, headers={"Authorization": ""}).status_code == 200


@pytest.fixture
def every_service(sqlite_settings):
    runtimes = {name: SERVICES[name].runtime(sqlite_settings(name)) for name in SERVICES}
    yield {
        name: SERVICES[name].create_app({"RUNTIME": runtime}).test_client()
        for name, runtime in runtimes.items()
    }
    for runtime in runtimes.values():
        runtime.dispose()


def test_a_token_opens_its_one_request_once_and_is_refused_when_replayed(every_service):
    token = {"Authorization": "Bearer " + _minted("inventory", "GET", "/sites")}
    assert every_service["inventory"].get("/sites", headers=token).status_code == 200

    for _ in range(2):
        for name, client in every_service.items():
            for method, path, body in CALLS[name]:
                response = client.open(path, method=method, json=body, headers=token)

                assert response.status_code == 401, (name, method, path, response.get_json())
                assert response.get_json()["code"] == "unauthenticated"


def test_a_token_is_refused_the_second_time_even_at_its_own_request(every_service):
    for name, client in every_service.items():
        method, path, _ = CALLS[name][0]
        token = {"Authorization": "Bearer " + _minted(name, method, path)}
        statuses = [client.open(path, method=method, headers=token).status_code for _ in "ab"]

        assert statuses == [200, 401], name
        assert (
            "used already" in client.open(path, method=method, headers=token).get_json()["detail"]
        )


def test_remembered_token_ids_are_forgotten_once_expired_and_bounded_in_number():
    seen = SeenTokens(capacity=2)
    assert seen.first_use("a", time.time() - 1)  # already past: forgotten at the next use
    assert seen.first_use("b", time.time() + 60)
    assert not seen.first_use("b", time.time() + 60)
    assert seen.first_use("c", time.time() + 60) and len(seen) == 2
    assert not seen.first_use("d", time.time() + 60)  # full: refused, never forgotten early
