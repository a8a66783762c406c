"""The living demo (``make run``'s programme) shows charts with months of figures."""

from __future__ import annotations

import re

import pytest

from tests.browser.chromium import playwright_api

expect = playwright_api().expect


@pytest.fixture(scope="module")
def demo_data() -> str:
    return "programme"


def chart_name(page, title: str) -> str:
    image = page.get_by_role("img", name=re.compile(title))
    expect(image).to_be_visible()
    return image.get_attribute("aria-label") or image.evaluate("i => i.textContent")


def test_dashboard_charts_show_months_and_weeks_of_work(screens, keys):
    page = screens.page
    screens.sign_in(keys["admin"])
    weeks = chart_name(page, "par semaine")
    assert len(re.findall(r"Mis en vente [1-9]", weeks)) >= 6, weeks
    months = chart_name(page, "Personnes servies par mois")
    assert len(re.findall(r": [1-9]\d*", months)) >= 6, months
    screens.shot("seeded dashboard")


def test_partner_impact_charts_show_people_and_devices(screens, keys):
    page = screens.page
    screens.sign_in(keys["partner"])
    page.get_by_role("link", name="Impact").click()
    cities = chart_name(page, "Personnes aidées par ville")
    assert len(re.findall(r": [1-9]\d*", cities)) >= 3, cities
    assert re.search(r"Vendus[^,;]*[1-9]", chart_name(page, "Appareils par étape"))
    screens.shot("seeded partner impact")
