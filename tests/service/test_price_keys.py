"""A price for a product key no stock can have would never price anything: it is refused,
naming the key's shape (cards are priced by face value in cents, operators slugified). A key
of the right shape that no stock has ever held (a 10-cent card, ``card:orange:10``, or a
product not received yet) is published and named in the answer's ``warnings``.

The OpenAPI document says so, and says what an outsider needs of the catalogue and erasure.
"""

from __future__ import annotations

import pytest

from services.sales.app import SERVICE as SALES
from tests.support.sales import availability, ready_desk


@pytest.fixture
def desk(sqlite_settings):
    runtime = SALES.runtime(sqlite_settings("sales"))
    yield ready_desk(runtime)
    runtime.dispose()


def entry(product_key: str) -> dict:
    return {"product_key": product_key, "market_cents": 1000, "solidarity_cents": 250}


@pytest.mark.parametrize(
    "product_key",
    [
        "card:orange",  # no face value
        "card:orange:10.00",  # euros, not cents
        "card:SFR Réunion:1000",  # not slugified (the pattern refuses it)
        "card:sfr_reunion:1000",  # slugs have dashes
        "device:phone:b",  # no such category
        "device:smartphone:d",  # no such grade
        "allowance:data_mb",  # inventory keys it allowance:data-mb
        "allowance:sms",
    ],
)
def test_a_price_for_a_key_no_stock_can_have_is_refused(desk, product_key):
    before = desk.client.get("/price-grids").get_json()

    response = desk.client.post("/price-grids", json={"entries": [entry(product_key)]})

    assert response.status_code == 422
    refused = str(response.get_json()["errors"]["json"]["entries"])
    assert "product_key" in refused
    assert "card:orange:1000" in refused or "device:" in refused or "allowance:" in refused
    assert desk.client.get("/price-grids").get_json() == before


def test_keys_as_inventory_names_its_stock_are_priced(desk):
    keys = ["card:orange:1000", "card:sfr-reunion:500", "device:laptop:a", "allowance:data-mb"]

    response = desk.client.post("/price-grids", json={"entries": [entry(k) for k in keys]})

    assert response.status_code == 201, response.get_json()


def test_a_key_no_stock_has_ever_held_is_published_with_a_warning_naming_it(desk):
    site = desk.open_site()
    desk.apply(
        availability(site, "card:orange:1000", 4, 1, operator="Orange", face_value_cents=1000),
        availability(site, "device:laptop:a", 0, 2, category="laptop", cosmetic_grade="A"),
    )
    keys = ["card:orange:1000", "device:laptop:a", "card:orange:10", "device:tablet:c"]

    response = desk.client.post("/price-grids", json={"entries": [entry(k) for k in keys]})

    assert response.status_code == 201, response.get_json()
    published = response.get_json()
    assert [e["product_key"] for e in published["entries"]] == keys
    assert desk.client.get("/price-grids/current").get_json()["version"] == published["version"]
    # Held once (the laptop is sold out now) is enough; never held is named.
    ten_cents, tablet = published["warnings"]
    assert ten_cents["product_key"] == "card:orange:10"
    assert ten_cents["code"] == "never-in-stock"
    assert "card:orange:1000 is a 10 EUR card" in ten_cents["detail"]
    assert tablet["product_key"] == "device:tablet:c"
    assert tablet["code"] == "never-in-stock" and "EUR" not in tablet["detail"]


def test_a_grid_of_keys_all_held_has_no_warning(desk):
    site = desk.open_site()
    desk.apply(availability(site, "allowance:data-mb", 500, 1, unit="data-mb"))

    response = desk.client.post("/price-grids", json={"entries": [entry("allowance:data-mb")]})

    assert response.status_code == 201
    assert response.get_json()["warnings"] == []


def operation(desk, path: str, method: str) -> dict:
    return desk.client.get("/openapi.json").get_json()["paths"][path][method]


def test_the_openapi_document_tells_refused_keys_from_warned_ones(desk):
    post = operation(desk, "/price-grids", "post")
    assert "never-in-stock" in post["description"] and "422" in post["description"]
    document = desk.client.get("/openapi.json").get_json()
    key = document["components"]["schemas"]["PriceEntryIn"]["properties"]["product_key"]
    assert "card:orange:10 is a 10-cent card" in key["description"]
    answer = document["components"]["schemas"]["PublishedPriceGridOut"]["properties"]
    assert "no stock has ever held" in answer["warnings"]["description"]


def test_the_openapi_document_says_when_a_catalogue_fills_and_what_erasure_closes(desk):
    catalogue = operation(desk, "/sites/{site_id}/catalogue", "get")
    erasure = operation(desk, "/beneficiaries/{code}/erasure", "post")

    text = " ".join(catalogue["description"].split())
    assert "empty until a transfer from the workshop reaches the site" in text
    assert "also closes the enrolment" in erasure["description"]
