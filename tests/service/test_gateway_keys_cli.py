"""``keys_cli create`` checks a partner or counter key's scope as ``POST /api/keys`` does
(``key_scopes.py``): the real inventory and donations apps are served on their own ports,
and the CLI asks them, with the gateway's settings pointed at those ports."""

from __future__ import annotations

import json
import socket
import uuid
from contextlib import ExitStack

import pytest

from services.common.migrations import upgrade
from services.donations.app import SERVICE as DONATIONS
from services.gateway import keys_cli
from services.gateway.keys import KeyStore
from services.gateway.settings import Settings
from services.inventory.app import SERVICE as INVENTORY
from tests.support.serving import serving


class Services:
    def __init__(self, apps: dict, urls: dict[str, str]) -> None:
        self.clients = {name: app.test_client() for name, app in apps.items()}
        self.urls = urls

    def created(self, service: str, path: str, body: dict) -> str:
        response = self.clients[service].post(path, json=body)
        assert response.status_code == 201, response.get_json()
        return response.get_json()["id"]

    def site(self, kind: str = "counter") -> str:
        body = {"name": f"Site {uuid.uuid4().hex[:8]}", "city": "Lyon", "kind": kind}
        return self.created("inventory", "/sites", body)

    def partner(self, *, active: bool = True) -> str:
        body = {"name": f"Partner {uuid.uuid4().hex[:8]}", "kind": "telecom_operator"}
        partner = self.created("donations", "/partners", body)
        if not active:
            self.clients["donations"].patch(f"/partners/{partner}", json={"active": False})
        return partner


@pytest.fixture
def services(sqlite_settings):
    runtimes = {
        "inventory": INVENTORY.runtime(sqlite_settings("inventory")),
        "donations": DONATIONS.runtime(sqlite_settings("donations")),
    }
    definitions = {"inventory": INVENTORY, "donations": DONATIONS}
    apps = {name: definitions[name].create_app({"RUNTIME": rt}) for name, rt in runtimes.items()}
    with ExitStack() as stack:
        urls = {name: stack.enter_context(serving(app)) for name, app in apps.items()}
        yield Services(apps, urls)
    for runtime in runtimes.values():
        runtime.dispose()


@pytest.fixture
def store(tmp_path):
    database = f"sqlite:///{tmp_path / 'gateway.db'}"
    upgrade("gateway", database)
    keys = KeyStore(database, cache_seconds=0)
    yield keys
    keys.close()


def cli(store, services_urls: dict[str, str], *argv: str) -> int:
    settings = Settings.from_env(upstreams=services_urls)
    return keys_cli.run(list(argv), store, lambda: keys_cli.key_scopes(settings))


@pytest.mark.parametrize(
    ("option", "scope_of", "reason"),
    [
        ("--site-id", lambda services: str(uuid.uuid4()), "no such site"),
        ("--site-id", lambda services: services.site(kind="workshop"), "not a counter"),
        ("--partner-id", lambda services: str(uuid.uuid4()), "no such partner"),
        ("--partner-id", lambda services: services.partner(active=False), "deactivated"),
    ],
    ids=["counter of no site", "counter of the workshop", "no such partner", "inactive partner"],
)
def test_create_refuses_a_key_for_what_does_not_exist_or_is_not_in_use(
    services, store, capsys, option, scope_of, reason
):
    role = "counter" if option == "--site-id" else "partner"

    status = cli(
        store, services.urls, "create", "--name", "Desk", "--role", role, option, scope_of(services)
    )

    assert status == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert f"error: {option} refused: " in captured.err and reason in captured.err
    assert store.list(include_revoked=True) == []


def test_create_makes_keys_for_an_open_counter_and_an_active_partner(services, store, capsys):
    site, partner = services.site(), services.partner()

    assert (
        cli(
            store,
            services.urls,
            "create",
            "--name",
            "Lyon desk",
            "--role",
            "counter",
            "--site-id",
            site,
        )
        == 0
    )
    counter = json.loads(capsys.readouterr().out)
    assert (
        cli(
            store,
            services.urls,
            "create",
            "--name",
            "Operator",
            "--role",
            "partner",
            "--partner-id",
            partner,
        )
        == 0
    )
    partner_key = json.loads(capsys.readouterr().out)

    assert store.authenticate(counter["key"]).site_id == site
    assert store.authenticate(partner_key["key"]).partner_id == partner


def test_create_refuses_a_scope_it_cannot_check_and_needs_no_service_for_an_admin(store, capsys):
    with socket.socket() as probe:  # a port nothing listens on once closed
        probe.bind(("127.0.0.1", 0))
        nowhere = f"http://127.0.0.1:{probe.getsockname()[1]}"
    urls = {"inventory": nowhere, "donations": nowhere}

    status = cli(
        store, urls, "create", "--name", "Desk", "--role", "counter", "--site-id", str(uuid.uuid4())
    )

    assert status == 1
    assert "the key's scope could not be checked" in capsys.readouterr().err
    assert store.list(include_revoked=True) == []
    assert cli(store, urls, "create", "--name", "Ops", "--role", "admin") == 0


def test_create_refuses_a_scoped_key_when_no_token_key_can_ask_the_services(
    store, capsys, monkeypatch, tmp_path
):
    monkeypatch.setenv("TOKEN_KEY_DIR", str(tmp_path / "no-keys"))

    status = keys_cli.run(
        ["create", "--name", "Desk", "--role", "counter", "--site-id", str(uuid.uuid4())], store
    )

    assert status == 1
    assert "no token signing key" in capsys.readouterr().err
    assert store.list(include_revoked=True) == []
