"""The real stack as separate processes (``make stack``), driven through the gateway only.

The stack is started and stopped with the same command a developer uses (``python -m
scripts.stack start|stop``), on databases and a broker namespace of this module alone, first
with one worker per service, then with two replicas of every worker.
"""

from __future__ import annotations

import os
import random
import socket
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pika
import pytest
from sqlalchemy import create_engine, text

from scripts.stack import running
from services.common.config import DATABASES, SERVICES_WITH_DATABASE
from services.common.events.topology import SUBSCRIPTIONS, Topology
from services.gateway.keys import KeyStore
from tests.support.donation_reception import fairphones
from tests.support.donation_sites import announce_once_site_known
from tests.support.gateway_client import Gateway
from tests.support.real_infrastructure import delete_namespace
from tests.support.waiting import wait_until
from tests.system.sale_journey import sell_donated_goods

ROOT = Path(__file__).resolve().parents[2]


def _free_port_block(size: int) -> int:
    """A first port such that it and the next ``size - 1`` are free (the stack's layout)."""
    for _ in range(50):
        first = random.randint(20000, 60000)
        sockets = []
        try:
            for port in range(first, first + size):
                sock = socket.socket()
                sockets.append(sock)
                sock.bind(("127.0.0.1", port))
        except OSError:
            continue
        finally:
            for sock in sockets:
                sock.close()
        return first
    raise RuntimeError("no block of free ports found")


@pytest.fixture(scope="module")
def stack_environment(tmp_path_factory, broker_url, postgres_url):
    """Environment of a stack on fresh databases and its own broker namespace."""
    tag = uuid.uuid4().hex[:10]
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    databases = {service: f"system_{service}_{tag}" for service in DATABASES}
    with admin.connect() as connection:
        for name in databases.values():
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    environment = {
        **os.environ,
        "BROKER_URL": broker_url,
        "EVENT_NAMESPACE": f"system{tag}",
        "STACK_DIR": str(tmp_path_factory.mktemp("stack")),
        "GATEWAY_HOST": "127.0.0.1",
        "GATEWAY_PORT": str(_free_port_block(4)),
        "GUNICORN_WORKERS": "1",  # two cores here: fewer processes start faster
        "GATEWAY_RATE_LIMIT": "1000/second",
        **{
            f"{service.upper()}_DATABASE_URL": urlsplit(postgres_url)
            ._replace(path=f"/{name}")
            .geturl()
            for service, name in databases.items()
        },
    }
    yield environment
    _stack("stop", environment)  # whatever a test left running
    with admin.connect() as connection:
        for name in databases.values():
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()
    delete_namespace(broker_url, environment["EVENT_NAMESPACE"])


def _stack(command: str, environment: dict[str, str], **extra: str):
    return subprocess.run(
        [sys.executable, "-m", "scripts.stack", command],
        cwd=ROOT,
        env={**environment, **extra},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def start_stack(stack_environment):
    """Starts the stack with N worker replicas; stops it after the test, whatever happens."""
    directory = Path(stack_environment["STACK_DIR"])

    def start(replicas: int) -> Gateway:
        started = _stack("start", stack_environment, STACK_WORKER_REPLICAS=str(replicas))
        assert started.returncode == 0, started.stderr + _logs(directory)
        keys = KeyStore(stack_environment["GATEWAY_DATABASE_URL"])
        admin_key = keys.create("system test", "admin").secret
        keys.close()
        return Gateway(f"http://127.0.0.1:{stack_environment['GATEWAY_PORT']}", admin_key)

    yield start
    processes = running(directory)
    stopped = _stack("stop", stack_environment)
    assert stopped.returncode == 0, stopped.stderr
    assert not [p.name for p in processes if p.alive]
    assert running(directory) == []


def _logs(directory: Path) -> str:
    return "".join(
        f"\n--- {log.name}\n{log.read_text()[-2000:]}" for log in directory.glob("*.log")
    )


def journey(gateway: Gateway, *, donations: int, phones: int) -> dict:
    """A site opens, a partner gives phones, the site receives them; returns the ids."""
    tag = uuid.uuid4().hex[:8]
    site = gateway.post(
        "inventory/sites", {"name": f"Atelier {tag}", "city": "Grenoble", "kind": "workshop"}
    )
    partner = gateway.post(
        "donations/partners", {"name": f"Opérateur {tag}", "kind": "telecom_operator"}
    )
    donation_ids = []
    for _ in range(donations):
        donation = announce_once_site_known(
            gateway,
            {
                "partner_id": partner["id"],
                "site_id": site["id"],
                "lines": [fairphones(phones)],
            },
        )
        gateway.post(
            f"donations/donations/{donation['id']}/reception",
            {
                "lines": [
                    {"line_id": line["id"], "received_quantity": phones}
                    for line in donation["lines"]
                ]
            },
            headers={"X-Request-ID": f"reception-{tag}"},
        )
        donation_ids.append(donation["id"])
    return {"site": site["id"], "partner": partner["id"], "donations": donation_ids, "tag": tag}


def devices_of(gateway: Gateway, donation_id: str) -> int:
    return gateway.get("inventory/devices", params={"donation_id": donation_id}).json()["total"]


def devices_received_by(gateway: Gateway, partner_id: str) -> int:
    impact = gateway.get(f"donations/partners/{partner_id}/impact").json()
    return impact["devices_received"]


def sales_site_ids(gateway: Gateway) -> set[str]:
    return {site["site_id"] for site in gateway.get("sales/sites").json()}


def wait_until_quiet(environment: dict[str, str]) -> None:
    """Every outbox row is published and every service queue is empty."""
    topology = Topology(namespace=environment["EVENT_NAMESPACE"])

    def outboxes_sent() -> bool:
        for service in SERVICES_WITH_DATABASE:
            engine = create_engine(environment[f"{service.upper()}_DATABASE_URL"])
            try:
                with engine.connect() as connection:
                    unsent = connection.scalar(
                        text("SELECT count(*) FROM outbox WHERE sent_at IS NULL")
                    )
            finally:
                engine.dispose()
            if unsent:
                return False
        return True

    def queues_empty() -> bool:
        connection = pika.BlockingConnection(pika.URLParameters(environment["BROKER_URL"]))
        try:
            channel = connection.channel()
            return all(
                channel.queue_declare(queue, passive=True).method.message_count == 0
                for s in SUBSCRIPTIONS
                for queue in topology.consumed_queue_names(s)
            )
        finally:
            connection.close()

    wait_until(outboxes_sent, timeout=20)
    wait_until(queues_empty, timeout=20)


def check_journey(gateway: Gateway, environment: dict, *, donations: int, phones: int) -> dict:
    ids = journey(gateway, donations=donations, phones=phones)
    for donation_id in ids["donations"]:
        wait_until(lambda d=donation_id: devices_of(gateway, d) == phones, timeout=30)
    wait_until(lambda: devices_received_by(gateway, ids["partner"]) == donations * phones)
    wait_until(lambda: ids["site"] in sales_site_ids(gateway))
    # Once nothing is left to publish or consume, every event has been applied exactly once.
    wait_until_quiet(environment)
    assert [devices_of(gateway, d) for d in ids["donations"]] == [phones] * donations
    assert devices_received_by(gateway, ids["partner"]) == donations * phones
    return ids


def test_journey_through_the_gateway_with_one_worker_per_service(start_stack, stack_environment):
    gateway = start_stack(replicas=1)
    health = gateway.http.get(f"{gateway.url}/health", timeout=10).json()
    assert {name: state["status"] for name, state in health["services"].items()} == {
        "donations": "up",
        "inventory": "up",
        "sales": "up",
    }
    ids = check_journey(gateway, stack_environment, donations=1, phones=3)
    assert sell_donated_goods(gateway)["people_added"] == 1

    # gunicorn's access log carries the request id, in the gateway and in the service.
    directory = Path(stack_environment["STACK_DIR"])
    for log in ("gateway.log", "donations-api.log"):
        assert f"request_id=reception-{ids['tag']}" in (directory / log).read_text()
    # The containers' health checks hold for these processes too.
    for role, extra in (
        ("worker", {"SERVICE": "inventory"}),
        ("api", {"GUNICORN_BIND": f"127.0.0.1:{stack_environment['GATEWAY_PORT']}"}),
    ):
        check = subprocess.run(
            [sys.executable, "infra/healthcheck.py", role],
            cwd=ROOT,
            env={**stack_environment, **extra},
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert check.returncode == 0, check.stderr


def test_journey_with_two_replicas_of_every_worker(start_stack, stack_environment):
    gateway = start_stack(replicas=2)
    directory = Path(stack_environment["STACK_DIR"])
    workers = [p.name for p in running(directory) if "-worker-" in p.name]
    assert len(workers) == 2 * len(SERVICES_WITH_DATABASE)
    # Several donations, so that both replicas of each worker get events to apply.
    check_journey(gateway, stack_environment, donations=4, phones=5)
    assert sell_donated_goods(gateway, city="Antony")["people_added"] == 1
