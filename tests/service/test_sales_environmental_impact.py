"""Environmental impact in sales: factor sets published as versioned data, the avoided
figures frozen on a sale's device lines, devices scrapped counted as recycled mass, and the
figures in ``/impact``, ``/impact/monthly`` and the workbook's read functions."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from services.sales.clock import month_of
from services.sales.models import OrderLine
from services.sales.repository.impact import (
    environmental_by_month_and_site,
    environmental_totals,
)
from tests.support.auth import as_counter, as_partner, as_role
from tests.support.sales import desk_on, event

SMARTPHONE = {
    "category": "smartphone",
    "co2e_kg_per_year": 10.0,
    "materials_kg_per_year": 20.5,
    "extra_years": 1.0,
    "mass_kg": 0.2,
    "source": "test figures",
    "study_date": "2024-01-31",
}


@pytest.fixture
def desk(service_on_sqlite):
    desk = desk_on(service_on_sqlite("sales"))
    for rule in ("monthly-spending", "computer-per-enrolment"):  # baskets beyond them here
        assert desk.client.delete(f"/limits/{rule}").status_code == 204
    return desk


def _environment(desk) -> dict:
    return desk.client.get("/impact").get_json()["environment"]


def _lines(desk, order_id: str) -> list[OrderLine]:
    with desk.runtime.session_factory() as session:
        query = select(OrderLine).where(OrderLine.order_id == order_id)
        return list(session.scalars(query.order_by(OrderLine.position)))


def test_the_first_factor_set_carries_ademe_2022_figures(desk):
    current = desk.client.get("/impact-factors/current", headers=as_partner(uuid.uuid4()))
    assert current.status_code == 200
    body = current.get_json()
    assert body["version"] == 1
    factors = {factor["category"]: factor for factor in body["factors"]}
    assert factors["smartphone"]["co2e_kg_per_year"] == 24.6
    assert factors["smartphone"]["materials_kg_per_year"] == 76.9
    assert factors["laptop"]["co2e_kg_per_year"] == 27.0
    assert factors["laptop"]["materials_kg_per_year"] == 127.0
    assert "ADEME 2022" in factors["smartphone"]["source"]
    assert factors["smartphone"]["study_date"] == "2022-09-09"
    assert factors["tablet"]["co2e_kg_per_year"] == 0.0  # no figure found: counts 0, said so
    assert "counts 0" in factors["tablet"]["source"]


def test_an_admin_publishes_a_new_version_in_force_at_once(desk):
    published = desk.client.post(
        "/impact-factors", json={"note": "révision", "factors": [SMARTPHONE]}
    )
    assert published.status_code == 201, published.get_json()
    assert published.get_json()["version"] == 2
    assert published.get_json()["factors"][0]["materials_kg_per_year"] == 20.5
    assert desk.client.get("/impact-factors/current").get_json()["version"] == 2
    history = desk.client.get("/impact-factors").get_json()
    assert [one["version"] for one in history] == [2, 1]


@pytest.mark.parametrize(
    "body",
    [
        {"factors": []},
        {"factors": [{**SMARTPHONE, "category": "toaster"}]},
        {"factors": [{**SMARTPHONE, "co2e_kg_per_year": -1}]},
        {"factors": [{**SMARTPHONE, "materials_kg_per_year": 1e9}]},
        {"factors": [{**SMARTPHONE, "extra_years": 11}]},
        {"factors": [{**SMARTPHONE, "mass_kg": "heavy"}]},
        {"factors": [{key: v for key, v in SMARTPHONE.items() if key != "source"}]},
        {"factors": [{**SMARTPHONE, "study_date": "0001-01-01"}]},
        {"factors": [SMARTPHONE, SMARTPHONE]},
        {"factors": [{**SMARTPHONE, "unknown": 1}]},
        {"factors": [SMARTPHONE], "valid_from": "2020-01-01T00:00:00Z"},
    ],
)
def test_invalid_factors_are_refused_and_change_nothing(desk, body):
    refused = desk.client.post("/impact-factors", json=body)
    assert refused.status_code == 422, refused.get_json()
    assert refused.headers["Content-Type"].startswith("application/problem+json")
    assert [one["version"] for one in desk.client.get("/impact-factors").get_json()] == [1]


def test_only_an_admin_publishes_factors(desk):
    for headers in (as_counter(desk.site_id), as_role("auditor"), as_partner(uuid.uuid4())):
        answer = desk.client.post(
            "/impact-factors", json={"factors": [SMARTPHONE]}, headers=headers
        )
        assert answer.status_code == 403
    assert len(desk.client.get("/impact-factors").get_json()) == 1


def test_a_sale_freezes_each_device_lines_avoided_figures(desk):
    order = desk.completed(
        desk.person(), ("device:smartphone:b", 1), ("card:orange:1000", 2), ("device:laptop:a", 1)
    )
    phone, cards, laptop = _lines(desk, order["id"])
    assert (phone.co2e_avoided_g, phone.materials_avoided_g) == (2 * 24_600, 2 * 76_900)
    assert (laptop.co2e_avoided_g, laptop.materials_avoided_g) == (2 * 27_000, 2 * 127_000)
    assert (cards.co2e_avoided_g, cards.materials_avoided_g, cards.impact_factor_version) == (
        0,
        0,
        None,
    )
    assert phone.impact_factor_version == laptop.impact_factor_version == 1
    environment = _environment(desk)
    assert environment["devices_sold"] == 2
    assert environment["co2e_kg"] == pytest.approx(49.2 + 54.0)
    assert environment["materials_kg"] == pytest.approx(153.8 + 254.0)


def test_an_order_not_completed_avoids_nothing(desk):
    desk.reserved(desk.person(), ("device:smartphone:b", 1))
    assert _environment(desk)["co2e_kg"] == 0.0


def test_a_new_factor_version_does_not_rewrite_past_sales(desk):
    desk.completed(desk.person(), ("device:smartphone:b", 1))
    assert desk.client.post("/impact-factors", json={"factors": [SMARTPHONE]}).status_code == 201
    assert _environment(desk)["co2e_kg"] == 49.2  # the past sale keeps version 1's figures
    later = desk.completed(desk.person(), ("device:smartphone:b", 1))
    assert _lines(desk, later["id"])[0].impact_factor_version == 2
    environment = _environment(desk)
    assert environment["co2e_kg"] == pytest.approx(49.2 + 10.0)
    assert environment["materials_kg"] == pytest.approx(153.8 + 20.5)


def _scrapped(site_id: str, device_id: str, category: str = "laptop", sequence: int = 5):
    data = {
        "device_id": device_id,
        "asset_tag": "CS-000042",
        "site_id": site_id,
        "partner_id": str(uuid.uuid4()),
        "donation_id": str(uuid.uuid4()),
        "category": category,
        "from_state": "diagnosing",
        "to_state": "scrapped",
        "occurred_at": datetime.now(UTC).isoformat(),
        "reason": "motherboard dead",
        "recycler_name": "Ecosystem",
        "recycler_certificate_ref": "WEEE-1",
    }
    return event("inventory.device.scrapped", device_id, sequence, data)


def test_a_scrapped_device_counts_as_recycled_mass_once_and_avoids_nothing(desk):
    workshop = desk.open_site(kind="workshop")
    device = str(uuid.uuid4())
    desk.apply(_scrapped(workshop, device), _scrapped(workshop, device, sequence=6))
    desk.apply(_scrapped(workshop, str(uuid.uuid4()), category="smartphone"))
    environment = _environment(desk)
    assert environment["devices_recycled"] == 2
    assert environment["recycled_kg"] == pytest.approx(2.0 + 0.19)
    assert environment["co2e_kg"] == 0.0
    [row] = desk.client.get("/impact/monthly", query_string={"site_id": workshop}).get_json()
    assert (row["people"], row["orders"]) == (0, 0)
    assert row["environment"]["recycled_kg"] == pytest.approx(2.19)
    assert row["month"] == month_of(datetime.now(UTC))


def test_monthly_rows_carry_the_site_months_figures_and_data_sold(desk):
    desk.completed(desk.person(), ("device:smartphone:b", 1), ("allowance:data-mb", 1500))
    [row] = desk.client.get("/impact/monthly").get_json()
    assert row["city"] == "Lyon"
    assert row["environment"]["devices_sold"] == 1
    assert row["environment"]["co2e_kg"] == 49.2
    assert row["environment"]["data_gb_sold"] == 1.5
    assert _environment(desk)["data_gb_sold"] == 1.5


def test_the_workbook_reads_the_figures_per_month_and_site(desk):
    desk.completed(desk.person(), ("device:laptop:a", 1))
    workshop = desk.open_site(kind="workshop")
    desk.apply(_scrapped(workshop, str(uuid.uuid4())))
    today = date.today()
    with desk.runtime.session_factory() as session:
        rows = environmental_by_month_and_site(session, date(today.year - 1, 1, 1), today)
        totals = environmental_totals(session, date(today.year - 1, 1, 1), today)
        before = environmental_totals(session, date(2000, 1, 1), date(2000, 12, 31))
    sold = next(row for row in rows if row["site_id"] == desk.site_id)
    assert sold["month"] == month_of(datetime.now(UTC))
    assert (sold["city"], sold["devices_sold"], sold["co2e_kg"]) == ("Lyon", 1, 54.0)
    assert sold["materials_kg"] == 254.0
    scrapped = next(row for row in rows if row["site_id"] == workshop)
    assert scrapped["recycled_kg"] == 2.0
    assert (totals["devices_sold"], totals["co2e_kg"], totals["recycled_kg"]) == (1, 54.0, 2.0)
    assert before["co2e_kg"] == 0.0 and before["devices_sold"] == 0


def test_the_sale_states_each_device_sold_with_its_frozen_figures(desk):
    order = desk.completed(
        desk.person(), ("device:smartphone:b", 1), ("card:orange:1000", 1), ("device:laptop:a", 1)
    )
    [completed] = desk.emitted("sales.order.completed")
    devices = completed["data"]["devices"]
    sold = [item["item_id"] for item in order["reserved_items"] if item["item_type"] == "device"]
    assert [device["item_id"] for device in devices] == sold
    assert [device["category"] for device in devices] == ["smartphone", "laptop"]
    assert [device["co2e_avoided_g"] for device in devices] == [49_200, 54_000]
    assert [device["materials_avoided_g"] for device in devices] == [153_800, 254_000]
