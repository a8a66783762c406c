"""The definitions loaded into a real RabbitMQ (``rabbitmqctl import_definitions``): each
service's user can do what its worker does, and is refused the other services' queues and
event types.

The definitions are rendered for a vhost, namespace and user names of this module alone
(the users keep their development passwords), and removed afterwards.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit

import pika
import pytest
from kombu import Connection, Producer
from pika.exceptions import ChannelClosedByBroker, ProbableAuthenticationError

from scripts.rabbitmq_definitions import dev_password, render
from services.common.config import SERVICES_WITH_DATABASE
from services.common.events.deadletters import list_dead_letters
from services.common.events.publishers import OutgoingMessage, make_publisher
from services.common.events.topology import Topology
from tests.infra.repository import run
from tests.support.waiting import wait_until

pytestmark = pytest.mark.integration

QUIET = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}


@dataclass(frozen=True)
class Loaded:
    tag: str  # the vhost, the namespace and the users' prefix
    host: str
    port: int

    @property
    def topology(self) -> Topology:
        return Topology(namespace=self.tag)

    def url(self, service: str, password: str | None = None) -> str:
        password = password or dev_password(service)
        return f"amqp://{self.tag}-{service}:{password}@{self.host}:{self.port}/{quote(self.tag)}"


@pytest.fixture(scope="module")
def loaded(broker_url):
    rabbitmqctl = shutil.which("rabbitmqctl")
    broker = urlsplit(broker_url)
    if rabbitmqctl is None or broker.hostname not in ("127.0.0.1", "localhost"):
        pytest.skip("needs rabbitmqctl and the broker of TEST_BROKER_URL on this host")
    tag = f"defs{uuid.uuid4().hex[:10]}"
    definitions = render(Topology(namespace=tag), vhost=tag)
    for entry in (*definitions["permissions"], *definitions["topic_permissions"]):
        entry["user"] = f"{tag}-{entry['user']}"
    for user in definitions["users"]:
        user["name"] = f"{tag}-{user['name']}"
    with tempfile.TemporaryDirectory() as directory:
        # rabbitmqctl may run as the broker's user: it must be able to read the file.
        os.chmod(directory, 0o755)
        path = Path(directory) / "definitions.json"
        path.write_text(json.dumps(definitions))
        path.chmod(0o644)
        imported = run(rabbitmqctl, "import_definitions", str(path))
    assert imported.returncode == 0, imported.stdout + imported.stderr
    try:
        result = Loaded(tag, broker.hostname, broker.port or 5672)
        wait_until(lambda: _can_log_in(result.url("sales")), timeout=30)  # import is asynchronous
        yield result
    finally:
        removals = [("delete_vhost", tag)] + [
            ("delete_user", u["name"]) for u in definitions["users"]
        ]
        for removal in [subprocess.Popen([rabbitmqctl, *args], **QUIET) for args in removals]:
            removal.wait(timeout=60)  # side by side: each rabbitmqctl takes a second to start


def _can_log_in(url: str) -> bool:
    try:
        pika.BlockingConnection(pika.URLParameters(url)).close()
    except pika.exceptions.AMQPError:
        return False
    return True


def test_each_worker_declares_its_topology_with_its_own_user(loaded):
    # Queue arguments differing from the definitions would fail with PRECONDITION_FAILED.
    for service in SERVICES_WITH_DATABASE:
        with Connection(loaded.url(service)) as connection:
            loaded.topology.declare(connection, (service,))


def test_an_event_goes_from_one_service_relay_to_another_service_consumer(loaded):
    topology = loaded.topology
    for service in SERVICES_WITH_DATABASE:
        with Connection(loaded.url(service)) as connection:
            topology.declare(connection, (service,))
    relay = make_publisher(Connection(loaded.url("donations")), topology)
    event_id = str(uuid.uuid4())
    try:
        result = relay.publish([OutgoingMessage(1, event_id, "donations.donation.received", "{}")])
    finally:
        relay.close()
    assert result.confirmed == [1], result.failed

    with Connection(loaded.url("inventory"), transport_options={"confirm_publish": True}) as c:
        queue = topology.queue("inventory")(c.default_channel)
        message = wait_until(lambda: queue.get(no_ack=False))
        assert message.properties["message_id"] == event_id
        # The consumer's retry path: to its retry queue through the default exchange.
        Producer(c.channel()).publish(
            message.body, exchange="", routing_key=topology.retry_queue_name("inventory", 1)
        )
        message.ack()
    assert list_dead_letters(loaded.url("inventory"), topology, "inventory") == []


def _refused(url: str, action) -> str:
    connection = pika.BlockingConnection(pika.URLParameters(url))
    channel = connection.channel()
    channel.confirm_delivery()
    try:
        action(channel)
    except ChannelClosedByBroker as refusal:
        return refusal.reply_text
    finally:
        if connection.is_open:
            connection.close()
    pytest.fail("the broker allowed it")


def test_a_service_is_refused_the_other_services_queues_and_event_types(loaded):
    topology = loaded.topology
    with Connection(loaded.url("inventory")) as connection:
        topology.declare(connection, ("inventory",))
    donations = loaded.url("donations")
    for reason in (
        _refused(donations, lambda ch: ch.basic_get(topology.queue_name("inventory"))),
        _refused(
            donations, lambda ch: ch.queue_declare(topology.queue_name("sales"), durable=True)
        ),
        _refused(
            donations,
            lambda ch: ch.basic_publish(topology.exchange_name, "inventory.device.received", b"{}"),
        ),
        _refused(
            donations,
            lambda ch: ch.queue_bind(
                topology.queue_name("donations"), topology.exchange_name, "sales.order.placed"
            ),
        ),
    ):
        assert "ACCESS_REFUSED" in reason


def test_no_guest_and_no_wrong_password(loaded):
    permissions = run("rabbitmqctl", "-q", "list_permissions", "-p", loaded.tag).stdout
    assert "guest" not in permissions
    with pytest.raises(ProbableAuthenticationError):
        pika.BlockingConnection(pika.URLParameters(loaded.url("donations", "not-the-password")))
