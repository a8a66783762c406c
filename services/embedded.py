"""The embedded system: all four services in one process (``make run``).

SQLite files under ``DATA_DIR`` (default ``./var``), kombu's in-process ``memory://``
transport, each service's API on its own local port behind the gateway, each service's
worker (relay + consumer) on threads, demo data seeded on first start. Ctrl-C stops it all.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import threading

from werkzeug.serving import make_server

from services.common.acting_client import ActingClient
from services.common.card_codes import generate_keys
from services.common.config import (
    SERVICES_WITH_DATABASE,
    card_codes_key_dir,
    data_dir,
    env_int,
    env_str,
    service_settings,
)
from services.common.log_privacy import strip_query_strings_from
from services.common.logs import configure_logging
from services.common.migrations import upgrade
from services.common.service import ServiceDefinition
from services.common.tokens import ROLES, Principal, generate_token_keys, token_key_dir
from services.common.tracing import configure_tracing
from services.demo.programme import DEMO_PARTNER, DEMO_SITES
from services.demo.seed import seed_once
from services.donations.app import SERVICE as DONATIONS
from services.gateway.app import create_app as create_gateway
from services.gateway.keys import KeyStore
from services.gateway.settings import Settings as GatewaySettings
from services.inventory.app import SERVICE as INVENTORY
from services.sales.app import SERVICE as SALES

log = logging.getLogger("embedded")

DEFINITIONS: dict[str, ServiceDefinition] = {
    "donations": DONATIONS,
    "inventory": INVENTORY,
    "sales": SALES,
}

DEMO_KEY_PREFIX = "demo "
DEMO_ADMIN = Principal(role="admin", key_id="embedded-seed", name="demo data")


class EmbeddedSystem:
    def __init__(
        self, host: str = "127.0.0.1", gateway_port: int = 8080, demo_programme: bool = False
    ) -> None:
        """``demo_programme``: seed the living demo (``services/demo``) on first start, as
        ``make run`` does unless ``DEMO_DATA=none``; tests and benchmarks start without it."""
        self.host = host
        self.gateway_port = gateway_port
        self.demo_programme = demo_programme
        self.runtimes = {}
        self.apps = {}
        self.workers = []
        self.servers = []
        self._threads: list[threading.Thread] = []

    def start(self) -> EmbeddedSystem:
        # One process, little traffic: an order's answer is read back every 20 ms rather than
        # 100 ms (SQLite sends no notification) and relays publish without lingering for more
        # events; a sale's round trip between sales and inventory takes ~50 ms, not ~150.
        os.environ.setdefault("SALES_ORDER_WAIT_POLL_SECONDS", "0.02")
        os.environ.setdefault("RELAY_LINGER_SECONDS", "0")
        generate_keys(card_codes_key_dir())  # development keys, kept beside the SQLite files
        generate_token_keys(token_key_dir())
        upstreams = {}
        for offset, (name, definition) in enumerate(DEFINITIONS.items(), start=1):
            settings = service_settings(name)
            upgrade(name, settings.database_url)
            runtime = definition.runtime(settings)
            self.runtimes[name] = runtime
            self.apps[name] = definition.create_app({"RUNTIME": runtime})
            self.workers.append(definition.worker(runtime).start())
            port = self._serve(
                self.apps[name], port=0 if self.gateway_port == 0 else self.gateway_port + offset
            )
            upstreams[name] = f"http://{self.host}:{port}"
        self.upstream_urls = upstreams
        gateway_settings = GatewaySettings.from_env(upstreams=upstreams)
        upgrade("gateway", gateway_settings.database_url)
        gateway = create_gateway(gateway_settings)
        self.keys: KeyStore = gateway.extensions["gateway.keys"]
        self.gateway_port = self._serve(gateway, port=self.gateway_port)
        for worker in self.workers:
            worker.wait_until_consuming()
        self._seed_demo_data()
        self.demo_summary = seed_once(self) if self.demo_programme else None
        return self

    @property
    def gateway_url(self) -> str:
        return f"http://{self.host}:{self.gateway_port}"

    def _serve(self, app, port: int) -> int:
        strip_query_strings_from("werkzeug")  # its request log quotes the query string
        server = make_server(self.host, port, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, name=f"http-{app.name}", daemon=True)
        thread.start()
        self.servers.append(server)
        self._threads.append(thread)
        return server.server_port

    def _seed_demo_data(self) -> None:
        """Demo sites and a partner, written through the services' own APIs as an admin."""
        inventory = self._as_admin("inventory")
        if inventory.get("/sites").get_json():
            return
        for name, city, kind in DEMO_SITES:
            inventory.post("/sites", json={"name": name, "city": city, "kind": kind})
        self._as_admin("donations").post(
            "/partners", json={"name": DEMO_PARTNER, "kind": "telecom_operator"}
        )
        log.info("demo data seeded: %d sites, 1 partner", len(DEMO_SITES))

    def _as_admin(self, service: str) -> ActingClient:
        """A client that calls ``service`` in this process as an admin, as the gateway would."""
        app = self.apps[service]
        return ActingClient(app, app.response_class, principal=DEMO_ADMIN)

    def create_demo_keys(self) -> dict[str, str]:
        """One fresh key per role (earlier demo keys are revoked), saved to demo-keys.json.

        Development only: the partner key acts for the demo partner, the counter key for
        the Paris counter.
        """
        sites = self._as_admin("inventory").get("/sites")
        paris = next(s for s in _items(sites.get_json()) if s["name"] == DEMO_SITES[1][0])
        partners = self._as_admin("donations").get("/partners")
        partner = next(p for p in _items(partners.get_json()) if p["name"] == DEMO_PARTNER)
        for record in self.keys.list():
            if record.name.startswith(DEMO_KEY_PREFIX):
                self.keys.revoke(record.id)
        scopes = {"partner": {"partner_id": partner["id"]}, "counter": {"site_id": paris["id"]}}
        demo = {
            role: self.keys.create(f"{DEMO_KEY_PREFIX}{role}", role, **scopes.get(role, {})).secret
            for role in ROLES
        }
        path = data_dir() / "demo-keys.json"
        path.write_text(json.dumps(demo, indent=2) + "\n")
        path.chmod(0o600)
        return demo

    def stop(self) -> None:
        for server in self.servers:
            server.shutdown()
        for worker in self.workers:
            worker.stop()
        for runtime in self.runtimes.values():
            runtime.dispose()
        if hasattr(self, "keys"):
            self.keys.close()


def _items(page) -> list[dict]:
    return page["items"] if isinstance(page, dict) else page


def main() -> int:
    configure_logging("embedded", "embedded")  # LOG_FORMAT=text unless set: readable
    configure_tracing("connexions-solidaires")  # one process: one exporter for all
    for name in SERVICES_WITH_DATABASE:
        log.debug("%s database: %s", name, service_settings(name).database_url)
    system = EmbeddedSystem(
        host=env_str("GATEWAY_HOST", "127.0.0.1"),
        gateway_port=env_int("GATEWAY_PORT", 8080),
        demo_programme=env_str("DEMO_DATA", "programme") != "none",
    ).start()
    print(f"\nConnexions solidaires is running: {system.gateway_url}")
    print(f"  health:  {system.gateway_url}/health")
    print(f"  OpenAPI: {system.gateway_url}/openapi.json")
    print(f"  screens: {system.gateway_url}/app/  (sign in with a key below)")
    print(f"  docs:    {system.gateway_url}/docs")
    demo_keys = system.create_demo_keys()
    print(f"  demo API keys (development only), also in {data_dir() / 'demo-keys.json'}:")
    for role, key in demo_keys.items():
        print(f"    {role:9} Authorization: Bearer {key}")
    print("Ctrl-C stops it.\n", flush=True)
    stopping = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopping.set())
    stopping.wait()
    print("stopping…", flush=True)
    system.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
