"""The idempotent consumer, retries and dead letters, on real PostgreSQL and RabbitMQ."""

from __future__ import annotations

import json
import threading
import uuid

import pytest
from sqlalchemy import func, select

from services.common.events.deadletters import list_dead_letters, replay_dead_letters
from services.common.events.envelope import new_event
from services.inventory.handlers import EVENT_HANDLERS as ALL_HANDLERS
from services.inventory.models import Device
from tests.support.inventory_workshop import add_site, donation_received
from tests.support.waiting import wait_until

EVENT_HANDLERS = {key: ALL_HANDLERS[key] for key in ALL_HANDLERS if key.startswith("donations.")}


@pytest.fixture
def inventory(runtime_for):
    return runtime_for("inventory")


@pytest.fixture
def consuming(inventory):
    consumer = inventory.consumer(EVENT_HANDLERS)
    stop = threading.Event()
    thread = threading.Thread(target=consumer.run, args=(stop,), daemon=True)
    thread.start()
    assert consumer.ready.wait(15)
    yield consumer
    stop.set()
    thread.join(10)


def phones_and_cards(site_id: str, phones: int = 3):
    """A donation received at ``site_id``: ``phones`` smartphones and ten prepaid cards."""
    return donation_received(
        site_id,
        {"kind": "hardware_lot", "category": "smartphone", "quantity": phones},
        {"kind": "prepaid_cards", "quantity": 10},
    )


def devices_of(runtime, donation_id: str) -> int:
    with runtime.session_factory() as session:
        return session.scalar(select(func.count()).where(Device.donation_id == donation_id))


def test_same_event_delivered_twice_changes_state_once(inventory, consuming, probe):
    exchange = inventory.topology.exchange_name
    site = add_site(inventory)
    event = phones_and_cards(site, phones=3)

    probe.publish_event(exchange, event)  # two deliveries in quick succession (one batch) …
    probe.publish_event(exchange, event)
    wait_until(lambda: devices_of(inventory, event.data["donation_id"]) == 3)
    probe.publish_event(exchange, event)  # … and a late redelivery in a later batch
    sentinel = phones_and_cards(site, phones=1)
    probe.publish_event(exchange, sentinel)
    wait_until(lambda: devices_of(inventory, sentinel.data["donation_id"]) == 1)

    assert devices_of(inventory, event.data["donation_id"]) == 3
    inbox = inventory.tables.inbox
    with inventory.engine.connect() as connection:
        assert connection.scalar(select(func.count()).where(inbox.c.event_id == event.id)) == 1


def test_effect_and_its_events_are_committed_together(inventory, consuming, probe):
    site = add_site(inventory)
    event = phones_and_cards(site, phones=2)
    probe.publish_event(inventory.topology.exchange_name, event)
    wait_until(lambda: devices_of(inventory, event.data["donation_id"]) == 2)
    outbox = inventory.tables.outbox
    with inventory.engine.connect() as connection:
        emitted = connection.execute(select(outbox.c.event_type, outbox.c.body)).all()
    assert [row.event_type for row in emitted] == ["inventory.device.received"] * 2
    assert all(f'"causationid":"{event.id}"' in row.body for row in emitted)
    assert all(f'"correlationid":"{event.correlationid}"' in row.body for row in emitted)


def test_poison_messages_are_dead_lettered_while_good_ones_flow_and_replay_restores_them(
    inventory, consuming, probe, broker_url
):
    topology = inventory.topology
    queue = topology.queue_name("inventory")
    site = add_site(inventory)
    missing_site = str(uuid.uuid4())
    handler_fails = phones_and_cards(missing_site, phones=2)  # the site does not exist (yet)

    probe.publish("", queue, b"{not json", message_id="bad-json")
    probe.publish("", queue, b'{"specversion": "1.0"}', message_id="bad-envelope")
    unknown = new_event(
        "inventory.site.opened",
        source="x",
        subject="s",
        sequence=1,
        data={"site_id": str(uuid.uuid4()), "name": "n", "city": "c", "kind": "counter"},
    )
    probe.publish(
        "", queue, unknown.to_json(), message_id=unknown.id
    )  # a type inventory has no handler for
    schema_violation = phones_and_cards(site).to_dict()
    schema_violation["data"]["lines"][0]["quantity"] = -4
    probe.publish("", queue, json.dumps(schema_violation), message_id="schema-violation")
    probe.publish_event(topology.exchange_name, handler_fails)
    good = phones_and_cards(site, phones=4)
    probe.publish_event(topology.exchange_name, good)

    wait_until(lambda: devices_of(inventory, good.data["donation_id"]) == 4)
    letters = wait_until(
        lambda: len(found := list_dead_letters(broker_url, topology, "inventory")) == 5 and found
    )

    reasons = {letter.event_id: letter.reason for letter in letters}
    assert "not JSON" in reasons["bad-json"]
    assert "envelope invalid" in reasons["bad-envelope"]
    assert "no handler" in reasons[unknown.id]
    assert "data invalid" in reasons["schema-violation"]
    assert "failed 3 times" in reasons[handler_fails.id]  # after the bounded retries
    assert "UnknownSite" in reasons[handler_fails.id]
    assert devices_of(inventory, handler_fails.data["donation_id"]) == 0

    add_site(inventory, site_id=missing_site)  # the operator fixes the cause …
    assert (
        replay_dead_letters(broker_url, topology, "inventory", {handler_fails.id}) == 1
    )  # … and replays
    wait_until(lambda: devices_of(inventory, handler_fails.data["donation_id"]) == 2)
    remaining = {letter.event_id for letter in list_dead_letters(broker_url, topology, "inventory")}
    assert remaining == {"bad-json", "bad-envelope", unknown.id, "schema-violation"}
