"""Idempotency keys belong to the caller: the same key and body from another caller is a
request of its own, never a replay of someone else's answer."""

from __future__ import annotations

import uuid

import pytest

from services.donations.app import SERVICE as DONATIONS
from tests.support.auth import as_role
from tests.support.donation_sites import open_site

SITE_ID = str(uuid.uuid4())  # opened by inventory: donations accept it


@pytest.fixture
def donations(sqlite_settings):
    runtime = DONATIONS.runtime(sqlite_settings("donations"))
    open_site(runtime, SITE_ID)
    yield DONATIONS.create_app({"RUNTIME": runtime}).test_client()
    runtime.dispose()


def test_the_same_key_from_two_callers_takes_effect_twice(donations):
    partner = donations.post("/partners", json={"name": "Opérateur", "kind": "company"})
    body = {
        "partner_id": partner.get_json()["id"],
        "site_id": SITE_ID,
        "lines": [{"kind": "hardware_lot", "category": "smartphone", "quantity": 1}],
    }
    first_admin = {**as_role("admin", name="Ops A"), "Idempotency-Key": "same"}
    second_admin = {**as_role("admin", name="Ops B"), "Idempotency-Key": "same"}

    first = donations.post("/donations", json=body, headers=first_admin)
    again = donations.post("/donations", json=body, headers=first_admin)
    other = donations.post("/donations", json=body, headers=second_admin)

    assert first.status_code == again.status_code == other.status_code == 201
    assert again.get_json()["id"] == first.get_json()["id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert other.get_json()["id"] != first.get_json()["id"]
    assert "Idempotent-Replayed" not in other.headers
