"""Partner webhooks on the real stack pieces: donations on PostgreSQL, its worker consuming
from RabbitMQ, a receiver on loopback (plain http behind the test-only setting).

* a journey (donation received → device refurbished → sold) arrives as signed deliveries;
* a receiver that fails for a while and then recovers gets every fact exactly once by
  ``webhook-id``;
* a worker process killed (SIGKILL) while deliveries are in flight loses nothing: another
  worker sends them again, same ``webhook-id``, once their lease runs out.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from datetime import UTC, datetime

import pytest
from kombu import Connection
from sqlalchemy import func, select
from standardwebhooks.webhooks import Webhook

from services.common.events.envelope import new_event
from services.donations.app import SERVICE as DONATIONS
from services.donations.models import WebhookDelivery
from tests.support.auth import as_partner
from tests.support.donation_sites import open_site
from tests.support.donations_api import announce, register_partner
from tests.support.waiting import wait_until
from tests.support.webhook_receiver import Receiver
from tests.support.webhook_service import FAST_RETRIES, settings

pytestmark = pytest.mark.integration

KINDS = ["donation.received", "devices.refurbished", "devices.sold", "webhook.test"]


@pytest.fixture
def receiver():
    with Receiver() as receiver:
        yield receiver


def donations_on(runtime_for, **webhooks):
    own = settings(batch_window_seconds=0.3, interval_seconds=0.1, **webhooks)
    runtime = runtime_for("donations", own=own)
    return runtime, DONATIONS.create_app({"RUNTIME": runtime}).test_client()


@pytest.fixture
def worker():
    started = []

    def start(runtime):
        started.append(DONATIONS.worker(runtime).start())
        assert started[-1].wait_until_consuming(30)
        return started[-1]

    yield start
    for running in started:
        running.stop()


def endpoint_for(client, partner_id, url) -> dict:
    body = {"url": url, "kinds": KINDS}
    response = client.post("/webhooks", json=body, headers=as_partner(partner_id))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def device_event(event_type, partner_id, donation_id, site_id, device_id=None, sequence=3):
    device_id = device_id or str(uuid.uuid4())
    data = {
        "device_id": device_id,
        "site_id": site_id,
        "category": "smartphone",
        "donation_id": donation_id,
        "partner_id": partner_id,
        "asset_tag": "CS-000001",
        "from_state": "grading",
        "to_state": "available",
        "occurred_at": datetime.now(UTC).isoformat(),
        "brand": "Fairphone",
        "model": "4",
        "cosmetic_grade": "A",
        "functional_grade": 1,
        "label": None,
        "buyer_note": None,
    }
    return new_event(
        event_type, source="inventory", subject=device_id, sequence=sequence, data=data
    )


def committed(partner_id, donation_id, site_id, device_id):
    order_id = str(uuid.uuid4())
    item = {
        "line_id": str(uuid.uuid4()),
        "item_type": "device",
        "item_id": device_id,
        "product_key": "device:smartphone:b",
        "quantity": 1,
        "partner_id": partner_id,
        "donation_id": donation_id,
    }
    data = {
        "order_id": order_id,
        "reservation_id": str(uuid.uuid4()),
        "site_id": site_id,
        "committed_at": datetime.now(UTC).isoformat(),
        "items": [item],
    }
    return new_event(
        "inventory.reservation.committed",
        source="inventory",
        subject=order_id,
        sequence=2,
        data=data,
    )


def all_delivered(runtime):
    with runtime.session_factory() as session:
        states = dict(
            session.execute(
                select(WebhookDelivery.state, func.count()).group_by(WebhookDelivery.state)
            ).all()
        )
    return states and set(states) == {"delivered"} and states


def unique_items(receiver, kind):
    """The items of ``kind`` received, counting each ``webhook-id`` once."""
    seen, items = set(), []
    for received in list(receiver.received):
        webhook_id = received.headers["webhook-id"]
        if received.payload["type"] != kind or webhook_id in seen:
            continue
        seen.add(webhook_id)
        items += received.payload["data"]["items"]
    return items


def test_a_journey_arrives_as_signed_deliveries(runtime_for, worker, probe, receiver):
    runtime, client = donations_on(runtime_for)
    site_id = open_site(runtime)
    partner = register_partner(client, kind="telecom_operator")["id"]
    endpoint = endpoint_for(client, partner, receiver.url)
    worker(runtime)

    phones = {"kind": "hardware_lot", "category": "smartphone", "quantity": 2}
    donation = announce(client, partner, phones, site_id=site_id)
    line = donation["lines"][0]
    reception = {"lines": [{"line_id": line["id"], "received_quantity": 1}]}
    assert client.post(f"/donations/{donation['id']}/reception", json=reception).status_code == 200
    device_id = str(uuid.uuid4())
    exchange = runtime.topology.exchange_name
    made_available = "inventory.device.made_available"
    probe.publish_event(
        exchange, device_event(made_available, partner, donation["id"], site_id, device_id)
    )
    probe.publish_event(exchange, committed(partner, donation["id"], site_id, device_id))

    wait_until(lambda: len(receiver.received) >= 3, timeout=30)
    kinds = [received.payload["type"] for received in receiver.received]
    # Kinds are batched apart: they may arrive in any order (the README says so).
    assert sorted(kinds) == ["devices.refurbished", "devices.sold", "donation.received"]
    for received in receiver.received:
        Webhook(endpoint["secret"]).verify(received.body, received.headers)
    [reception_fact] = unique_items(receiver, "donation.received")
    assert reception_fact["lines"][0]["difference"] == -1  # 2 announced, 1 arrived
    assert unique_items(receiver, "devices.refurbished")[0]["device_id"] == device_id
    assert unique_items(receiver, "devices.sold")[0]["item_id"] == device_id


def test_a_receiver_failing_for_a_while_gets_everything_once(runtime_for, worker, probe, receiver):
    runtime, client = donations_on(runtime_for, retry=FAST_RETRIES, batch_max_items=7)
    partner = register_partner(client, kind="telecom_operator")["id"]
    endpoint_for(client, partner, receiver.url)
    worker(runtime)
    receiver.statuses = [500, 503, 500, 502, 500, 504]  # the first six attempts fail
    donation_id, site_id = str(uuid.uuid4()), str(uuid.uuid4())
    kind = "inventory.device.made_available"
    devices = [str(uuid.uuid4()) for _ in range(40)]
    for device_id in devices:
        event = device_event(kind, partner, donation_id, site_id, device_id)
        probe.publish_event(runtime.topology.exchange_name, event)

    wait_until(
        lambda: len({i["device_id"] for i in unique_items(receiver, "devices.refurbished")}) == 40,
        timeout=60,
    )
    wait_until(lambda: all_delivered(runtime), timeout=30)
    items = unique_items(receiver, "devices.refurbished")
    assert sorted(item["device_id"] for item in items) == sorted(devices)  # each once
    assert len(receiver.received) > len(set(receiver.ids()))  # some were retried


def test_a_worker_killed_mid_batch_loses_nothing(
    runtime_for, worker, probe, receiver, settings_for
):
    """A worker process delivers while the receiver is slow; SIGKILL while deliveries are in
    flight; a worker in this process takes over when their leases end."""
    runtime, client = donations_on(
        runtime_for, total_timeout_seconds=20, lease_margin_seconds=1, per_endpoint=2
    )
    partner = register_partner(client, kind="telecom_operator")["id"]
    endpoint_for(client, partner, receiver.url)
    messaging = runtime.settings.messaging
    env = {
        **os.environ,
        "DONATIONS_DATABASE_URL": runtime.settings.database_url,
        "BROKER_URL": messaging.broker_url,
        "EVENT_NAMESPACE": messaging.namespace,
        "EVENT_DELIVERY_LIMIT": str(messaging.delivery_limit),  # the queues' arguments
        "EVENT_RETRY_DELAYS": ",".join(str(delay) for delay in messaging.retry_delays),
        "WEBHOOKS_ALLOW_LOOPBACK_HTTP": "1",
        "WEBHOOKS_INTERVAL_SECONDS": "0.1",
        "WEBHOOKS_BATCH_WINDOW_SECONDS": "0.2",
        "WEBHOOKS_BATCH_MAX_ITEMS": "5",
        "WEBHOOKS_TOTAL_TIMEOUT_SECONDS": "2",
        "WEBHOOKS_LEASE_MARGIN_SECONDS": "1",
        "WEBHOOKS_PER_ENDPOINT": "2",
        "METRICS_PORT": "",
    }
    with Connection(runtime.settings.messaging.broker_url) as connection:
        runtime.topology.declare(connection, ("donations",))  # as the worker will at start
    process = subprocess.Popen(
        [sys.executable, "-m", "services.donations.app", "worker"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        receiver.hang_seconds = 30  # every request hangs: the worker holds them in flight
        donation_id, site_id = str(uuid.uuid4()), str(uuid.uuid4())
        devices = [str(uuid.uuid4()) for _ in range(30)]
        for device_id in devices:
            event = device_event(
                "inventory.device.made_available", partner, donation_id, site_id, device_id
            )
            probe.publish_event(runtime.topology.exchange_name, event)
        wait_until(lambda: len(receiver.received) >= 2, timeout=60)
        in_flight = set(receiver.ids())
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(10)
    receiver.hang_seconds = 0

    worker(runtime)  # the survivor: same database and queue
    wait_until(
        lambda: (
            {i["device_id"] for i in unique_items(receiver, "devices.refurbished")} == set(devices)
        ),
        timeout=60,
    )
    wait_until(lambda: all_delivered(runtime), timeout=30)
    resent = [webhook_id for webhook_id in receiver.ids() if webhook_id in in_flight]
    assert len(resent) >= 2 * len(in_flight)  # each in-flight delivery came again, same id
    items = unique_items(receiver, "devices.refurbished")
    assert sorted(item["device_id"] for item in items) == sorted(devices)
