"""Input is bounded whatever is sent (the property over every operation is
``tests/embedded/test_worst_requests.py``; these are its parts):

* a CSV upload is read no further than the rows its line can take, and a refusal lists at
  most ``MAX_LISTED_BAD_ROWS`` bad rows with their count (three million empty rows once took
  1.29 GB and answered a 170 MB list of refused rows);
* a CSV upload holds at most ``MAX_IDENTIFIER_ROWS`` / ``MAX_CODE_ROWS`` rows, whatever its
  line takes (806,596 valid serials once took 118 s and 148 MB): a file at the maximum is
  accepted, one row more is refused naming it, read no further and nothing of it written,
  and a larger line is filled by further files, each adding to it;
* a JSON body is refused before it is decoded when it holds more than ``MAX_JSON_VALUES``
  values, and an array longer than its schema's maximum before any of its items is read.
"""

from __future__ import annotations

import sys

import pytest
from sqlalchemy import func, select

from services.common.blueprint import MAX_JSON_VALUES
from services.donations.domain.files import (
    MAX_CODE_ROWS,
    MAX_COUNTED_BAD_ROWS,
    MAX_IDENTIFIER_ROWS,
    MAX_LISTED_BAD_ROWS,
    csv_rows,
)
from services.donations.models import CardCode, LineIdentifier
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


REFUSALS = {
    # label: (header, rows, whether the file was read to its end, rows read, bad rows)
    "empty file": ("", [], True, 0, 0),
    "bad header": ("code,value\n", ["A,1\n"], False, 0, 0),
    "not UTF-8": ("", [], False, 0, 0),
    "a line too long": (None, ["x" * 200_000 + "\n"], False, 0, 0),
    "rows beyond the line": (
        None,
        [f"SN-{n},{n:012d}\n" for n in range(ITEMS + 1)],
        False,
        ITEMS + 1,
        0,
    ),
    "bad rows, then rows beyond the line": (
        None,
        [",\n"] * 3 + [f"SN-{n},{n:012d}\n" for n in range(ITEMS)],
        False,
        ITEMS + 1,
        3,
    ),
    "bad rows": (None, [",\n"] * 3, True, 3, 3),
}


@pytest.mark.parametrize("what", UPLOADS)
@pytest.mark.parametrize("refusal", REFUSALS)
def test_every_file_refusal_carries_the_same_members(donations, what, refusal):
    client, donation = donations
    header, rows, read_to_end, rows_read, bad = REFUSALS[refusal]
    position, usual_header = UPLOADS[what]
    line_id = donation["lines"][position]["id"]
    body = b"\xff\xfe serial\n" if refusal == "not UTF-8" else None
    response = client.put(
        f"/donations/{donation['id']}/lines/{line_id}/{what}",
        data=body or GeneratedFile(usual_header if header is None else header, rows).stream(),
        content_type="text/csv",
    )

    assert (response.status_code, response.mimetype) == (422, "application/problem+json")
    problem = response.get_json()
    assert problem["code"] == "file-refused"
    assert (problem["read_to_end"], problem["rows_read"], problem["bad_row_count"]) == (
        read_to_end,
        rows_read,
        bad,
    )
    assert len(problem["bad_rows"]) == bad
    assert {"bad_rows", "bad_row_count", "read_to_end", "rows_read"} <= set(problem)


LARGEST_LINE = 10_000_000  # items a line may announce
CAPS = {
    "identifiers": (MAX_IDENTIFIER_ROWS, LineIdentifier, lambda n: f"SN-{n:09d}\n"),
    "codes": (MAX_CODE_ROWS, CardCode, lambda n: f"CARD-{n:09d},{n:012d}\n"),
}


@pytest.fixture
def largest_lines(service_on_sqlite, card_code_keys):
    """A donation whose lines take LARGEST_LINE phones and cards: ``(service, donation)``."""
    service = service_on_sqlite("donations")
    site_id = open_site(service.runtime, city="Lyon")
    partner = register_partner(service.client, kind="telecom_operator")
    cards = {
        "kind": "prepaid_cards",
        "quantity": LARGEST_LINE,
        "operator": "Orange",
        "product_name": "Recharge",
        "face_value_cents": 1000,
        "expiry_date": "2099-12-31",
    }
    phones = {"kind": "hardware_lot", "category": "smartphone", "quantity": LARGEST_LINE}
    return service, announce(service.client, partner["id"], phones, cards, site_id=site_id)


@pytest.fixture
def rows_parsed(monkeypatch):
    """How many CSV rows (the header included) the upload views handed to their use case."""
    parsed = []

    def counted(chunks):
        parsed.append(0)
        for row in csv_rows(chunks):
            parsed[-1] += 1
            yield row

    views = sys.modules["services.donations.api.donations"]  # the package names its blueprint
    monkeypatch.setattr(views, "csv_rows", counted)
    return parsed


def put_file(client, donation, what: str, start: int, count: int):
    """Rows ``start`` to ``start + count`` of ``what``, generated as they are sent."""
    row = CAPS[what][2]
    rows = (row(n) for n in range(start, start + count))
    position, header = UPLOADS[what]
    line_id = donation["lines"][position]["id"]
    return client.put(
        f"/donations/{donation['id']}/lines/{line_id}/{what}",
        data=GeneratedFile(header, rows).stream(),
        content_type="text/csv",
    )


def stored_on(runtime, model, donation, what: str) -> int:
    line_id = donation["lines"][UPLOADS[what][0]]["id"]
    with runtime.session_factory() as session:
        return session.scalar(select(func.count()).where(model.line_id == line_id))


@pytest.mark.parametrize("what", UPLOADS)
def test_a_file_at_the_maximum_rows_is_accepted_one_row_more_refused_and_the_rest_added(
    largest_lines, rows_parsed, what
):
    service, donation = largest_lines
    cap, model, _ = CAPS[what]

    at_cap = put_file(service.client, donation, what, 0, cap)
    assert at_cap.status_code == 200, at_cap.get_json()
    assert at_cap.get_json() == {"accepted": cap, "rows_read": cap}

    refused = put_file(service.client, donation, what, cap, 3 * cap)
    assert (refused.status_code, refused.mimetype) == (422, "application/problem+json")
    problem = refused.get_json()
    assert (problem["code"], problem["max_rows"]) == ("file-refused", cap)
    assert f"at most {cap:,} " in problem["detail"]
    assert f"no further than row {cap + 2};" in problem["detail"]
    assert rows_parsed[-1] == 1 + cap + 1  # the header, then no further than the row refused
    assert stored_on(service.runtime, model, donation, what) == cap  # nothing of it written

    rest = put_file(service.client, donation, what, cap, 10)
    assert rest.get_json() == {"accepted": 10, "rows_read": 10}  # each file adds to the line
    assert stored_on(service.runtime, model, donation, what) == cap + 10


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
