"""Donations under concurrency on PostgreSQL: gapless receipts, one effect per idempotency key."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from services.donations.models import Partner
from tests.support.donation_sites import open_site
from tests.support.donations_api import announce, register_partner


@pytest.fixture
def donations(app_for):
    return app_for("donations")


def test_concurrent_receptions_get_consecutive_receipt_numbers(donations):
    runtime, app = donations
    site_id = open_site(runtime)
    client = app.test_client()
    partner = register_partner(client, kind="telecom_operator")
    laptop = {"kind": "hardware_lot", "category": "laptop", "quantity": 1}
    announced = [announce(client, partner["id"], laptop, site_id=site_id) for _ in range(24)]

    def receive(donation):
        line = donation["lines"][0]
        return app.test_client().post(
            f"/donations/{donation['id']}/reception",
            json={"lines": [{"line_id": line["id"], "received_quantity": 1}]},
        )

    with ThreadPoolExecutor(max_workers=8) as pool:
        responses = list(pool.map(receive, announced))

    assert [r.status_code for r in responses] == [200] * len(announced)
    numbers = sorted(int(r.get_json()["receipt_number"].split("-")[1]) for r in responses)
    assert numbers == list(range(1, len(announced) + 1))


def test_concurrent_requests_with_one_idempotency_key_take_effect_once(donations):
    runtime, app = donations
    body = {"name": "Fabricant", "kind": "manufacturer"}

    def create(_):
        return app.test_client().post("/partners", json=body, headers={"Idempotency-Key": "same"})

    with ThreadPoolExecutor(max_workers=6) as pool:
        responses = list(pool.map(create, range(12)))

    assert {r.status_code for r in responses} <= {201, 409}
    created = {r.get_json()["id"] for r in responses if r.status_code == 201}
    assert len(created) == 1
    with runtime.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Partner)) == 1
