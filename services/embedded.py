"""The embedded system: all four services in one process (``make run``).

SQLite files under ``DATA_DIR`` (default ``./var``), kombu's in-process ``memory://``
transport, each service's API on its own local port behind the gateway, each service's
worker (relay + consumer) on threads, demo data seeded on first start. Ctrl-C stops it all.
"""

from __future__ import annotations

import logging
import signal
import threading

from werkzeug.serving import make_server

from services.common.card_codes import generate_keys
from services.common.config import (
    SERVICES_WITH_DATABASE,
    card_codes_key_dir,
    env_int,
    env_str,
    service_settings,
)
from services.common.migrations import upgrade
from services.common.requests_context import configure_logging
from services.common.service import ServiceDefinition
from services.donations.app import SERVICE as DONATIONS
from services.gateway.app import create_app as create_gateway
from services.inventory.app import SERVICE as INVENTORY
from services.sales.app import SERVICE as SALES

log = logging.getLogger("embedded")

DEFINITIONS: dict[str, ServiceDefinition] = {
    "donations": DONATIONS,
    "inventory": INVENTORY,
    "sales": SALES,
}

DEMO_SITES = [
    ("Atelier de reconditionnement", "Paris", "workshop"),
    ("Point d'accueil Paris", "Paris", "counter"),
    ("Point d'accueil Marseille", "Marseille", "counter"),
    ("Point d'accueil Grenoble", "Grenoble", "counter"),
    ("Point d'accueil Lyon", "Lyon", "counter"),
    ("Point d'accueil Saint-Denis", "Saint-Denis", "counter"),
    ("Point d'accueil Antony", "Antony", "counter"),
]


class EmbeddedSystem:
    def __init__(self, host: str = "127.0.0.1", gateway_port: int = 8080) -> None:
        self.host = host
        self.gateway_port = gateway_port
        self.runtimes = {}
        self.apps = {}
        self.workers = []
        self.servers = []
        self._threads: list[threading.Thread] = []

    def start(self) -> EmbeddedSystem:
        generate_keys(card_codes_key_dir())  # development keys, kept beside the SQLite files
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
        gateway = create_gateway({"UPSTREAMS": upstreams})
        self.gateway_port = self._serve(gateway, port=self.gateway_port)
        for worker in self.workers:
            worker.wait_until_consuming()
        self._seed_demo_data()
        return self

    @property
    def gateway_url(self) -> str:
        return f"http://{self.host}:{self.gateway_port}"

    def _serve(self, app, port: int) -> int:
        server = make_server(self.host, port, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, name=f"http-{app.name}", daemon=True)
        thread.start()
        self.servers.append(server)
        self._threads.append(thread)
        return server.server_port

    def _seed_demo_data(self) -> None:
        inventory = self.apps["inventory"].test_client()
        if inventory.get("/sites").get_json():
            return
        for name, city, kind in DEMO_SITES:
            inventory.post("/sites", json={"name": name, "city": city, "kind": kind})
        self.apps["donations"].test_client().post(
            "/partners", json={"name": "Opérateur partenaire (démo)", "kind": "telecom_operator"}
        )
        log.info("demo data seeded: %d sites, 1 partner", len(DEMO_SITES))

    def stop(self) -> None:
        for server in self.servers:
            server.shutdown()
        for worker in self.workers:
            worker.stop()
        for runtime in self.runtimes.values():
            runtime.dispose()


def main() -> int:
    configure_logging(env_str("LOG_LEVEL", "INFO"))
    for name in SERVICES_WITH_DATABASE:
        log.debug("%s database: %s", name, service_settings(name).database_url)
    system = EmbeddedSystem(
        host=env_str("GATEWAY_HOST", "127.0.0.1"), gateway_port=env_int("GATEWAY_PORT", 8080)
    ).start()
    print(f"\nConnexions solidaires is running: {system.gateway_url}")
    print(f"  health:  {system.gateway_url}/health")
    print(f"  OpenAPI: {system.gateway_url}/openapi.json")
    print("  API keys: none yet (authentication comes with the security issue)")
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
