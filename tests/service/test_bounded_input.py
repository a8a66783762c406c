"""Input is bounded whatever is sent (the property over every operation is
``tests/embedded/test_worst_requests.py``; these are its parts):

* a CSV upload is read no further than the rows its line can take, and a refusal lists at
  most ``MAX_LISTED_BAD_ROWS`` bad rows with their count (three million empty rows once took
  1.29 GB and answered a 170 MB list of refused rows);
* a JSON body is refused before it is decoded when it holds more than ``MAX_JSON_VALUES``
  values, and an array longer than its schema's maximum before any of its items is read.
"""

from __future__ import annotations

import pytest

from services.common.blueprint import MAX_JSON_VALUES
from services.donations.domain.files import MAX_COUNTED_BAD_ROWS, MAX_LISTED_BAD_ROWS
from tests.support.donation_sites import open_site
from tests.support.donations_api import announce, register_partner
from tests.support.streams import GeneratedFile

ITEMS = 2000
EMPTY_ROWS = 1_000_000


@pytest.fixture
def donations(service_on_sqlite, card_code_keys):
    """Donations with a donation of ITEMS phones and ITEMS cards: ``(test client, donation)``."""
    service = service_on_sqlite("donations")
    site_id = open_site(service.runtime, city="Lyon")
    partner = register_partner(service.client, kind="telecom_operator")
    cards = {
        "kind": "prepaid_cards",
        "quantity": ITEMS,
        "operator": "Orange",
        "product_name": "Recharge",
        "face_value_cents": 1000,
        "expiry_date": "2099-12-31",
    }
    phones = {"kind": "hardware_lot", "category": "smartphone", "quantity": ITEMS}
    return service.client, announce(service.client, partner["id"], phones, cards, site_id=site_id)


UPLOADS = {"identifiers": (0, "serial\n"), "codes": (1, "serial,pin\n")}


def upload(client, donation, what: str, rows) -> dict:
    position, header = UPLOADS[what]
    line_id = donation["lines"][position]["id"]
    response = client.put(
        f"/donations/{donation['id']}/lines/{line_id}/{what}",
        data=GeneratedFile(header, rows).stream(),
        content_type="text/csv",
    )
    assert (response.status_code, response.mimetype) == (422, "application/problem+json")
    return response.get_json()


@pytest.mark.parametrize("what", UPLOADS)
def test_a_file_is_read_no_further_than_the_rows_its_line_can_take(donations, what):
    client, donation = donations
    rows = (f"SN-{n},{n:012d}\n" for n in range(ITEMS * 10))

    problem = upload(client, donation, what, rows)

    assert problem["code"] == "file-refused"
    assert f"no further than row {ITEMS + 2}" in problem["detail"]


@pytest.mark.parametrize("what", UPLOADS)
def test_a_refusal_lists_at_most_the_documented_number_of_bad_rows_and_counts_them(donations, what):
    client, donation = donations
    bad = MAX_COUNTED_BAD_ROWS - 1

    problem = upload(client, donation, what, (",\n" for _ in range(bad)))

    assert (problem["bad_row_count"], problem["rows_read"], problem["read_to_end"]) == (
        bad,
        bad,
        True,
    )
    assert len(problem["bad_rows"]) == MAX_LISTED_BAD_ROWS
    assert problem["detail"].startswith(f"{bad} bad row(s)")


@pytest.mark.parametrize("what", UPLOADS)
def test_a_file_is_read_no_further_than_its_counted_bad_rows(donations, what):
    client, donation = donations

    problem = upload(client, donation, what, ("\n" for _ in range(EMPTY_ROWS)))

    counted = MAX_COUNTED_BAD_ROWS
    assert (problem["bad_row_count"], problem["rows_read"]) == (counted, counted)
    assert problem["read_to_end"] is False


def test_a_json_body_of_too_many_values_is_refused_before_it_is_decoded(donations):
    client, _ = donations
    body = '{"name": "Op", "kind": "company", "contacts": [' + "{}," * MAX_JSON_VALUES + "{}]}"

    response = client.post("/partners", data=body, content_type="application/json")

    assert (response.status_code, response.mimetype) == (400, "application/problem+json")
    assert "send large sets as files" in response.get_json()["errors"]["json"][0]


def test_an_array_beyond_its_maximum_is_refused_by_name_without_reading_its_items(donations):
    client, donation = donations
    lines = [{"line_id": "not an id", "received_quantity": -1}] * 20_000

    response = client.post(f"/donations/{donation['id']}/reception", json={"lines": lines})

    assert response.status_code == 422
    assert response.get_json()["errors"] == {"json": {"lines": ["Longer than maximum length 500."]}}
