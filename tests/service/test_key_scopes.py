"""A key acts for something that exists and is in use: a counter key for an open counter
site, a partner key for an active partner.

The gateway runs in front of the real inventory and donations apps, each served on its own
port: keys are created through ``/api/keys``, sites closed and partners deactivated through
the services' own APIs, as an admin would.
"""

from __future__ import annotations

import uuid
from contextlib import ExitStack

import pytest

from services.common.migrations import upgrade
from services.donations.app import SERVICE as DONATIONS
from services.gateway.app import create_app as create_gateway
from services.gateway.keys import KeyStore
from services.gateway.settings import Settings
from services.inventory.app import SERVICE as INVENTORY
from tests.support.serving import serving


@pytest.fixture
def gateway(tmp_path, sqlite_settings):
    runtimes = {
        "inventory": INVENTORY.runtime(sqlite_settings("inventory")),
        "donations": DONATIONS.runtime(sqlite_settings("donations")),
    }
    definitions = {"inventory": INVENTORY, "donations": DONATIONS}
    database = f"sqlite:///{tmp_path / 'gateway.db'}"
    upgrade("gateway", database)
    with ExitStack() as stack:
        upstreams = {
            name: stack.enter_context(serving(definitions[name].create_app({"RUNTIME": runtime})))
            for name, runtime in runtimes.items()
        }
        app = create_gateway(
            Settings.from_env(
                upstreams=upstreams,
                database_url=database,
                key_cache_seconds=0,
                scope_cache_seconds=0,
                rate_limit="1000/second",
            )
        )
        keys = KeyStore(database)
        admin = keys.create("admin desk", "admin").secret
        keys.close()
        yield Gateway(app.test_client(), admin)
        app.extensions["gateway.keys"].close()
    for runtime in runtimes.values():
        runtime.dispose()


class Gateway:
    def __init__(self, client, admin_key: str) -> None:
        self.client = client
        self.admin = {"Authorization": f"Bearer {admin_key}"}

    def created(self, path: str, body: dict) -> dict:
        response = self.client.post(path, json=body, headers=self.admin)
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    def site(self, kind: str = "counter") -> str:
        body = {"name": f"Site {uuid.uuid4().hex[:8]}", "city": "Lyon", "kind": kind}
        return self.created("/api/inventory/sites", body)["id"]

    def partner(self) -> str:
        body = {"name": f"Partner {uuid.uuid4().hex[:8]}", "kind": "telecom_operator"}
        return self.created("/api/donations/partners", body)["id"]

    def new_key(self, role: str, **scope):
        body = {"name": f"{role} desk", "role": role, **scope}
        return self.client.post("/api/keys", json=body, headers=self.admin)

    def working_key(self, role: str, **scope) -> str:
        created = self.new_key(role, **scope)
        assert created.status_code == 201, created.get_json()
        key = created.get_json()["key"]
        assert self.me(key).status_code == 200
        return key

    def me(self, key: str):
        return self.client.get("/api/me", headers={"Authorization": f"Bearer {key}"})


@pytest.mark.parametrize(
    ("role", "field", "scope_of"),
    [
        ("counter", "site_id", lambda gateway: str(uuid.uuid4())),
        ("counter", "site_id", lambda gateway: gateway.site(kind="workshop")),
        ("partner", "partner_id", lambda gateway: str(uuid.uuid4())),
    ],
    ids=["counter of no site", "counter of the workshop", "partner that does not exist"],
)
def test_a_key_for_what_does_not_exist_or_is_not_a_counter_is_refused_naming_the_field(
    gateway, role, field, scope_of
):
    response = gateway.new_key(role, **{field: scope_of(gateway)})

    assert response.status_code == 422, response.get_json()
    assert response.content_type == "application/problem+json"
    problem = response.get_json()
    assert problem["code"] == "invalid-scope"
    assert list(problem["errors"]["json"]) == [field]


@pytest.mark.parametrize(
    ("role", "scope", "field", "says"),
    [
        ("counter", {}, "site_id", "give site_id"),
        ("partner", {}, "partner_id", "give partner_id"),
        ("workshop", {"site_id": str(uuid.uuid4())}, "site_id", "Only a counter key"),
        ("admin", {"partner_id": str(uuid.uuid4())}, "partner_id", "Only a partner key"),
    ],
    ids=["counter without its site", "partner without its partner", "workshop with a site",
         "admin with a partner"],
)  # fmt: skip
def test_a_scope_the_role_does_not_take_is_refused_naming_the_field(
    gateway, role, scope, field, says
):
    response = gateway.new_key(role, **scope)

    assert response.status_code == 422, response.get_json()
    problem = response.get_json()
    assert problem["code"] == "invalid-scope"
    assert list(problem["errors"]["json"]) == [field]
    assert says in problem["errors"]["json"][field][0]


def test_a_counter_key_stops_working_when_its_site_closes(gateway):
    site = gateway.site()
    key = gateway.working_key("counter", site_id=site)

    closed = gateway.client.patch(
        f"/api/inventory/sites/{site}", json={"open": False}, headers=gateway.admin
    )
    assert (closed.status_code, closed.get_json()["open"]) == (200, False)

    refused = gateway.me(key)
    assert refused.status_code == 401
    assert "closed" in refused.get_json()["detail"]
    as_counter = {"Authorization": f"Bearer {key}"}
    assert gateway.client.get("/api/inventory/sites", headers=as_counter).status_code == 401
    assert gateway.new_key("counter", site_id=site).status_code == 422
    gateway.client.patch(f"/api/inventory/sites/{site}", json={"open": True}, headers=gateway.admin)
    assert gateway.me(key).status_code == 200


def test_a_partner_key_stops_working_when_its_partner_is_deactivated(gateway):
    partner = gateway.partner()
    key = gateway.working_key("partner", partner_id=partner)

    gateway.client.patch(
        f"/api/donations/partners/{partner}", json={"active": False}, headers=gateway.admin
    )

    refused = gateway.me(key)
    assert refused.status_code == 401
    assert "deactivated" in refused.get_json()["detail"]
    assert gateway.new_key("partner", partner_id=partner).status_code == 422
