"""The workshop on real PostgreSQL: concurrent edits, bulk scans, concurrent intakes."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from services.inventory.models import Device, DeviceTransition
from tests.support.auth import as_role
from tests.support.inventory_workshop import (
    ALL_PASS,
    SCRAP,
    TO_AVAILABLE,
    add_site,
    events,
    receive_devices,
    wipe,
)


@pytest.fixture
def inventory(app_for):
    return app_for("inventory")


def test_two_changes_with_the_same_etag_one_wins_the_other_gets_412(inventory):
    runtime, app = inventory
    device = receive_devices(runtime, add_site(runtime), 1)[0]
    url = f"/devices/{device.id}/transitions"
    bodies = [{"to": "diagnosing"}, {"to": "scrapped", "scrap": SCRAP}]
    start = threading.Barrier(len(bodies))

    def send(body):
        client = app.test_client()
        start.wait()
        return client.post(url, json=body, headers={"If-Match": '"1"'})

    with ThreadPoolExecutor(len(bodies)) as pool:
        responses = list(pool.map(send, bodies))

    assert sorted(response.status_code for response in responses) == [200, 412]
    winner = next(response for response in responses if response.status_code == 200)
    with runtime.session_factory() as session:
        stored = session.get(Device, device.id)
        history = session.scalars(
            select(DeviceTransition).where(DeviceTransition.device_id == device.id)
        ).all()
    assert (stored.state, stored.version) == (winner.get_json()["state"], 2)
    assert len(history) == 1
    assert len([e for e in events(runtime) if e["subject"] == device.id]) == 2  # received + 1


def test_bulk_scan_moves_the_good_items_and_reports_the_bad(inventory):
    runtime, app = inventory
    client = app.test_client()
    phones = receive_devices(runtime, add_site(runtime), 4, imeis=["356938035643809"])
    tags = [phone.asset_tag for phone in phones]
    steps = [{"to": "diagnosing"}, {"to": "wiping", "diagnosis": ALL_PASS}]
    for step in steps:
        assert client.post("/devices/bulk-transitions", json={"identifiers": tags, **step})
    client.post(
        "/devices/bulk-transitions",
        json={"identifiers": [tags[3]], "to": "scrapped", "scrap": SCRAP},
    )

    response = client.post(
        "/devices/bulk-transitions",
        json={
            "identifiers": ["356938035643809", *tags[1:], "CS-424242"],
            "to": "grading",
            "wipe": wipe(),
        },
    )

    body = response.get_json()
    assert response.status_code == 200
    assert [item["outcome"] for item in body["results"]] == [
        "moved",
        "moved",
        "moved",
        "refused",
        "refused",
    ]
    assert body["results"][3]["problem"]["current_state"] == "scrapped"
    assert body["results"][4]["problem"]["code"] == "device-not-found"
    wiped = [e for e in events(runtime) if e["type"] == "inventory.device.wiped"]
    assert len(wiped) == 3 and all(e["sequence"] == 4 for e in wiped)
    counts = client.get("/workshop/counts").get_json()["counts"]
    assert (counts["grading"], counts["scrapped"]) == (3, 1)


def test_concurrent_intakes_take_disjoint_asset_tags(inventory):
    runtime, _ = inventory
    site_id = add_site(runtime)
    with ThreadPoolExecutor(4) as pool:
        batches = list(pool.map(lambda _: receive_devices(runtime, site_id, 5), range(4)))
    tags = sorted(device.asset_tag for batch in batches for device in batch)
    assert tags == [f"CS-{number:06d}" for number in range(1, 21)]


def test_a_key_with_the_longest_name_is_recorded_whole(inventory):
    runtime, app = inventory
    device = receive_devices(runtime, add_site(runtime), 1)[0]
    name = "n" * 120  # the longest name the gateway gives a key
    response = app.test_client().post(
        f"/devices/{device.id}/transitions",
        json={"to": "diagnosing"},
        headers={"If-Match": '"1"', **as_role("workshop", name=name)},
    )
    assert response.status_code == 200, response.get_json()
    with runtime.session_factory() as session:
        actor = session.scalar(select(DeviceTransition.actor))
    assert actor.startswith(f"{name} [") and len(actor) == 120 + 39


def test_weekly_throughput_on_postgresql_by_week_and_site(inventory):
    runtime, app = inventory
    client = app.test_client()
    workshop, counter = add_site(runtime), add_site(runtime, kind="counter")
    made, old, scrapped = (device.id for device in receive_devices(runtime, workshop, 3))
    for device_id in (made, old):
        for body in TO_AVAILABLE:
            etag = client.get(f"/devices/{device_id}").headers["ETag"]
            response = client.post(
                f"/devices/{device_id}/transitions", json=body, headers={"If-Match": etag}
            )
            assert response.status_code == 200, response.get_json()
    client.post(
        f"/devices/{scrapped}/transitions",
        json={"to": "scrapped", "scrap": SCRAP},
        headers={"If-Match": '"1"'},
    )
    with runtime.session_factory() as session, session.begin():
        session.execute(
            update(DeviceTransition)
            .where(DeviceTransition.device_id == old)
            .values(at=DeviceTransition.at - timedelta(days=7))
        )
    body = {
        "from_site_id": workshop,
        "to_site_id": counter,
        "lines": [{"product_key": "device:smartphone:b", "device_id": made}],
    }
    sent = client.post("/transfers", json=body).get_json()
    client.post(f"/transfers/{sent['id']}/reception")

    weeks = client.get(f"/workshop/throughput?weeks=2&site_id={workshop}").get_json()["weeks"]
    at_counter = client.get(f"/workshop/throughput?weeks=2&site_id={counter}").get_json()

    assert [(w["made_available"], w["scrapped"]) for w in weeks] == [(1, 0), (1, 1)]
    assert (at_counter["made_available"], at_counter["scrapped"]) == (0, 0)
