"""The funder workbook downloaded from the dashboard (months picked), opened with openpyxl and
checked against the API; the monthly reports listed there; a partner's own workbook from its
impact screen. On the living demo, so that the months hold figures."""

from __future__ import annotations

import io
import re
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from services.sales.clock import today
from services.sales.domain.reporting import month_name, shifted
from services.sales.handlers.reports import make_due_reports
from tests.browser.accessibility import check_screen
from tests.browser.chromium import playwright_api

expect = playwright_api().expect


@pytest.fixture(scope="module")
def demo_data() -> str:
    return "programme"


def summary_of(book) -> dict:
    rows = list(book["Synthèse"].iter_rows(min_row=2, values_only=True))
    return {field: value for _label, value, _unit, field in rows}


def test_the_dashboard_downloads_the_workbook_of_the_months_picked(screens, keys, apis, system):
    last = month_name(today())
    first = shifted(last, -5)
    make_due_reports(system.runtimes["sales"])  # as the worker does (the seed made them)
    page = screens.page
    screens.sign_in(keys["admin"])
    section = page.get_by_role("region", name="Classeur des financeurs")
    section.get_by_label("Du mois").fill(first)
    section.get_by_label("Au mois (inclus)").fill(last)
    with page.expect_download() as download:
        section.get_by_role("button", name="Télécharger le classeur").click()
    assert download.value.suggested_filename == f"impact-{first}-{last}.xlsx"
    book = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    assert book.sheetnames == ["Synthèse", *(shifted(first, n) for n in range(6)), "Partenaires"]

    monthly = apis["admin"].get("sales/impact/monthly", from_month=first, to_month=last).json()
    summary = summary_of(book)
    assert summary["orders"] == sum(row["orders"] for row in monthly) > 0
    assert round(summary["revenue_cents"] * 100) == sum(row["revenue_cents"] for row in monthly)
    assert summary["people_helped"] == apis["admin"].get("sales/impact").json()["people_helped"]
    assert summary["from"].date() == date.fromisoformat(f"{first}-01")
    assert book[last].freeze_panes == "A2"

    reports = page.get_by_role("region", name="Rapports mensuels")
    month_label = re.compile(r"PDF de ")
    made = apis["admin"].get("sales/reports").json()  # the demo's months, newest first
    expect(reports.get_by_role("button", name=month_label)).to_have_count(len(made))
    assert len(made) >= 1
    with page.expect_download() as pdf:
        reports.get_by_role("button", name=month_label).first.click()
    assert Path(pdf.value.path()).read_bytes().startswith(b"%PDF")
    check_screen(page, "dashboard-workbook")
    screens.shot("workbook and monthly reports")


def test_a_bad_period_is_explained_on_the_form(screens, keys):
    page = screens.page
    screens.sign_in(keys["admin"])
    section = page.get_by_role("region", name="Classeur des financeurs")
    section.get_by_label("Du mois").fill("2020-01")
    section.get_by_label("Au mois (inclus)").fill("2024-01")
    section.get_by_role("button", name="Télécharger le classeur").click()
    expect(section.get_by_text("au plus 36 mois", exact=False).first).to_be_visible()
    screens.shot("period too long")


def test_a_partner_downloads_its_own_workbook_from_its_impact(screens, keys, apis, partner_id):
    page = screens.page
    screens.sign_in(keys["partner"])
    page.get_by_role("navigation").get_by_role("link", name="Impact").click()
    with page.expect_download() as download:
        page.get_by_role("button", name="Télécharger le classeur").click()
    book = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    assert book.sheetnames == ["Synthèse", "Dons", "Par mois"]
    impact = apis["partner"].get(f"donations/partners/{partner_id}/impact").json()
    rows = list(book["Synthèse"].iter_rows(min_row=2, values_only=True))
    summary = {field: value for _label, value, field in rows}
    assert summary["devices_received"] == impact["devices_received"] > 0
    assert summary["people_reached"] == impact["people_reached"]
    check_screen(page, "partner-impact-workbook")
    screens.shot("partner workbook")
