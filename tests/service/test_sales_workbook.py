"""The funder workbook and the monthly reports, read back with openpyxl and checked against
sales' own impact API (``/impact``, ``/impact/monthly``) for the same months."""

from __future__ import annotations

import io
import uuid
import zipfile
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from services.common import clock
from services.sales.clock import month_of
from services.sales.domain.commands import OrderLineWanted, PlaceOrder, RequestCompletion
from services.sales.handlers.orders import place_order, request_completion
from services.sales.handlers.reports import make_due_reports
from tests.support.auth import as_counter, as_partner, as_role
from tests.support.enrolments import enrolled_from
from tests.support.sales import committed, desk_on, event

HOSTILE_SITE = '=HYPERLINK("http://evil.example/x","clic")'
HOSTILE_CITY = "+cmd|' /C calc'!A0"
PARTNER_A, PARTNER_B = str(uuid.uuid4()), str(uuid.uuid4())
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def desk(service_on_sqlite):
    desk = desk_on(service_on_sqlite("sales"))
    desk.publish_prices(valid_from="2027-01-01T00:00:00+00:00")
    return desk


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def open_site(desk, name: str, city: str) -> str:
    site_id = str(uuid.uuid4())
    data = {"site_id": site_id, "name": name, "city": city, "kind": "counter"}
    desk.apply(event("inventory.site.opened", site_id, 1, data))
    return site_id


def sell_at(desk, code, moment, site_id, *lines, partner=None) -> str:
    """An order placed, reserved (items from ``partner``), completed at ``moment``."""
    command = PlaceOrder(
        site_id=site_id,
        beneficiary_code=code,
        lines=tuple(OrderLineWanted(key, quantity) for key, quantity in lines),
        actor="test counter",
        at=moment,
    )
    order = desk.get({"id": place_order(desk.runtime.unit_of_work(), command).id})
    items = [
        {
            "line_id": line["id"],
            "item_type": line["family"],
            "item_id": str(uuid.uuid4()),
            "product_key": line["product_key"],
            "quantity": line["quantity"],
            "partner_id": partner,
        }
        for line in order["lines"]
    ]
    data = {
        "order_id": order["id"],
        "reservation_id": str(uuid.uuid4()),
        "site_id": site_id,
        "expires_at": utc(2099, 1, 1).isoformat(),
        "items": items,
    }
    desk.apply(event("inventory.reservation.accepted", order["id"], 1, data))
    request_completion(
        desk.runtime.unit_of_work(), RequestCompletion(order["id"], "cash", "counter", moment)
    )
    desk.apply(committed(desk.get(order), at=moment))
    assert desk.get(order)["state"] == "completed"
    return order["id"]


@pytest.fixture
def programme(desk):
    """Sales in February and March 2027 at the desk's site and at a hostile-named one."""
    hostile = open_site(desk, HOSTILE_SITE, HOSTILE_CITY)
    anne, bruno, chloe = (enrolled_from(desk, date(2027, 1, 1)) for _ in range(3))
    feb, mar = utc(2027, 2, 10, 10), utc(2027, 3, 15, 10)
    sell_at(desk, anne, feb, desk.site_id, ("card:orange:1000", 2), partner=PARTNER_A)
    sell_at(desk, bruno, feb, hostile, ("device:smartphone:b", 1), partner=PARTNER_B)
    sell_at(desk, anne, mar, hostile, ("card:orange:2000", 1), partner=PARTNER_A)
    sell_at(desk, chloe, mar, desk.site_id, ("allowance:data-mb", 500))
    return {"hostile": hostile, "people": 3}


def workbook_of(response):
    assert response.status_code == 200, response.get_json()
    assert response.mimetype == XLSX
    return load_workbook(io.BytesIO(response.data))


def table(sheet) -> tuple[list[str], list[tuple]]:
    rows = list(sheet.iter_rows())
    return [cell.value for cell in rows[0]], [tuple(cell.value for cell in row) for row in rows[1:]]


def summary_of(sheet) -> dict:
    """The summary sheet by its API field column."""
    _, rows = table(sheet)
    return {field: value for _label, value, _unit, field in rows}


def test_the_workbook_holds_the_apis_figures_for_the_same_months(desk, programme):
    book = workbook_of(desk.client.get("/impact/workbook.xlsx?from=2027-02&to=2027-03"))
    assert book.sheetnames == ["Synthèse", "2027-02", "2027-03", "Partenaires"]

    totals = desk.client.get("/impact").get_json()  # every month: here only these two
    summary = summary_of(book["Synthèse"])
    assert summary["people"] == totals["people_helped"] == programme["people"]
    assert summary["people_helped"] == totals["people_helped"]
    assert summary["target"] == totals["target"] == 100_000
    assert summary["progress_percent"] == totals["progress_percent"]
    assert summary["orders"] == totals["orders"] == 4
    for family, count in totals["items_by_family"].items():
        assert summary[family] == count
    assert round(summary["revenue_cents"] * 100) == totals["revenue_cents"]
    assert round(summary["savings_cents"] * 100) == totals["savings_cents"]
    assert summary["from"] == datetime(2027, 2, 1) and summary["to"] == datetime(2027, 3, 31)

    monthly = desk.client.get("/impact/monthly?from_month=2027-02&to_month=2027-03").get_json()
    in_sheets = []
    for month in ("2027-02", "2027-03"):
        headings, rows = table(book[month])
        assert headings[:6] == [
            "Mois",
            "Point d'accueil",
            "Ville",
            "Identifiant du site",
            "Personnes",
            "Commandes",
        ]
        in_sheets += [dict(zip(headings, row, strict=True)) for row in rows]
    assert len(in_sheets) == len(monthly) == 4
    by_key = {(row["Mois"].strftime("%Y-%m"), row["Identifiant du site"]): row for row in in_sheets}
    for expected in monthly:
        row = by_key[(expected["month"], expected["site_id"])]
        assert row["Personnes"] == expected["people"]
        assert row["Commandes"] == expected["orders"]
        assert row["Appareils"] == expected["items_by_family"]["device"]
        assert row["Cartes prépayées"] == expected["items_by_family"]["prepaid_card"]
        assert row["Forfaits (data, minutes)"] == expected["items_by_family"]["allowance"]
        assert round(row["Chiffre d'affaires (EUR)"] * 100) == expected["revenue_cents"]
        assert round(row["Économies des bénéficiaires (EUR)"] * 100) == expected["savings_cents"]


def test_the_environmental_figures_are_the_apis(desk, programme):
    book = workbook_of(desk.client.get("/impact/workbook.xlsx?from=2027-02&to=2027-03"))
    expected = desk.client.get("/impact").get_json()["environment"]
    summary = summary_of(book["Synthèse"])
    assert expected["devices_sold"] == 1 and expected["co2e_kg"] > 0  # the smartphone
    for name, value in expected.items():
        assert summary[name] == pytest.approx(value), name
    monthly = desk.client.get("/impact/monthly?from_month=2027-02&to_month=2027-03").get_json()
    headings, rows = table(book["2027-02"])
    february = {row[3]: dict(zip(headings, row, strict=True)) for row in rows}
    for row in monthly:
        if row["month"] == "2027-02":
            sheet_row = february[row["site_id"]]
            assert sheet_row["CO2e évité (kg)"] == pytest.approx(row["environment"]["co2e_kg"])
            assert sheet_row["Matériaux évités (kg)"] == pytest.approx(
                row["environment"]["materials_kg"]
            )


def test_the_partners_sheet_counts_what_each_partners_gifts_became(desk, programme):
    book = workbook_of(desk.client.get("/impact/workbook.xlsx?from=2027-02&to=2027-03"))
    headings, rows = table(book["Partenaires"])
    partners = {row[0]: dict(zip(headings, row, strict=True)) for row in rows}
    a, b = partners[PARTNER_A], partners[PARTNER_B]
    assert (a["Cartes prépayées vendus"], a["Commandes"], a["Personnes atteintes"]) == (3, 2, 1)
    assert (b["Appareils vendus"], b["Commandes"], b["Personnes atteintes"]) == (1, 1, 1)
    assert partners["(provenance inconnue)"]["Forfaits (data, minutes) vendus"] == 500


def test_cells_are_typed_the_header_frozen_and_columns_sized(desk, programme):
    book = workbook_of(desk.client.get("/impact/workbook.xlsx?from=2027-02&to=2027-03"))
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2"
        assert all(cell.data_type == "s" and cell.font.bold for cell in sheet[1])
        assert sheet.column_dimensions["A"].width > 8
    headings, _ = table(book["2027-02"])
    for row in book["2027-02"].iter_rows(min_row=2):
        cells = dict(zip(headings, row, strict=True))
        assert cells["Mois"].is_date and isinstance(cells["Mois"].value, datetime)
        for name in ("Personnes", "Commandes", "Appareils", "Minutes vendues"):
            assert cells[name].data_type == "n" and isinstance(cells[name].value, int)
        for name in ("Chiffre d'affaires (EUR)", "Économies des bénéficiaires (EUR)"):
            assert cells[name].data_type == "n" and cells[name].number_format == "#,##0.00"
        for name in ("CO2e évité (kg)", "Matériaux évités (kg)", "Données vendues (Go)"):
            assert cells[name].data_type == "n" and isinstance(cells[name].value, int | float)
    summary = {row[3].value: row[1] for row in book["Synthèse"].iter_rows(min_row=2)}
    assert summary["from"].is_date and summary["made_on"].is_date
    assert isinstance(summary["orders"].value, int) and summary["orders"].data_type == "n"


def test_a_name_that_looks_like_a_formula_comes_out_as_inert_text(desk, programme):
    book = workbook_of(desk.client.get("/impact/workbook.xlsx?from=2027-02&to=2027-03"))
    cells = [
        cell
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if isinstance(cell.value, str)
    ]
    assert all(cell.data_type == "s" for cell in cells)
    assert not any(cell.value.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in cells)
    names = {cell.value for cell in cells}
    assert "'" + HOSTILE_SITE in names and "'" + HOSTILE_CITY in names
    # and the raw file holds no formula element at all
    with zipfile.ZipFile(io.BytesIO(book_bytes(desk))) as archive:
        sheets = [name for name in archive.namelist() if name.startswith("xl/worksheets/")]
        assert sheets and not any(b"<f>" in archive.read(name) for name in sheets)


def book_bytes(desk) -> bytes:
    return desk.client.get("/impact/workbook.xlsx?from=2027-02&to=2027-03").data


def test_by_default_the_workbook_covers_the_twelve_months_up_to_this_one(desk):
    book = workbook_of(desk.client.get("/impact/workbook.xlsx"))
    months = book.sheetnames[1:-1]
    assert len(months) == 12 and months == sorted(months)
    assert months[-1] == month_of(clock.now())


@pytest.mark.parametrize(
    "query",
    [
        "from=2027-13&to=2027-14",
        "from=2027-3&to=2027-04",
        "from=27-03",
        "to=tomorrow",
        "from=2027-04&to=2027-03",  # from after to
        "from=2020-01&to=2023-01",  # 37 months
        "from=0000-01&to=0000-02",
        "from=9999-01&to=9999-12",
        "from=٢٠٢٧-01&to=2027-02",  # digits of another script
        "from=2027-01&to=2027-02&site=x",
    ],
)
def test_bad_periods_are_refused_with_a_problem(desk, query):
    response = desk.client.get(f"/impact/workbook.xlsx?{query}")
    assert response.status_code == 422, response.data[:200]
    assert response.mimetype == "application/problem+json"


def test_thirty_six_months_is_the_longest_period(desk):
    book = workbook_of(desk.client.get("/impact/workbook.xlsx?from=2020-01&to=2022-12"))
    assert len(book.sheetnames) == 38


@pytest.mark.parametrize(
    "headers",
    [
        as_counter(uuid.uuid4()),
        as_partner(uuid.uuid4()),
        as_role("workshop"),
    ],
)
def test_only_admins_and_auditors_read_the_programme_workbook(desk, headers):
    for path in ("/impact/workbook.xlsx", "/reports"):
        assert desk.client.get(path, headers=headers).status_code == 403
    assert desk.client.get("/impact/workbook.xlsx", headers=as_role("auditor")).status_code == 200
    assert desk.client.get("/reports", headers=as_role("auditor")).status_code == 200


# the monthly report ------------------------------------------------------------------------------


def paris(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=ZoneInfo("Europe/Paris"))


def reports_made_at(desk, moment: datetime) -> list[str]:
    with clock.travelling():
        clock.travel_to(moment)
        return make_due_reports(desk.runtime)


def test_on_the_first_of_the_month_the_worker_makes_last_months_report_once(desk, programme):
    assert reports_made_at(desk, paris(2027, 3, 31, 23, 0)) == ["2027-02"]  # none made before
    assert reports_made_at(desk, paris(2027, 4, 1, 0, 30)) == []  # sales of March settle first
    assert reports_made_at(desk, paris(2027, 4, 1, 1, 30)) == ["2027-03"]
    assert reports_made_at(desk, paris(2027, 4, 1, 1, 40)) == []  # the next round: nothing
    assert reports_made_at(desk, paris(2027, 4, 20, 9, 0)) == []

    listed = desk.client.get("/reports").get_json()
    assert [report["month"] for report in listed] == ["2027-03", "2027-02"]
    march = listed[0]
    pdf = desk.client.get(f"/reports/{march['id']}/report.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF") and len(pdf.data) == march["pdf_bytes"]

    book = workbook_of(desk.client.get(f"/reports/{march['id']}/workbook.xlsx"))
    assert book.sheetnames == ["Synthèse", "2027-03", "Partenaires"]
    monthly = desk.client.get("/impact/monthly?from_month=2027-03&to_month=2027-03").get_json()
    summary = summary_of(book["Synthèse"])
    assert summary["orders"] == sum(row["orders"] for row in monthly) == 2
    assert round(summary["revenue_cents"] * 100) == sum(row["revenue_cents"] for row in monthly)
    assert summary["made_on"] == datetime(2027, 4, 1)


def test_a_worker_down_on_the_first_catches_up_every_missed_month(desk, programme):
    assert reports_made_at(desk, paris(2027, 2, 1, 3, 0)) == ["2027-01"]
    assert reports_made_at(desk, paris(2027, 5, 17, 8, 0)) == ["2027-02", "2027-03", "2027-04"]
    months = [report["month"] for report in desk.client.get("/reports").get_json()]
    assert months == ["2027-04", "2027-03", "2027-02", "2027-01"]


def test_two_workers_making_the_same_month_keep_one_report(desk):
    made = []
    for _ in range(2):  # both found the month missing, then both insert
        with desk.runtime.unit_of_work() as uow:
            made.append(uow.reports.add_once("2027-03", utc(2027, 4, 1), b"%PDF-a", b"PK-a"))
            uow.commit()
    assert made == [True, False]
    [kept] = desk.client.get("/reports").get_json()
    assert desk.client.get(f"/reports/{kept['id']}/report.pdf").data == b"%PDF-a"


def test_an_unknown_report_is_not_found(desk):
    for file in ("report.pdf", "workbook.xlsx"):
        response = desk.client.get(f"/reports/{uuid.uuid4()}/{file}")
        assert response.status_code == 404
        assert response.get_json()["code"] == "report-not-found"
