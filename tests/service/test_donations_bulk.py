"""Bulk identifier files: streamed, checked row by row, accepted or refused whole."""

from __future__ import annotations

import io
import tracemalloc
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select
from stdnum import luhn

from services.donations import upload_cli
from services.donations.domain.files import MAX_IDENTIFIER_ROWS as MAX_FILE_ROWS
from services.donations.models import LineIdentifier
from tests.service.test_donations_api import outbox_events
from tests.support.donations_api import announce, register_partner
from tests.support.streams import GeneratedFile

GOOD = "356938035643809"
BAD_CHECK_DIGIT = "356938035643808"


def imei_number(n: int) -> str:
    body = f"35{n:012d}"
    return body + luhn.calc_check_digit(body)


@pytest.fixture
def line(donations):
    _, client = donations
    partner = register_partner(client, kind="telecom_operator")
    phones = {"kind": "hardware_lot", "category": "smartphone", "quantity": 200_000}
    donation = announce(client, partner["id"], phones)
    return donation["id"], donation["lines"][0]["id"]


def upload(client, line, body, content_type="text/csv"):
    donation_id, line_id = line
    return client.put(
        f"/donations/{donation_id}/lines/{line_id}/identifiers",
        data=body,
        content_type=content_type,
    )


def stored(runtime) -> int:
    with runtime.session_factory() as session:
        return session.scalar(select(func.count()).select_from(LineIdentifier))


def test_accepts_a_clean_file_of_imeis_and_serials(donations, line):
    runtime, client = donations
    response = upload(client, line, f"imei,serial\n{GOOD},SN-1\n,SN-2\n".encode())
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"accepted": 3, "rows_read": 2}
    assert stored(runtime) == 3


def test_refuses_the_whole_file_and_reports_every_bad_row(donations, line):
    runtime, client = donations
    assert upload(client, line, b"imei\n490154203237518\n").status_code == 200
    body = "\n".join(
        ["imei", GOOD, BAD_CHECK_DIGIT, GOOD, "490154203237518", "", "12", imei_number(7)]
    ).encode()
    response = upload(client, line, body)
    assert response.status_code == 422
    problem = response.get_json()
    assert problem["code"] == "file-refused"
    reported = {(bad["row"], bad["problem"].split(" (")[0]) for bad in problem["bad_rows"]}
    assert {row for row, _ in reported} == {3, 4, 5, 6, 7}
    assert any("twice in this file" in p for _, p in reported)
    assert any("donated before" in p for _, p in reported)
    assert any("empty row" in p for _, p in reported)
    assert stored(runtime) == 1  # only the earlier file


@pytest.mark.parametrize(
    "body, content_type, status",
    [
        (b"imei\n123\n", "application/json", 415),
        (b"\xff\xfe\x00garbage", "text/csv", 422),
        (b"", "text/csv", 422),
        (b"colour\nred\n", "text/csv", 422),
        (b"imei\n" + b"9" * 70_000, "text/csv", 422),
    ],
)
def test_unreadable_files_are_refused_cleanly(donations, line, body, content_type, status):
    runtime, client = donations
    response = upload(client, line, body, content_type)
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    assert stored(runtime) == 0


def tablets_with_serials_and_imeis(client, quantity=2) -> dict:
    """A donation of ``quantity`` tablets whose file gives each its serial and its IMEI."""
    tablets = {"kind": "hardware_lot", "category": "tablet", "quantity": quantity}
    donation = announce(client, register_partner(client)["id"], tablets)
    rows = "".join(f"TAB-{n},{imei_number(n)}\n" for n in range(quantity))
    response = upload(client, (donation["id"], donation["lines"][0]["id"]), f"serial,imei\n{rows}")
    assert response.get_json() == {"accepted": 2 * quantity, "rows_read": quantity}
    return donation


def test_devices_with_a_serial_and_an_imei_are_received_as_one_unit_each(donations):
    runtime, client = donations
    donation = tablets_with_serials_and_imeis(client)
    line_id = donation["lines"][0]["id"]

    response = client.post(
        f"/donations/{donation['id']}/reception",
        json={"lines": [{"line_id": line_id, "received_quantity": 2}]},
    )

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["lines"][0]["missing_identifiers"] == []
    [received] = outbox_events(runtime, "donations.donation.received")
    line = received.data["lines"][0]
    assert [(line["serials"][s], line["imeis"][i]) for s, i in line["units"]] == [
        (f"TAB-{n}", imei_number(n)) for n in range(2)
    ]


@pytest.mark.parametrize(
    ("missing", "counted", "status", "still_missing"),
    [
        (["TAB-1"], 2, 200, []),  # its IMEI was scanned: the tablet arrived
        (["TAB-1", imei_number(1)], 1, 200, ["TAB-1", imei_number(1)]),
        (["TAB-1"], 1, 422, None),  # two tablets arrived, one counted
    ],
)
def test_a_unit_is_missing_when_every_identifier_it_has_is_said_missing(
    donations, missing, counted, status, still_missing
):
    _, client = donations
    donation = tablets_with_serials_and_imeis(client)
    line_id = donation["lines"][0]["id"]
    line = {"line_id": line_id, "received_quantity": counted, "missing_identifiers": missing}

    response = client.post(f"/donations/{donation['id']}/reception", json={"lines": [line]})

    assert response.status_code == status, response.get_json()
    if status == 200:
        assert sorted(response.get_json()["lines"][0]["missing_identifiers"]) == sorted(
            still_missing
        )
    else:
        assert response.get_json()["code"] == "identifiers-exceed-quantity"
        assert "2 identified units arrived but only 1 were counted" in response.get_json()["detail"]


def test_a_line_takes_files_of_no_more_devices_than_it_announced(donations):
    _, client = donations
    donation = tablets_with_serials_and_imeis(client)
    line = (donation["id"], donation["lines"][0]["id"])

    response = upload(client, line, "serial\nTAB-9\n")

    assert response.status_code == 422
    assert response.get_json()["detail"].startswith("3 devices for 2 devices announced")


def test_laptop_lines_take_no_imeis(donations):
    _, client = donations
    laptops = {"kind": "hardware_lot", "category": "laptop", "quantity": 2}
    donation = announce(client, register_partner(client)["id"], laptops)
    response = upload(
        client, (donation["id"], donation["lines"][0]["id"]), f"imei\n{GOOD}\n".encode()
    )
    assert response.status_code == 422


def test_a_100k_device_line_is_filled_by_two_files_at_the_cap_in_bounded_memory(
    donations, line, capsys
):
    runtime, client = donations
    peaks = []
    for part in range(2):
        numbers = range(part * MAX_FILE_ROWS, (part + 1) * MAX_FILE_ROWS)
        tracemalloc.start()
        response = upload(
            client, line, GeneratedFile("imei\n", (f"{imei_number(n)}\n" for n in numbers)).stream()
        )
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
        assert response.status_code == 200, response.get_json()
        assert response.get_json() == {"accepted": MAX_FILE_ROWS, "rows_read": MAX_FILE_ROWS}
    assert stored(runtime) == 2 * MAX_FILE_ROWS  # each file adds to the line
    with capsys.disabled():
        shown = ", ".join(f"{peak / 2**20:.1f}" for peak in peaks)
        print(f"\n2 x {MAX_FILE_ROWS:,}-row identifier files: peak Python allocations {shown} MiB")
    assert max(peaks) < 32 * 2**20  # what grows is the set of the file's seen values


class ThroughTheClient:
    """``requests.put`` as the upload CLI calls it, answered by the service's test client."""

    def __init__(self, client) -> None:
        self.client, self.files = client, []

    def put(self, url, data, headers, timeout):
        body = data.read() + data.read()  # the second read ends the progress line
        self.files.append(body)
        path = url.split("/api/donations", 1)[1]
        response = self.client.put(path, data=body, content_type=headers["Content-Type"])
        return SimpleNamespace(ok=response.status_code < 400, json=response.get_json)


def test_the_cli_sends_a_file_beyond_the_maximum_rows_as_several_files(
    donations, line, tmp_path, monkeypatch
):
    runtime, client = donations
    gateway = ThroughTheClient(client)
    monkeypatch.setattr(upload_cli.requests, "put", gateway.put)
    path = tmp_path / "serials.csv"
    path.write_text("serial\n" + "".join(f"SN-{n}\n" for n in range(7)))
    out = io.StringIO()

    status = upload_cli.upload("http://gw", *line, str(path), out, api_key="k", rows_per_file=3)

    assert status == 0, out.getvalue()
    assert gateway.files == [
        b"serial\nSN-0\nSN-1\nSN-2\n",
        b"serial\nSN-3\nSN-4\nSN-5\n",
        b"serial\nSN-6\n",
    ]
    assert "uploading rows 5-7 100%" in out.getvalue()
    assert stored(runtime) == 7


def test_the_cli_stops_at_the_first_refused_part_and_says_where_to_resume(
    donations, line, tmp_path, monkeypatch
):
    runtime, client = donations
    monkeypatch.setattr(upload_cli.requests, "put", ThroughTheClient(client).put)
    path = tmp_path / "serials.csv"
    path.write_text("serial\nSN-0\nSN-1\nSN-2\nSN-3\nSN-0\nSN-5\nSN-6\n")  # row 6: SN-0 again
    out = io.StringIO()

    status = upload_cli.upload("http://gw", *line, str(path), out, api_key="k", rows_per_file=3)

    assert status == 1
    assert "row 6: serial donated before (SN-0)" in out.getvalue()  # numbered in the file
    assert "send the rest with --from-row 5" in out.getvalue()
    assert stored(runtime) == 3  # the first part stays on the line; nothing of the second

    path.write_text("serial\nSN-0\nSN-1\nSN-2\nSN-3\nSN-4\nSN-5\nSN-6\n")  # mended
    resumed = upload_cli.upload(
        "http://gw", *line, str(path), io.StringIO(), api_key="k", rows_per_file=3, from_row=5
    )
    assert resumed == 0
    assert stored(runtime) == 7
