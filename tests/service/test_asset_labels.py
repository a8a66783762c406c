"""Asset-tag labels over HTTP, on SQLite: the PDF is rendered to images by poppler and every
label decoded by zbar, position by position, then the decoded tags are scanned into the
workshop's bulk transition; and every way to ask badly is a 4xx problem that prints nothing."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from services.inventory.domain.labels import FORMATS, sheet_format
from services.inventory.models import Device, Site
from tests.support.auth import as_counter, as_partner, as_role
from tests.support.inventory_workshop import receive_devices
from tests.support.label_scanning import in_reading_order, pdf_text, scan_sheets

PROBLEM = "application/problem+json"
WORKSHOP = as_role("workshop", name="bench 1")


@pytest.fixture
def workshop_site(inventory) -> str:
    runtime, _ = inventory
    with runtime.session_factory() as session, session.begin():
        site = Site(
            id=str(uuid.uuid4()), name="Atelier de reconditionnement", city="Paris", kind="workshop"
        )
        session.add(site)
    return site.id


@pytest.fixture
def donation(inventory, workshop_site):
    """Five smartphones received from one donation: CS-000001 to CS-000005."""
    runtime, _ = inventory
    return receive_devices(runtime, workshop_site, 5)


def print_labels(client, headers=WORKSHOP, **body):
    return client.post("/labels", json=body, headers=headers)


def pdf_of(response) -> bytes:
    assert response.status_code == 200, response.get_json()
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF-")
    return response.data


def test_a_donations_labels_scan_in_order_from_the_start_position_and_the_scan_takes_them(
    inventory, donation, tmp_path
):
    _, client = inventory
    tags = [device.asset_tag for device in donation]
    response = print_labels(
        client, donation_id=donation[0].donation_id, format="a4-3x7", start_position=5
    )
    pdf = pdf_of(response)
    assert (response.headers["X-Label-Count"], response.headers["X-Label-Pages"]) == ("5", "1")
    assert "labels-a4-3x7-5.pdf" in response.headers["Content-Disposition"]

    slots = in_reading_order(scan_sheets(pdf, FORMATS["a4-3x7"], tmp_path / "scan"))
    assert len(slots) == 21
    assert slots[:4] == [None] * 4  # the positions already used on the sheet
    assert slots[4:9] == tags
    assert slots[9:] == [None] * 12

    scanned = [tag for tag in slots if tag]
    moved = client.post(
        "/devices/bulk-transitions",
        json={"identifiers": scanned, "to": "diagnosing", "note": "labelled"},
        headers=WORKSHOP,
    )
    assert moved.status_code == 200, moved.get_json()
    body = moved.get_json()
    assert (body["moved"], body["refused"]) == (5, 0)
    assert [result["asset_tag"] for result in body["results"]] == tags


def test_each_label_reads_its_tag_device_and_site_code(inventory, donation, tmp_path):
    _, client = inventory
    text = pdf_text(pdf_of(print_labels(client, donation_id=donation[0].donation_id)), tmp_path)
    for device in donation:
        assert device.asset_tag in text
    assert text.count("smartphone - Apple iPhone 8") == 5
    assert text.count("PAR-AR") == 5  # Paris, Atelier de Reconditionnement


def test_a_3x8_sheet_started_near_its_end_continues_on_a_second_sheet(
    inventory, donation, tmp_path
):
    _, client = inventory
    response = print_labels(
        client, donation_id=donation[0].donation_id, format="a4-3x8", start_position=23
    )
    pdf = pdf_of(response)
    assert response.headers["X-Label-Pages"] == "2"
    pages = scan_sheets(pdf, FORMATS["a4-3x8"], tmp_path)
    slots = in_reading_order(pages)
    assert len(pages) == 2 and len(slots) == 48
    tags = [device.asset_tag for device in donation]
    assert slots[22:27] == tags
    assert [tag for tag in slots if tag] == tags


def test_qr_codes_decode_to_the_same_tags_as_the_barcodes(inventory, donation, tmp_path):
    _, client = inventory
    tags = [device.asset_tag for device in reversed(donation)]
    pdf = pdf_of(print_labels(client, asset_tags=tags, format="a4-3x7", qr=True))
    sheet = FORMATS["a4-3x7"]
    qr = in_reading_order(scan_sheets(pdf, sheet, tmp_path / "qr", "qrcode"))
    bars = in_reading_order(scan_sheets(pdf, sheet, tmp_path / "bars"))
    assert qr[:5] == bars[:5] == tags  # the order asked for
    assert qr[5:] == bars[5:] == [None] * 16


def test_a_custom_label_size_and_margins_scan_where_they_were_asked(inventory, donation, tmp_path):
    _, client = inventory
    sizes = {"label_width": 60, "label_height": 30, "margin_top": 20, "margin_left": 12}
    pdf = pdf_of(
        print_labels(
            client, asset_tags=[donation[0].asset_tag, "cs-000002"], start_position=2, **sizes
        )
    )
    sheet = sheet_format("a4-3x8", **sizes)
    slots = in_reading_order(scan_sheets(pdf, sheet, tmp_path))
    assert slots[:3] == [None, "CS-000001", "CS-000002"]  # tags as scanned: any case


def test_the_smallest_labels_still_scan_with_their_qr_codes(inventory, donation, tmp_path):
    _, client = inventory
    tags = [device.asset_tag for device in donation]
    sizes = {"label_width": 45, "label_height": 25, "margin_top": 0, "margin_left": 0}
    pdf = pdf_of(print_labels(client, asset_tags=tags, qr=True, **sizes))
    sheet = sheet_format("a4-3x8", **sizes)
    for symbology in ("code128", "qrcode"):
        slots = in_reading_order(scan_sheets(pdf, sheet, tmp_path / symbology, symbology))
        assert slots[:5] == tags and slots[5:] == [None] * 19


def test_devices_received_since_a_day_are_labelled_in_order_of_intake(
    inventory, workshop_site, tmp_path
):
    runtime, client = inventory
    old = receive_devices(runtime, workshop_site, 2)
    new = receive_devices(runtime, workshop_site, 3)
    with runtime.session_factory() as session, session.begin():
        session.execute(
            update(Device)
            .where(Device.id.in_([device.id for device in old]))
            .values(created_at=datetime.now(UTC) - timedelta(days=10))
        )
    since = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()
    pdf = pdf_of(print_labels(client, received_since=since))
    slots = in_reading_order(scan_sheets(pdf, FORMATS["a4-3x8"], tmp_path))
    assert [tag for tag in slots if tag] == [device.asset_tag for device in new]


def problem(response, status: int, code: str | None = None) -> dict:
    assert (response.status_code, response.mimetype) == (status, PROBLEM), response.data[:300]
    body = response.get_json()
    if code:
        assert body["code"] == code, body
    return body


def test_unknown_tags_are_a_422_listing_them_all(inventory, donation):
    _, client = inventory
    response = print_labels(client, asset_tags=["CS-000001", "CS-999998", "nope", "CS-999998"])
    body = problem(response, 422, "unknown-asset-tags")
    assert body["unknown_asset_tags"] == ["CS-999998", "NOPE"]


def test_a_donation_without_devices_here_is_a_404_and_a_day_without_any_too(inventory, donation):
    _, client = inventory
    problem(print_labels(client, donation_id=str(uuid.uuid4())), 404, "donation-not-found")
    tomorrow = (datetime.now(UTC) + timedelta(days=2)).date().isoformat()
    problem(print_labels(client, received_since=tomorrow), 404, "no-devices-to-label")


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({"start_position": 22, "format": "a4-3x7"}, "invalid-label-sheet", "start_position"),
        ({"label_width": 71}, "invalid-label-sheet", "label_width"),  # 3 × 71 > 210 mm
        ({"label_height": 20}, "invalid-label-sheet", "label_height"),  # too small to scan
        ({"margin_top": 20}, "invalid-label-sheet", "label_height"),  # 8 × 36 + 20 > 297 mm
    ],
)
def test_a_sheet_that_does_not_fit_is_a_422_naming_the_size(inventory, donation, body, code, field):
    _, client = inventory
    response = print_labels(client, donation_id=donation[0].donation_id, **body)
    assert problem(response, 422, code)["field"] == field


@pytest.mark.parametrize(
    "body",
    [
        {"start_position": 0},
        {"start_position": 25},
        {"format": "a4-2x5"},
        {"label_width": -1},
        {"label_width": "wide"},
        {"qr": "maybe"},
        {"asset_tags": []},
        {"asset_tags": ["CS-000001"], "received_since": "2026-01-01"},
        {"received_since": "0001-01-01"},
        {"colour": "red"},
    ],
)
def test_malformed_requests_are_422(inventory, donation, body):
    _, client = inventory
    body.setdefault("donation_id", donation[0].donation_id)
    if "asset_tags" in body or "received_since" in body:
        body.pop("donation_id")
    problem(print_labels(client, **body), 422)


def test_nothing_is_asked_for_is_422(inventory):
    _, client = inventory
    problem(print_labels(client), 422)


def test_more_than_2000_labels_are_refused(inventory, workshop_site):
    runtime, client = inventory
    tags = [f"CS-{number:06d}" for number in range(1, 2002)]
    problem(print_labels(client, asset_tags=tags), 422)
    for _ in range(3):
        receive_devices(runtime, workshop_site, 700)
    today = datetime.now(UTC).date().isoformat()
    body = problem(print_labels(client, received_since=today), 422, "too-many-labels")
    assert body["limit"] == 2000 and "count" not in body  # counted no further than needed


def test_only_the_workshop_and_admins_print_labels(inventory, donation, workshop_site):
    _, client = inventory
    body = {"donation_id": donation[0].donation_id}
    for headers in (
        as_counter(workshop_site),
        as_partner(donation[0].partner_id),
        as_role("auditor"),
    ):
        problem(client.post("/labels", json=body, headers=headers), 403)
    pdf_of(client.post("/labels", json=body, headers=as_role("admin")))
