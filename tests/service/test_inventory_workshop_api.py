"""The refurbishment workflow over HTTP, on SQLite: records, ETags, bulk scans, views."""

import io
import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from services.inventory.models import DeviceTransition
from tests.support.auth import as_role
from tests.support.inventory_workshop import (
    ALL_PASS,
    CAMERA_FAILS,
    GRADE,
    REPAIR,
    SCRAP,
    TO_AVAILABLE,
    add_site,
    events,
    receive_devices,
    wipe,
)
from tests.support.label_scanning import pdf_text

PROBLEM = "application/problem+json"
IMEI = "356938035643809"


@pytest.fixture
def phones(inventory):
    runtime, _ = inventory
    return receive_devices(runtime, add_site(runtime), 3, imeis=[IMEI])


def etag(client, device_id) -> str:
    return client.get(f"/devices/{device_id}").headers["ETag"]


def move(client, device_id, body, **headers):
    headers.setdefault("If-Match", etag(client, device_id))
    return client.post(f"/devices/{device_id}/transitions", json=body, headers=headers)


def walk(client, device_id, steps):
    for body in steps:
        response = move(client, device_id, body)
        assert response.status_code == 200, response.get_json()
    return response


def test_intake_gives_each_device_a_unique_sequential_asset_tag(inventory, phones):
    runtime, _ = inventory
    more = receive_devices(runtime, phones[0].site_id, 2)
    tags = [device.asset_tag for device in phones + more]
    assert tags == ["CS-000001", "CS-000002", "CS-000003", "CS-000004", "CS-000005"]
    assert phones[0].imei == IMEI and phones[1].imei is None


def test_device_goes_from_received_to_available_with_history_and_one_event_per_step(
    inventory, phones
):
    runtime, client = inventory
    device_id = phones[0].id
    for body in TO_AVAILABLE:
        response = move(client, device_id, body, **as_role("workshop", name="bench 2"))
        assert response.status_code == 200, response.get_json()
    device = response.get_json()
    assert (device["state"], device["version"], response.headers["ETag"]) == ("available", 5, '"5"')
    assert device["grade"]["cosmetic"] == "B" and device["wipe"]["level"] == "purge"
    assert device["allowed_next_states"] == ["scrapped"]

    history = client.get(f"/devices/{device_id}/history").get_json()
    assert [(h["from_state"], h["to_state"], h["version"]) for h in history] == [
        ("received", "diagnosing", 2),
        ("diagnosing", "wiping", 3),
        ("wiping", "grading", 4),
        ("grading", "available", 5),
    ]
    assert all(re.fullmatch(r"bench 2 \[[0-9a-f-]{36}\]", h["actor"]) for h in history)

    published = [e for e in events(runtime) if e["subject"] == device_id]
    assert [(e["type"].rsplit(".", 1)[1], e["sequence"]) for e in published] == [
        ("received", 1),
        ("diagnosis_started", 2),
        ("diagnosed", 3),
        ("wiped", 4),
        ("made_available", 5),
    ]
    available = published[-1]["data"]
    assert available["partner_id"] == phones[0].partner_id
    assert (available["cosmetic_grade"], available["functional_grade"]) == ("B", 1)


def test_events_carry_no_personal_data_nor_serials(inventory, phones):
    runtime, client = inventory
    walk(client, phones[0].id, TO_AVAILABLE)
    bodies = str([e["data"] for e in events(runtime)])
    for secret in ("Zoé Martin", "Karim Benali", IMEI, "Technicienne"):
        assert secret not in bodies


def test_failed_function_sends_the_device_through_repairing(inventory, phones):
    runtime, client = inventory
    device_id = phones[0].id
    walk(client, device_id, [{"to": "diagnosing"}, {"to": "wiping", "diagnosis": CAMERA_FAILS}])
    skipped = move(client, device_id, {"to": "grading", "wipe": wipe()})
    assert skipped.status_code == 409
    assert skipped.get_json()["code"] == "repair-needed"
    assert skipped.get_json()["failed_functions"] == ["camera"]
    walk(
        client,
        device_id,
        [
            {"to": "repairing", "wipe": wipe()},
            {"to": "grading", "repair": REPAIR},
            {"to": "available", "grade": GRADE},
        ],
    )
    repaired = next(e for e in events(runtime) if e["type"] == "inventory.device.repaired")
    assert repaired["data"]["cost_cents"] == 1890 and repaired["data"]["parts_count"] == 1


def test_illegal_transition_is_a_409_naming_current_and_allowed_states(inventory, phones):
    runtime, client = inventory
    before = len(events(runtime))
    response = move(client, phones[0].id, {"to": "grading", "wipe": wipe()})
    assert (response.status_code, response.mimetype) == (409, PROBLEM)
    problem = response.get_json()
    assert problem["code"] == "illegal-transition"
    assert problem["current_state"] == "received"
    assert problem["allowed_next_states"] == ["diagnosing", "scrapped"]
    assert "received" in problem["detail"] and "diagnosing, scrapped" in problem["detail"]
    assert len(events(runtime)) == before


def test_state_change_without_if_match_is_428_and_with_a_stale_one_412(inventory, phones):
    _, client = inventory
    device_id = phones[0].id
    url = f"/devices/{device_id}/transitions"
    missing = client.post(url, json={"to": "diagnosing"})
    assert (missing.status_code, missing.get_json()["code"]) == (428, "if-match-required")
    star = client.post(url, json={"to": "diagnosing"}, headers={"If-Match": "*"})
    assert star.status_code == 428
    weak = client.post(url, json={"to": "diagnosing"}, headers={"If-Match": 'W/"1"'})
    assert weak.status_code == 412
    assert move(client, device_id, {"to": "diagnosing"}, **{"If-Match": '"1"'}).status_code == 200
    stale = move(client, device_id, {"to": "scrapped", "scrap": SCRAP}, **{"If-Match": '"1"'})
    assert stale.status_code == 412
    assert stale.get_json() | {"code": "stale-version", "current_etag": '"2"'} == stale.get_json()
    assert client.get(f"/devices/{device_id}").get_json()["state"] == "diagnosing"


def test_incomplete_checklist_keeps_the_device_in_diagnosing(inventory, phones):
    _, client = inventory
    device_id = phones[0].id
    walk(client, device_id, [{"to": "diagnosing"}])
    partial = {key: value for key, value in ALL_PASS.items() if key != "audio"}
    response = move(client, device_id, {"to": "wiping", "diagnosis": partial})
    assert response.status_code == 422
    assert response.get_json()["untested"] == ["audio"]
    assert client.get(f"/devices/{device_id}").get_json()["state"] == "diagnosing"


@pytest.mark.parametrize(
    "label", ["Comme neuf", "État neuf", "LIKE NEW", "like-new", "à l'état neuf"]
)
def test_like_new_label_is_refused(inventory, phones, label):
    _, client = inventory
    device_id = phones[0].id
    walk(client, device_id, TO_AVAILABLE[:-1])
    response = move(client, device_id, {"to": "available", "grade": {**GRADE, "label": label}})
    assert (response.status_code, response.get_json()["code"]) == (422, "banned-wording")


def test_scrapping_from_available_records_the_recycler(inventory, phones):
    runtime, client = inventory
    device_id = phones[0].id
    walk(client, device_id, TO_AVAILABLE)
    response = move(client, device_id, {"to": "scrapped", "scrap": SCRAP, "note": "dropped"})
    assert response.get_json()["scrap"]["recycler_certificate_ref"] == "ECO-2026-00042"
    scrapped = events(runtime)[-1]
    assert scrapped["type"] == "inventory.device.scrapped"
    assert (scrapped["data"]["from_state"], scrapped["sequence"]) == ("available", 6)
    assert move(client, device_id, {"to": "diagnosing"}).status_code == 409


def test_wipe_certificate_is_downloadable_and_verifiable(inventory, phones, tmp_path):
    _, client = inventory
    device_id = phones[0].id
    assert client.get(f"/devices/{device_id}/wipe-certificate").status_code == 404
    walk(client, device_id, TO_AVAILABLE[:3])
    pdf = client.get(f"/devices/{device_id}/wipe-certificate")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF-")
    assert "CS-000001" in pdf.headers["Content-Disposition"]
    assert IMEI in pdf_text(pdf.data, tmp_path)  # a phone known by its IMEI alone
    stored = client.get(f"/devices/{device_id}").get_json()["wipe"]["certificate_sha256"]

    by_hash = client.post("/wipe-certificates/verification", json={"sha256": stored.upper()})
    assert by_hash.get_json() | {"valid": True, "asset_tag": "CS-000001"} == by_hash.get_json()
    by_file = client.post(
        "/wipe-certificates/verification/file", data={"file": (io.BytesIO(pdf.data), "c.pdf")}
    )
    assert by_file.get_json()["valid"] is True and by_file.get_json()["sha256"] == stored
    tampered = client.post(
        "/wipe-certificates/verification/file",
        data={"file": (io.BytesIO(pdf.data + b" "), "c.pdf")},
    )
    assert tampered.get_json()["valid"] is False


def test_bulk_scan_moves_each_device_on_its_own(inventory, phones):
    runtime, client = inventory
    walk(client, phones[2].id, [{"to": "diagnosing"}])
    response = client.post(
        "/devices/bulk-transitions",
        json={
            "identifiers": [IMEI, phones[1].asset_tag.lower(), phones[2].asset_tag, "CS-999999"],
            "to": "diagnosing",
            "note": "pallet 12",
        },
        headers=as_role("workshop", name="scanner-3"),
    )
    assert response.status_code == 200
    body = response.get_json()
    assert (body["moved"], body["refused"]) == (2, 2)
    outcomes = [
        (item["outcome"], (item.get("problem") or {}).get("code")) for item in body["results"]
    ]
    assert outcomes == [
        ("moved", None),
        ("moved", None),
        ("refused", "illegal-transition"),
        ("refused", "device-not-found"),
    ]
    assert body["results"][0]["asset_tag"] == "CS-000001"
    assert body["results"][0]["etag"] == '"2"'
    history = client.get(f"/devices/{phones[1].id}/history").get_json()
    assert history[0]["actor"].startswith("scanner-3 [") and history[0]["note"] == "pallet 12"


def test_bulk_wipe_issues_one_certificate_per_device(inventory, phones):
    _, client = inventory
    tags = [device.asset_tag for device in phones[:2]]
    for step in TO_AVAILABLE[:2]:
        client.post("/devices/bulk-transitions", json={"identifiers": tags, **step})
    response = client.post(
        "/devices/bulk-transitions", json={"identifiers": tags, "to": "grading", "wipe": wipe()}
    )
    assert response.get_json()["moved"] == 2
    hashes = {
        client.get(f"/devices/{device.id}").get_json()["wipe"]["certificate_sha256"]
        for device in phones[:2]
    }
    assert len(hashes) == 2


def test_workshop_queue_is_oldest_in_state_first_with_filters(inventory, phones):
    _, client = inventory
    walk(client, phones[0].id, [{"to": "diagnosing"}])
    queue = client.get("/workshop/queue").get_json()
    assert [d["asset_tag"] for d in queue["items"]] == ["CS-000002", "CS-000003", "CS-000001"]
    received = client.get("/workshop/queue?state=received&page_size=1").get_json()
    assert (received["total"], received["items"][0]["asset_tag"]) == (2, "CS-000002")
    elsewhere = client.get(f"/workshop/queue?site_id={uuid.uuid4()}").get_json()
    assert elsewhere["total"] == 0
    laptops = client.get("/workshop/queue?category=laptop").get_json()
    assert laptops["total"] == 0
    assert client.get("/workshop/queue?waiting_hours=0").get_json()["total"] == 3
    assert client.get("/workshop/queue?waiting_hours=1").get_json()["total"] == 0


def test_workshop_counts_every_state_per_site(inventory, phones):
    _, client = inventory
    walk(client, phones[0].id, TO_AVAILABLE)
    counts = client.get("/workshop/counts?per_site=true").get_json()
    assert counts["counts"] == {
        "received": 2,
        "diagnosing": 0,
        "wiping": 0,
        "repairing": 0,
        "grading": 0,
        "available": 1,
        "scrapped": 0,
    }
    assert counts["per_site"] == [{"site_id": phones[0].site_id, "counts": counts["counts"]}]
    other = client.get(f"/workshop/counts?site_id={uuid.uuid4()}").get_json()
    assert sum(other["counts"].values()) == 0 and other["per_site"] == []


def backdate(runtime, device_id, days: int) -> None:
    with runtime.session_factory() as session, session.begin():
        session.execute(
            update(DeviceTransition)
            .where(DeviceTransition.device_id == device_id)
            .values(at=datetime.now(UTC) - timedelta(days=days))
        )


def throughput(client, **query) -> dict:
    response = client.get("/workshop/throughput", query_string=query)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_workshop_throughput_counts_devices_made_available_and_scrapped_per_iso_week(
    inventory, phones
):
    runtime, client = inventory
    walk(client, phones[0].id, TO_AVAILABLE)
    walk(client, phones[1].id, TO_AVAILABLE)
    backdate(runtime, phones[1].id, days=14)
    walk(client, phones[2].id, [{"to": "scrapped", "scrap": SCRAP}])

    three = throughput(client, weeks=3)

    today = datetime.now(UTC).date()
    monday = today - timedelta(days=today.weekday())
    assert [(w["made_available"], w["scrapped"]) for w in three["weeks"]] == [
        (1, 0),
        (0, 0),
        (1, 1),
    ]
    assert (three["made_available"], three["scrapped"]) == (2, 1)
    assert three["weeks"][-1]["starts_on"] == monday.isoformat()
    year, week, _ = monday.isocalendar()
    assert three["weeks"][-1]["week"] == f"{year}-W{week:02d}"
    assert three["weeks"][0]["starts_on"] == (monday - timedelta(weeks=2)).isoformat()
    default = throughput(client)
    assert len(default["weeks"]) == 12 and default["made_available"] == 2
    assert throughput(client, weeks=2)["made_available"] == 1  # two weeks ago is outside


def test_workshop_throughput_per_site_follows_devices_through_transfers(inventory, phones):
    runtime, client = inventory
    workshop, counter = phones[0].site_id, add_site(runtime, kind="counter")
    walk(client, phones[0].id, TO_AVAILABLE)
    line = {"product_key": "device:smartphone:b", "device_id": phones[0].id}
    body = {"from_site_id": workshop, "to_site_id": counter, "lines": [line]}
    sent = client.post("/transfers", json=body)
    assert sent.status_code == 201, sent.get_json()
    client.post(f"/transfers/{sent.get_json()['id']}/reception")
    walk(client, phones[0].id, [{"to": "scrapped", "scrap": SCRAP}])  # at the counter

    at_workshop = throughput(client, weeks=1, site_id=workshop)
    at_counter = throughput(client, weeks=1, site_id=counter)

    assert (at_workshop["made_available"], at_workshop["scrapped"]) == (1, 0)
    assert at_workshop["site_id"] == workshop
    assert (at_counter["made_available"], at_counter["scrapped"]) == (0, 1)  # arrival: not made
    elsewhere = throughput(client, weeks=1, site_id=str(uuid.uuid4()))
    assert (elsewhere["made_available"], elsewhere["scrapped"]) == (0, 0)


@pytest.mark.parametrize(
    "role, status", [("auditor", 200), ("workshop", 200), ("counter", 403), ("partner", 403)]
)
def test_workshop_throughput_is_for_workshop_readers(inventory, role, status):
    _, client = inventory
    scope = {"site_id": uuid.uuid4()} if role == "counter" else {}
    if role == "partner":
        scope = {"partner_id": uuid.uuid4()}
    response = client.get("/workshop/throughput", headers=as_role(role, **scope))
    assert response.status_code == status


def test_device_list_finds_a_device_by_scanned_identifier(inventory, phones):
    _, client = inventory
    found = client.get(f"/devices?identifier={IMEI}").get_json()
    assert [d["asset_tag"] for d in found["items"]] == ["CS-000001"]
    assert client.get("/devices?identifier=cs-000002").get_json()["total"] == 1


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"to": "nowhere"},
        {"to": "diagnosing", "state": "available"},
        {"to": "diagnosing", "version": 9},
        {"to": "diagnosing", "id": "mine"},
        {"to": "wiping", "diagnosis": {**ALL_PASS, "battery_health_percent": 101}},
        {"to": "wiping", "diagnosis": {**ALL_PASS, "battery_health_percent": "80"}},
        {"to": "wiping", "diagnosis": {**ALL_PASS, "screen": "maybe"}},
        {"to": "wiping", "diagnosis": {**ALL_PASS, "smell": "pass"}},
        {"to": "grading", "wipe": wipe(level="obliterate")},
        {"to": "grading", "wipe": wipe(sanitised_by={"person": "x"})},
        {"to": "grading", "wipe": {**wipe(), "verified_by": {**wipe()["verified_by"], "at": "x"}}},
        {"to": "grading", "repair": {**REPAIR, "cost_cents": -1}},
        {"to": "grading", "repair": {**REPAIR, "cost_cents": 12.5}},
        {"to": "available", "grade": {**GRADE, "cosmetic": "A+"}},
        {"to": "available", "grade": {**GRADE, "functional": 9}},
        {"to": "scrapped", "scrap": {**SCRAP, "reason": ""}},
        {"to": "scrapped", "scrap": SCRAP, "grade": GRADE},
        {"to": "diagnosing", "note": "x" * 1001},
        {"to": ["diagnosing"]},
        {"to": "diagnosing", "diagnosis": None},
    ],
)
def test_odd_transition_bodies_are_422_problems_and_change_nothing(inventory, phones, body):
    runtime, client = inventory
    before = len(events(runtime))
    response = move(client, phones[0].id, body)
    assert (response.status_code, response.mimetype) == (422, PROBLEM), response.get_json()
    assert len(events(runtime)) == before


@pytest.mark.parametrize(
    "method, path, kwargs, status",
    [
        ("post", "/devices/bulk-transitions", {"json": {"identifiers": [], "to": "wiping"}}, 422),
        (
            "post",
            "/devices/bulk-transitions",
            {"json": {"identifiers": ["A", "a"], "to": "wiping"}},
            422,
        ),
        (
            "post",
            "/devices/bulk-transitions",
            {"json": {"identifiers": ["x" * 65], "to": "wiping"}},
            422,
        ),
        (
            "post",
            "/devices/bulk-transitions",
            {"data": b"\xff", "content_type": "application/json"},
            400,
        ),
        (
            "post",
            f"/devices/{uuid.uuid4()}/transitions",
            {"json": {"to": "diagnosing"}, "headers": {"If-Match": '"1"'}},
            404,
        ),
        ("post", "/devices/not-a-uuid/transitions", {"json": {"to": "diagnosing"}}, 404),
        ("get", f"/devices/{uuid.uuid4()}", {}, 404),
        ("get", f"/devices/{uuid.uuid4()}/history", {}, 404),
        ("get", "/workshop/queue?state=lost", {}, 422),
        ("get", "/workshop/queue?page_size=101", {}, 422),
        ("get", "/workshop/counts?site_id=paris", {}, 422),
        ("get", "/workshop/counts?per_site=perhaps", {}, 422),
        ("get", "/workshop/throughput?weeks=0", {}, 422),
        ("get", "/workshop/throughput?weeks=105", {}, 422),
        ("get", "/workshop/throughput?site_id=paris", {}, 422),
        ("get", "/workshop/throughput?per_site=true", {}, 422),
        ("post", "/wipe-certificates/verification", {"json": {"sha256": "abc"}}, 422),
        ("post", "/wipe-certificates/verification", {"json": {"sha256": "g" * 64}}, 422),
        ("post", "/wipe-certificates/verification/file", {"data": {}}, 422),
        ("post", "/wipe-certificates/verification/file", {"json": {"file": "x"}}, 422),
    ],
)
def test_odd_requests_get_problems_not_crashes(inventory, method, path, kwargs, status):
    _, client = inventory
    response = getattr(client, method)(path, **kwargs)
    assert (response.status_code, response.mimetype) == (status, PROBLEM), response.get_json()


def test_unknown_certificate_hash_is_not_valid(inventory):
    _, client = inventory
    response = client.post("/wipe-certificates/verification", json={"sha256": "a" * 64})
    assert response.get_json() == {"valid": False, "sha256": "a" * 64}
