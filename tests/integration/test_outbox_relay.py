"""The outbox and its relay on real PostgreSQL and RabbitMQ."""

from __future__ import annotations

import json
import threading
import uuid
from urllib.parse import quote

import pytest
from kombu import Connection
from sqlalchemy import func, insert, select

from services.common.events.envelope import new_event
from services.common.events.relay import OutboxRelay
from services.donations.app import SERVICE as DONATIONS
from services.inventory.app import SERVICE as INVENTORY
from tests.support.broker import bodies
from tests.support.tcp_proxy import CuttableProxy
from tests.support.waiting import wait_until


@pytest.fixture
def inventory(runtime_for):
    return runtime_for("inventory")


def open_site(runtime, name="Point d'accueil Lyon") -> dict:
    client = INVENTORY.create_app({"RUNTIME": runtime}).test_client()
    response = client.post("/sites", json={"name": name, "city": "Lyon", "kind": "counter"})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def unsent_count(runtime) -> int:
    outbox = runtime.tables.outbox
    with runtime.engine.connect() as connection:
        return connection.scalar(select(func.count()).where(outbox.c.sent_at.is_(None)))


def test_published_event_reaches_an_independent_consumer_with_its_envelope(inventory, probe):
    tap = probe.tap(inventory.topology.exchange_name)
    site = open_site(inventory)

    assert inventory.relay().publish_batch() == 1

    [(properties, body)] = probe.take_all(tap)
    event = json.loads(body)
    assert event["specversion"] == "1.0"
    assert event["type"] == "inventory.site.opened"
    assert event["source"] == "inventory"
    assert event["subject"] == site["id"]
    assert event["sequence"] == 1
    assert event["data"] == {
        "site_id": site["id"],
        "name": site["name"],
        "city": "Lyon",
        "kind": "counter",
    }
    assert event["correlationid"]  # the request id of the POST
    assert properties.delivery_mode == 2
    assert properties.content_type == "application/cloudevents+json"
    assert properties.message_id == event["id"]
    assert unsent_count(inventory) == 0


def test_event_committed_while_no_relay_runs_is_published_when_one_starts(inventory, probe):
    tap = probe.tap(inventory.topology.exchange_name)
    open_site(inventory)  # committed; the relay that should have sent it has "crashed"
    assert probe.take_all(tap) == []
    assert unsent_count(inventory) == 1

    stop = threading.Event()
    thread = threading.Thread(target=inventory.relay().run, args=(stop,), daemon=True)
    thread.start()
    try:
        messages = wait_until(lambda: probe.take_all(tap))
    finally:
        stop.set()
        thread.join(5)
    assert [m["type"] for m in bodies(messages)] == ["inventory.site.opened"]
    assert unsent_count(inventory) == 0


def test_relay_survives_a_broker_outage_and_publishes_what_was_committed_meanwhile(
    inventory, probe, broker_url
):
    target = Connection(broker_url)
    proxy = CuttableProxy(target.hostname, target.port or 5672)
    vhost = quote(target.virtual_host, safe="")
    proxied_url = f"amqp://{target.userid}:{target.password}@127.0.0.1:{proxy.port}/{vhost}"
    tap = probe.tap(inventory.topology.exchange_name)
    relay = OutboxRelay.for_broker(
        inventory.engine,
        inventory.tables.outbox,
        proxied_url,
        inventory.topology,
        poll_seconds=0.05,
    )
    stop = threading.Event()
    thread = threading.Thread(target=relay.run, args=(stop,), daemon=True)
    thread.start()
    try:
        open_site(inventory, "Avant la panne")
        wait_until(lambda: len(probe.take_all(tap)) == 1)

        proxy.cut()  # the broker goes away
        open_site(inventory, "Pendant la panne")
        open_site(inventory, "Pendant la panne, encore")
        assert unsent_count(inventory) == 2

        proxy.restore()  # the broker is back
        wait_until(lambda: unsent_count(inventory) == 0, timeout=30)
    finally:
        stop.set()
        thread.join(10)
        proxy.close()
    names = sorted(m["data"]["name"] for m in bodies(probe.take_all(tap)))
    assert names == ["Pendant la panne", "Pendant la panne, encore"]


def test_unroutable_event_is_not_marked_sent(inventory, probe):
    # Sales consumes inventory.site.opened, but in this fresh namespace no sales queue is
    # declared: the broker returns the message instead of dropping it.
    open_site(inventory)
    assert inventory.relay().publish_batch() == 0
    outbox = inventory.tables.outbox
    with inventory.engine.connect() as connection:
        row = connection.execute(select(outbox)).one()
    assert row.sent_at is None
    assert row.attempts == 1
    assert "unroutable" in row.last_error
    assert row.next_attempt_at is not None


def test_event_that_no_service_consumes_is_sent_without_a_queue(runtime_for, probe):
    runtime = runtime_for("donations")
    client = DONATIONS.create_app({"RUNTIME": runtime}).test_client()
    client.post("/partners", json={"name": "Op", "kind": "company"})  # nobody consumes it
    assert runtime.relay().publish_batch() == 1
    assert unsent_count(runtime) == 0


def test_two_relays_on_one_outbox_publish_every_row_exactly_once(inventory, probe):
    tap = probe.tap(inventory.topology.exchange_name)
    outbox = inventory.tables.outbox
    events = [
        new_event(
            "inventory.site.opened",
            source="inventory",
            subject=str(uuid.uuid4()),
            sequence=1,
            data={
                "site_id": str(uuid.uuid4()),
                "name": f"site {n}",
                "city": "Lyon",
                "kind": "counter",
            },
        )
        for n in range(3000)
    ]
    with inventory.engine.begin() as connection:
        connection.execute(
            insert(outbox),
            [
                {"event_id": e.id, "event_type": e.type, "body": e.to_json(), "created_at": e.time}
                for e in events
            ],
        )
    published = [0, 0]
    start = threading.Barrier(2)

    def relay_until_empty(index: int) -> None:
        relay = inventory.relay()
        relay.batch_size = 50
        start.wait()
        while unsent_count(inventory):
            published[index] += relay.publish_batch()
        relay.publisher.close()

    threads = [threading.Thread(target=relay_until_empty, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)

    received = [m["id"] for m in bodies(probe.take_all(tap))]
    assert sorted(received) == sorted(e.id for e in events)  # each once, none missing
    assert published[0] > 0 and published[1] > 0, published  # both relays did share the work
    assert sum(published) == len(events)


def test_a_consumer_batch_is_published_at_once_an_api_commit_after_the_linger(settings_for, probe):
    """Woken by a commit of another kind, the relay lingers to gather more rows; woken by a
    consumer's batch of its own process (already a batch, and on someone's critical path),
    it publishes at once."""
    runtime = INVENTORY.runtime(
        settings_for("inventory", relay_linger_seconds=3.0, relay_poll_seconds=30.0)
    )
    tap = probe.tap(runtime.topology.exchange_name)  # a queue bound: the events are routable
    relay, stop = runtime.relay(), threading.Event()
    worker = threading.Thread(target=relay.run, args=(stop,), daemon=True)
    worker.start()
    try:
        open_site(runtime)  # an API commit: wakes the relay, which lingers
        threading.Event().wait(1.0)
        assert unsent_count(runtime) == 1
        wait_until(lambda: unsent_count(runtime) == 0, timeout=10)

        with runtime.session_factory() as session, session.begin():  # a consumer's batch
            _, row = runtime.outbox.build(
                "inventory.site.opened",
                subject=str(uuid.uuid4()),
                sequence=1,
                data={"site_id": str(uuid.uuid4()), "name": "B", "city": "Lyon", "kind": "counter"},
            )
            runtime.outbox.write(session, [row])
        runtime.outbox.wrote_batch()
        wait_until(lambda: unsent_count(runtime) == 0, timeout=1.5)
        assert len(probe.take_all(tap)) == 2
    finally:
        stop.set()
        relay.wake.set()
        worker.join(10)
        runtime.dispose()
