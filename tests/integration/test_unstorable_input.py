"""Input PostgreSQL cannot store as given (a NUL character in text) is the client's error:
a 422 problem, nothing written — never a 500."""

from __future__ import annotations

import pytest

from services.donations.app import SERVICE as DONATIONS
from services.sales.app import SERVICE as SALES


@pytest.fixture
def sales(settings_for):
    runtime = SALES.runtime(settings_for("sales"))
    yield SALES.create_app({"RUNTIME": runtime}).test_client()
    runtime.dispose()


def test_a_nul_character_in_a_name_search_is_a_422(sales):
    client = sales

    response = client.post("/beneficiaries/search", json={"name": "a\x00b"})

    assert response.status_code == 422
    assert response.content_type == "application/problem+json"
    assert response.get_json()["code"] == "unstorable-value"


def test_a_nul_character_in_a_body_is_a_422_and_writes_nothing(settings_for):
    runtime = DONATIONS.runtime(settings_for("donations"))
    client = DONATIONS.create_app({"RUNTIME": runtime}).test_client()
    try:
        response = client.post("/partners", json={"name": "Opé\x00rateur", "kind": "company"})

        assert response.status_code == 422
        assert response.get_json()["code"] == "unstorable-value"
        assert client.get("/partners").get_json()["total"] == 0
    finally:
        runtime.dispose()
